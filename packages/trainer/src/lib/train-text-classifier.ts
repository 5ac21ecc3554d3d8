import { Adam } from './adam.js';
import { evaluateEncoded, labelIndexes } from './evaluate.js';
import { accumulateGradients, createScratch, Gradients } from './gradients.js';
import type { ClassificationMetrics } from './metrics.js';
import { createRandom } from './random.js';
import { sizeBigramBuckets } from './size-bigram-buckets.js';
import { splitExamples } from './split-examples.js';
import { TextClassifier, type TextClassifierWeights } from './text-classifier.js';
import type { TextExample } from './text-example.js';
import { TrainerError } from './trainer-error.js';
import { resolveHyperparameters, type TrainingHyperparameters } from './training-options.js';
import { buildVocabulary } from './vocabulary.js';

/** What training reports as it goes; a CLI draws a progress bar from it, a job writes log lines. */
export type TrainingEvent =
  | {
      type: 'start';
      trainExamples: number;
      devExamples: number;
      labels: string[];
      vocabularySize: number;
      epochs: number;
      batchesPerEpoch: number;
    }
  /** After each gradient step; `epoch` counts from 1, `loss` is the batch's mean. */
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      /** Mean training loss over the epoch. */
      loss: number;
      devLoss: number;
      devMacroF1: number;
      devAccuracy: number;
      /** Training examples per second of this epoch's gradient steps. */
      examplesPerSecond: number;
      seconds: number;
      /** This epoch's model is the best so far (and is the one `best` will hold unless a later one beats it). */
      improved: boolean;
      bestEpoch: number;
    }
  | { type: 'early-stop'; epoch: number; bestEpoch: number; patience: number; minDelta: number; lastProgressEpoch: number };

/** Options of {@link trainTextClassifier}. */
export interface TrainTextClassifierOptions extends TrainingHyperparameters {
  train: readonly TextExample[];
  /** Early stopping watches these; when absent, `devSize` of `train` is held out (seeded, stratified). */
  dev?: readonly TextExample[];
  onEvent?: (event: TrainingEvent) => void;
  /**
   * Called with a copy of the model each time the dev score improves, awaited before training goes on: the
   * place to write the best checkpoint so that a preempted job keeps it.
   */
  onBest?: (model: TextClassifier, epoch: number) => void | Promise<void>;
  /** Stops training between two batches with a TrainerError ABORTED. */
  signal?: AbortSignal;
}

/** One line of the training history. */
export interface EpochSummary {
  epoch: number;
  loss: number;
  dev: ClassificationMetrics;
  examplesPerSecond: number;
  seconds: number;
}

/** What {@link trainTextClassifier} returns. */
export interface TrainTextClassifierResult {
  /** The model of the best dev epoch. */
  best: TextClassifier;
  /** The model after the last epoch run. */
  final: TextClassifier;
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  history: EpochSummary[];
  /** The dev examples early stopping used (given, or held out of `train`). */
  dev: TextExample[];
}

/**
 * Trains a fastText-style classifier (see `TextClassifier`) with mini-batch Adam, evaluating on the dev split
 * after each epoch and stopping early when its macro-F1 stops improving. Deterministic for a given seed.
 *
 * @example
 * ```ts
 * const { best } = await trainTextClassifier({
 *   train: [{ text: 'win a free prize', labels: ['spam'] }, { text: 'lunch at noon?', labels: ['ham'] }, ...],
 *   epochs: 10,
 * });
 * best.predict('free prize inside'); // ['spam']
 * ```
 */
export async function trainTextClassifier(options: TrainTextClassifierOptions): Promise<TrainTextClassifierResult> {
  const hyper = resolveHyperparameters(options);
  checkExamples(options.train, 'train');
  if (options.train.length === 0) {
    throw new TrainerError('INVALID_DATA', 'train: no examples; give at least one labelled text per label');
  }
  let train = options.train;
  let dev: readonly TextExample[];
  if (options.dev !== undefined) {
    checkExamples(options.dev, 'dev');
    dev = options.dev;
  } else {
    const split = splitExamples(train, { dev: hyper.devSize, seed: hyper.seed });
    train = split.train;
    dev = split.dev;
  }
  if (dev.length === 0) {
    throw new TrainerError('INVALID_DATA', `dev: no examples to stop early on (${train.length} training examples, devSize ${hyper.devSize}); give dev examples or a larger devSize`);
  }

  const singleLabel = hyper.problemType === 'single_label_classification';
  const labels = hyper.labels ?? [...new Set(train.flatMap((example) => example.labels))].sort();
  if (labels.length === 0 || (singleLabel && labels.length < 2)) {
    throw new TrainerError('INVALID_DATA', `labels: found ${labels.length === 0 ? 'none' : JSON.stringify(labels)} in the training examples; a single-label classifier needs at least 2 labels (a multi-label one at least 1)`);
  }
  if (new Set(labels).size !== labels.length) {
    throw new TrainerError('INVALID_OPTION', `labels: ${JSON.stringify(labels)} lists a label twice; list each once`);
  }
  const where = (split: string) => (example: TextExample, index: number) => {
    const indexes = labelIndexes(labels, example, `${split}[${index}]`);
    if (singleLabel && indexes.length !== 1) {
      throw new TrainerError('INVALID_DATA', `${split}[${index}]: has ${indexes.length} labels (${JSON.stringify(example.labels)}); a single-label classifier needs exactly one per text (use problemType multi_label_classification for several)`);
    }
    return indexes;
  };
  const trainTargets = train.map(where('train'));
  const devTargets = dev.map(where('dev'));

  const vocabulary = buildVocabulary(train.map((example) => example.text), {
    minCount: hyper.minCount,
    maxSize: hyper.maxVocabularySize,
    maxLength: hyper.maxLength,
  });
  const random = createRandom(hyper.seed);
  const { dim } = hyper;
  // Each text tokenized once: its ids size the bigram table and then give its features.
  const trainIds = train.map((example) => vocabulary.encode(example.text, hyper.maxLength));
  const buckets = hyper.buckets ?? sizeBigramBuckets({ texts: trainIds, vocabularySize: vocabulary.size });
  // fastText's initialisation: small uniform embeddings, a zero output layer.
  const embedding = new Float32Array((vocabulary.size + buckets) * dim);
  for (let i = 0; i < embedding.length; i++) embedding[i] = (random.next() * 2 - 1) / dim;
  const weights: TextClassifierWeights = {
    embedding,
    weight: new Float32Array(labels.length * dim),
    bias: new Float32Array(labels.length),
  };
  const config = {
    problemType: hyper.problemType,
    labels,
    dim,
    ngrams: hyper.ngrams,
    buckets,
    maxLength: hyper.maxLength,
    threshold: hyper.threshold,
  };
  const model = new TextClassifier(config, vocabulary, weights);
  const trainFeatures = trainIds.map((ids) => model.bag(ids));
  const devFeatures = dev.map((example) => model.bag(model.encode(example.text)));
  const targets = trainTargets.map((indexes) => {
    const target = new Float64Array(labels.length);
    for (const index of indexes) target[index] = 1;
    return target;
  });

  const batchSize = hyper.batchSize;
  const batches = Math.ceil(train.length / batchSize);
  options.onEvent?.({
    type: 'start',
    trainExamples: train.length,
    devExamples: dev.length,
    labels: [...labels],
    vocabularySize: vocabulary.size,
    epochs: hyper.epochs,
    batchesPerEpoch: batches,
  });

  const optimizer = new Adam(weights, { learningRate: hyper.learningRate });
  const gradients = new Gradients(model);
  const scratch = createScratch(model);
  const order = train.map((_, index) => index);
  const history: EpochSummary[] = [];
  const copyModel = () => new TextClassifier(config, vocabulary, {
    embedding: weights.embedding.slice(),
    weight: weights.weight.slice(),
    bias: weights.bias.slice(),
  });
  let best: TextClassifier | undefined;
  let bestEpoch = 0;
  let bestScore = -Infinity;
  let bestLoss = Infinity;
  let progressEpoch = 0;
  let progressScore = -Infinity;
  let stoppedEarly = false;
  let epoch = 0;
  let lastYield = performance.now();

  while (epoch < hyper.epochs) {
    epoch++;
    const started = performance.now();
    random.shuffle(order);
    let epochLoss = 0;
    for (let batch = 0; batch < batches; batch++) {
      const from = batch * batchSize;
      const to = Math.min(from + batchSize, order.length);
      const scale = 1 / (to - from);
      let batchLoss = 0;
      gradients.reset();
      for (let position = from; position < to; position++) {
        const index = order[position]!;
        batchLoss += accumulateGradients(model, trainFeatures[index]!, targets[index]!, scale, gradients, scratch);
      }
      optimizer.step(weights, gradients);
      epochLoss += batchLoss;
      options.onEvent?.({ type: 'batch', epoch, batch: batch + 1, batches, loss: batchLoss * scale });
      // Let timers, signals and progress output run now and then; training is otherwise one long computation.
      if (performance.now() - lastYield > 50) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (options.signal?.aborted) {
        throw new TrainerError('ABORTED', `training was aborted in epoch ${epoch}`, { cause: options.signal.reason });
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const devMetrics = evaluateEncoded(model, devFeatures, devTargets);
    // The model kept: the best dev macro-F1, ties to the lower dev loss.
    const improved = devMetrics.macroF1 > bestScore + F1_NOISE || (Math.abs(devMetrics.macroF1 - bestScore) <= F1_NOISE && devMetrics.loss < bestLoss);
    // Patience: only a rise of the macro-F1 by more than minDelta counts as progress, never the loss alone.
    if (devMetrics.macroF1 > progressScore + Math.max(hyper.minDelta, F1_NOISE)) {
      progressEpoch = epoch;
      progressScore = devMetrics.macroF1;
    }
    if (improved) {
      best = copyModel();
      bestEpoch = epoch;
      bestScore = devMetrics.macroF1;
      bestLoss = devMetrics.loss;
    }
    const summary: EpochSummary = {
      epoch,
      loss: epochLoss / train.length,
      dev: devMetrics,
      examplesPerSecond: train.length / seconds,
      seconds,
    };
    history.push(summary);
    options.onEvent?.({
      type: 'epoch',
      epoch,
      epochs: hyper.epochs,
      loss: summary.loss,
      devLoss: devMetrics.loss,
      devMacroF1: devMetrics.macroF1,
      devAccuracy: devMetrics.accuracy,
      examplesPerSecond: summary.examplesPerSecond,
      seconds,
      improved,
      bestEpoch,
    });
    if (improved) await options.onBest?.(best!, epoch);
    if (epoch - progressEpoch >= hyper.patience && epoch < hyper.epochs) {
      stoppedEarly = true;
      options.onEvent?.({ type: 'early-stop', epoch, bestEpoch, patience: hyper.patience, minDelta: hyper.minDelta, lastProgressEpoch: progressEpoch });
      break;
    }
  }
  return {
    best: best!,
    final: model,
    bestEpoch,
    epochsRun: epoch,
    stoppedEarly,
    history,
    dev: [...dev],
  };
}

// Macro-F1s that differ by less than this are the same score computed in another order.
const F1_NOISE = 1e-12;

function checkExamples(examples: readonly TextExample[], split: string): void {
  if (!Array.isArray(examples)) {
    throw new TrainerError('INVALID_OPTION', `${split}: expected an array of {text, labels} examples, got ${typeof examples}`);
  }
  // Plain JavaScript callers can pass anything: check before trusting the type.
  (examples as readonly unknown[]).forEach((value, index) => {
    const example = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const text = example['text'];
    if (typeof text !== 'string') {
      throw new TrainerError('INVALID_DATA', `${split}[${index}].text: expected a string, got ${text === null ? 'null' : typeof text}`);
    }
    const labels = example['labels'];
    if (!Array.isArray(labels) || !labels.every((label: unknown) => typeof label === 'string')) {
      throw new TrainerError('INVALID_DATA', `${split}[${index}].labels: expected an array of label names, e.g. ["spam"]`);
    }
  });
}

import { describe, expect, it } from 'vitest';
import { evaluate, TrainerError, trainTextClassifier, type TrainingEvent } from '../src/index.js';
import { multiLabelCorpus, singleLabelCorpus } from './fixtures/synthetic.js';

const train = singleLabelCorpus({ perLabel: 60, seed: 1 });
const dev = singleLabelCorpus({ perLabel: 15, seed: 2 });
const test = singleLabelCorpus({ perLabel: 30, seed: 3 });

describe('trainTextClassifier', () => {
  it('learns a separable task and reports each epoch', async () => {
    const events: TrainingEvent[] = [];
    const result = await trainTextClassifier({ train, dev, epochs: 4, dim: 16, buckets: 1024, onEvent: (event) => events.push(event) });
    expect(evaluate(result.best, test).accuracy).toBe(1);
    expect(result.best.predict('click for a free cash prize')).toEqual(['spam']);
    expect(result.best.predict('lunch meeting tomorrow with the team')).toEqual(['ham']);

    const start = events.find((event) => event.type === 'start');
    expect(start).toMatchObject({ trainExamples: 120, devExamples: 30, labels: ['ham', 'spam'], epochs: 4, batchesPerEpoch: 4 });
    const epochs = events.filter((event) => event.type === 'epoch');
    expect(epochs.map((event) => event.epoch)).toEqual(result.history.map((entry) => entry.epoch));
    for (const event of epochs) {
      expect(event.examplesPerSecond).toBeGreaterThan(0);
      expect(event.devMacroF1).toBeGreaterThanOrEqual(0);
      expect(event.devMacroF1).toBeLessThanOrEqual(1);
    }
    expect(events.filter((event) => event.type === 'batch')).toHaveLength(4 * epochs.length);
    // The training loss goes down.
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss);
  });

  it('is deterministic for a seed, and the seed matters', async () => {
    const options = { train, dev, epochs: 2, dim: 8, buckets: 512 };
    const a = await trainTextClassifier({ ...options, seed: 5 });
    const b = await trainTextClassifier({ ...options, seed: 5 });
    const c = await trainTextClassifier({ ...options, seed: 6 });
    expect(Buffer.from(a.final.weights.embedding.buffer).equals(Buffer.from(b.final.weights.embedding.buffer))).toBe(true);
    expect(a.final.weights.weight).toEqual(b.final.weights.weight);
    expect(Buffer.from(a.final.weights.embedding.buffer).equals(Buffer.from(c.final.weights.embedding.buffer))).toBe(false);
  });

  it('stops early after `patience` epochs without a better dev score, keeping the best epoch\'s model', async () => {
    // A dev set the model cannot get right (labels swapped) stops improving at once.
    const swapped = dev.map((example) => ({ ...example, labels: [example.labels[0] === 'spam' ? 'ham' : 'spam'] }));
    const events: TrainingEvent[] = [];
    const result = await trainTextClassifier({ train, dev: swapped, epochs: 20, patience: 2, dim: 8, buckets: 256, onEvent: (event) => events.push(event) });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(result.bestEpoch + 2);
    expect(result.epochsRun).toBeLessThan(20);
    expect(events.at(-1)).toEqual({ type: 'early-stop', epoch: result.epochsRun, bestEpoch: result.bestEpoch, patience: 2, minDelta: 0, lastProgressEpoch: result.bestEpoch });
    // `best` is a snapshot: it differs from the final weights.
    expect(result.best.weights.bias).not.toEqual(result.final.weights.bias);
  });

  it('stops early once the dev macro-F1 stops rising, however much the dev loss keeps falling', async () => {
    // An easy task: dev macro-F1 reaches 1 in a few epochs; after that the model only grows more confident and
    // every epoch's dev loss is lower. Counting those as progress made every epoch "the best so far" and ran all 30.
    const events: TrainingEvent[] = [];
    const result = await trainTextClassifier({ train, dev, epochs: 30, patience: 2, dim: 8, buckets: 256, onEvent: (event) => events.push(event) });
    const epochs = events.flatMap((event) => (event.type === 'epoch' ? [event] : []));
    const firstPerfect = epochs.find((event) => event.devMacroF1 === 1)?.epoch ?? Number.NaN;
    expect(firstPerfect).toBeLessThan(10);
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(firstPerfect + 2);
    // The loss still picks among the tied epochs: the last one, whose dev loss is lowest.
    expect(epochs.slice(firstPerfect - 1).map((event) => event.devLoss)).toEqual([...epochs.slice(firstPerfect - 1).map((event) => event.devLoss)].sort((a, b) => b - a));
    expect(result.bestEpoch).toBe(result.epochsRun);
    expect(events.at(-1)).toMatchObject({ type: 'early-stop', lastProgressEpoch: firstPerfect, bestEpoch: result.epochsRun });
  });

  it('minDelta: a rise of the dev macro-F1 must exceed it to count as progress', async () => {
    const events: TrainingEvent[] = [];
    const result = await trainTextClassifier({ train, dev, epochs: 30, patience: 2, dim: 8, buckets: 256, minDelta: 0.5, onEvent: (event) => events.push(event) });
    // Epoch 1 (0.33) is progress from nothing and epoch 2 (0.90) rises by more than 0.5; nothing can rise 0.5 above that.
    expect(result.epochsRun).toBe(4);
    expect(events.at(-1)).toMatchObject({ type: 'early-stop', lastProgressEpoch: 2, minDelta: 0.5 });
  });

  it('calls onBest with each improvement, before training goes on', async () => {
    const seen: number[] = [];
    const result = await trainTextClassifier({ train, dev, epochs: 3, dim: 8, buckets: 256, onBest: async (_, epoch) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(epoch);
    } });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(result.bestEpoch);
  });

  it('holds out a seeded, stratified dev split when no dev examples are given', async () => {
    const result = await trainTextClassifier({ train, epochs: 1, devSize: 0.25, dim: 8, buckets: 256 });
    expect(result.dev).toHaveLength(30);
    expect(result.dev.filter((example) => example.labels[0] === 'spam')).toHaveLength(15);
    const again = await trainTextClassifier({ train, epochs: 1, devSize: 0.25, dim: 8, buckets: 256 });
    expect(again.dev).toEqual(result.dev);
  });

  it('trains multi-label models with a sigmoid per label and a threshold', async () => {
    const corpus = multiLabelCorpus({ count: 400 });
    const result = await trainTextClassifier({
      train: corpus.slice(0, 300),
      dev: corpus.slice(300, 350),
      problemType: 'multi_label_classification',
      epochs: 15,
      learningRate: 0.05,
      dim: 16,
      buckets: 1024,
    });
    const metrics = evaluate(result.best, corpus.slice(350));
    expect(metrics.macroF1).toBeGreaterThan(0.8);
    expect(Object.keys(metrics.perLabel)).toEqual(['ham', 'news', 'spam']);
    const probabilities = result.best.predictProbabilities('free prize election vote');
    // Independent sigmoids: they need not sum to 1.
    expect(probabilities.reduce((a, b) => a + b, 0)).not.toBeCloseTo(1, 3);
    expect(result.best.predict('free prize cash election vote minister', { threshold: 0.3 })).toEqual(expect.arrayContaining(['news', 'spam']));
    for (const threshold of [0.1, 0.5, 0.9]) {
      const expected = result.best.labels.filter((_, index) => probabilities[index]! >= threshold);
      expect(result.best.predict('free prize election vote', { threshold })).toEqual(expected);
    }
  });

  it('stops with TrainerError ABORTED when its signal aborts', async () => {
    const controller = new AbortController();
    const promise = trainTextClassifier({ train, dev, epochs: 50, dim: 8, buckets: 256, batchSize: 1, signal: controller.signal, onEvent: (event) => {
      if (event.type === 'batch' && event.epoch === 2) controller.abort();
    } });
    await expect(promise).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('trainTextClassifier input checks', () => {
  const cases: Array<[string, Parameters<typeof trainTextClassifier>[0], RegExp]> = [
    ['epochs 0', { train, dev, epochs: 0 }, /^epochs: expected a whole number >= 1, e.g. 10, got 0$/],
    ['a negative learning rate', { train, dev, learningRate: -1 }, /^learningRate: expected a number in \(0, 10\), e\.g\. 0\.01, got -1$/],
    ['a fractional batch size', { train, dev, batchSize: 2.5 }, /^batchSize: expected a whole number >= 1/],
    ['ngrams 3', { train, dev, ngrams: 3 as 2 }, /^ngrams: expected 1 \(words\) or 2/],
    ['an unknown problem type', { train, dev, problemType: 'regression' as 'single_label_classification' }, /^problemType: expected one of single_label_classification, multi_label_classification, got "regression"$/],
    ['a threshold of 1', { train, dev, threshold: 1 }, /^threshold: expected a number in \(0, 1\)/],
    ['no examples', { train: [], dev }, /^train: no examples/],
    ['one label only', { train: train.filter((example) => example.labels[0] === 'spam'), dev }, /a single-label classifier needs at least 2 labels/],
    ['a dev label unseen in training', { train, dev: [{ text: 'x', labels: ['eggs'] }] }, /^dev\[0\]: label "eggs" is not one of the model's labels \("ham", "spam"\)/],
    ['two labels on a single-label example', { train: [...train, { text: 'x', labels: ['ham', 'spam'] }], dev }, /^train\[120\]: has 2 labels \(\["ham","spam"\]\); a single-label classifier needs exactly one/],
    ['a text that is not a string', { train: [{ text: 5 as unknown as string, labels: ['ham'] }], dev }, /^train\[0\]\.text: expected a string, got number$/],
    ['labels listed twice', { train, dev, labels: ['ham', 'spam', 'ham'] }, /^labels: \["ham","spam","ham"\] lists a label twice/],
  ];
  it.each(cases)('rejects %s with a TrainerError naming it', async (_, options, message) => {
    const error = await trainTextClassifier(options).catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

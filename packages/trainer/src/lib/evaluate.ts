import { createScratch, lossAndLogitGradients } from './gradients.js';
import { computeClassificationMetrics, type ClassificationMetrics } from './metrics.js';
import { decide, toProbabilities, type FeatureBag, type TextClassifier } from './text-classifier.js';
import type { TextExample } from './text-example.js';
import { TrainerError } from './trainer-error.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Multi-label decision threshold; default: the model's. */
  threshold?: number;
}

/**
 * Scores a model on labelled examples: accuracy, macro-F1, mean loss and per-label precision, recall, F1 and
 * support. Labels the model does not know are an error naming the example.
 *
 * @example
 * ```ts
 * const { accuracy, macroF1 } = evaluate(model, test);
 * ```
 */
export function evaluate(model: TextClassifier, examples: readonly TextExample[], options: EvaluateOptions = {}): ClassificationMetrics {
  const encoded = examples.map((example) => model.bag(model.encode(example.text)));
  const targets = examples.map((example, index) => labelIndexes(model.labels, example, `examples[${index}]`));
  return evaluateEncoded(model, encoded, targets, options.threshold);
}

/** {@link evaluate} on texts already turned into features, as training does each epoch. */
export function evaluateEncoded(
  model: TextClassifier,
  features: readonly FeatureBag[],
  truth: ReadonlyArray<readonly number[]>,
  threshold = model.config.threshold,
): ClassificationMetrics {
  const numLabels = model.labels.length;
  const scratch = createScratch(model);
  const target = new Float64Array(numLabels);
  const predicted: number[][] = [];
  let loss = 0;
  features.forEach((feature, index) => {
    target.fill(0);
    for (const label of truth[index]!) target[label] = 1;
    model.forward(feature, scratch.hidden, scratch.logits);
    // The very loss training minimises.
    loss += lossAndLogitGradients(model.problemType, scratch.logits, target, scratch.dLogits);
    predicted.push(decide(toProbabilities(scratch.logits, model.problemType), model.config, threshold));
  });
  return computeClassificationMetrics({
    labels: model.labels,
    truth,
    predicted,
    loss: features.length === 0 ? Number.NaN : loss / features.length,
  });
}

/** The indexes of an example's labels; an unknown label is an error naming the example. */
export function labelIndexes(labels: readonly string[], example: TextExample, where: string): number[] {
  return example.labels.map((label) => {
    const index = labels.indexOf(label);
    if (index === -1) {
      throw new TrainerError('INVALID_DATA', `${where}: label ${JSON.stringify(label)} is not one of the model's labels (${labels.map((l) => JSON.stringify(l)).join(', ')}); fix the example or train with this label`);
    }
    return index;
  });
}

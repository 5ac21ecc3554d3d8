/** Precision, recall and F1 of one label (one-vs-rest), and how many examples have it. */
export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The scores `evaluate` and `runTraining` report, written to metrics.json. */
export interface ClassificationMetrics {
  examples: number;
  /** Share of examples whose predicted label set equals the true one (for single-label: share correct). */
  accuracy: number;
  /**
   * Unweighted mean of the per-label F1 scores over the labels that occur in the truth or the predictions (as
   * scikit-learn's `f1_score(average="macro")` does); a label never predicted and never true does not count.
   */
  macroF1: number;
  /** Mean loss (cross-entropy, or binary cross-entropy per label for multi-label). NaN when not computed. */
  loss: number;
  perLabel: Record<string, LabelMetrics>;
}

/** Inputs of {@link computeClassificationMetrics}. */
export interface ComputeClassificationMetricsParams {
  labels: readonly string[];
  /** For each example, the indexes of its true labels. */
  truth: ReadonlyArray<readonly number[]>;
  /** For each example, the indexes of its predicted labels. */
  predicted: ReadonlyArray<readonly number[]>;
  loss?: number;
}

/**
 * Accuracy, macro-F1 and per-label precision/recall/F1/support from true and predicted label sets. A score
 * whose denominator is zero (a label never predicted, say) is 0, as scikit-learn's `zero_division=0`.
 */
export function computeClassificationMetrics(params: ComputeClassificationMetricsParams): ClassificationMetrics {
  const { labels, truth, predicted } = params;
  if (truth.length !== predicted.length) {
    throw new Error(`truth has ${truth.length} examples but predicted has ${predicted.length}`);
  }
  const truePositives = new Array<number>(labels.length).fill(0);
  const predictedCount = new Array<number>(labels.length).fill(0);
  const support = new Array<number>(labels.length).fill(0);
  let exact = 0;
  truth.forEach((trueLabels, index) => {
    const predictedLabels = predicted[index]!;
    for (const label of trueLabels) support[label]!++;
    for (const label of predictedLabels) {
      predictedCount[label]!++;
      if (trueLabels.includes(label)) truePositives[label]!++;
    }
    if (trueLabels.length === predictedLabels.length && trueLabels.every((label) => predictedLabels.includes(label))) exact++;
  });

  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const perLabel: Record<string, LabelMetrics> = {};
  let f1Sum = 0;
  let counted = 0;
  labels.forEach((label, index) => {
    const precision = ratio(truePositives[index]!, predictedCount[index]!);
    const recall = ratio(truePositives[index]!, support[index]!);
    const f1 = ratio(2 * precision * recall, precision + recall);
    perLabel[label] = { precision, recall, f1, support: support[index]! };
    if (support[index]! > 0 || predictedCount[index]! > 0) {
      f1Sum += f1;
      counted++;
    }
  });
  return {
    examples: truth.length,
    accuracy: ratio(exact, truth.length),
    macroF1: ratio(f1Sum, counted),
    loss: params.loss ?? Number.NaN,
    perLabel,
  };
}

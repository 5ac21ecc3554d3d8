// Scores computed here, from the served model's answers, rather than taken from training's metrics.json:
// they measure the whole path a user's request takes (client, HTTP, server, tokenizer, ONNX model).

/** Precision, recall and F1 of one label, and how many examples carry it. */
export interface LabelScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Single-label classification scores. */
export interface ClassificationScores {
  examples: number;
  accuracy: number;
  /** Unweighted mean of the labels' F1: a rare label counts as much as a common one. */
  macroF1: number;
  perLabel: Record<string, LabelScores>;
}

/** Accuracy, macro-F1 and per-label precision, recall and F1 of `predicted` against `expected`. */
export function scoreLabels(expected: readonly string[], predicted: readonly string[]): ClassificationScores {
  if (expected.length !== predicted.length || expected.length === 0) {
    throw new Error(`scoreLabels: ${expected.length} expected labels and ${predicted.length} predictions; need the same number, at least one`);
  }
  const labels = [...new Set(expected)].sort();
  const perLabel: Record<string, LabelScores> = {};
  for (const label of labels) {
    let truePositives = 0;
    let predictedCount = 0;
    let support = 0;
    expected.forEach((wanted, i) => {
      const got = predicted[i];
      if (got === label) predictedCount++;
      if (wanted === label) support++;
      if (got === label && wanted === label) truePositives++;
    });
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision, recall, f1, support };
  }
  const correct = expected.filter((wanted, i) => predicted[i] === wanted).length;
  const macroF1 = labels.reduce((sum, label) => sum + (perLabel[label] as LabelScores).f1, 0) / labels.length;
  return { examples: expected.length, accuracy: correct / expected.length, macroF1, perLabel };
}

/** Latency percentiles of a set of requests, in milliseconds. */
export interface LatencySummary {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `milliseconds`. */
export function summarizeLatency(milliseconds: readonly number[]): LatencySummary {
  const sorted = [...milliseconds].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { requests: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

import type { ProblemType } from './read-classifier-config.js';

/** One label of a prediction and its score (a probability). */
export interface LabelScore {
  label: string;
  score: number;
}

/** What to keep of the scored labels. */
export interface ScoreLabelsOptions {
  /** At most this many labels (undefined: all). */
  topK: number | undefined;
  /** Multi-label only: drop labels scoring below it (undefined: keep all). */
  threshold: number | undefined;
}

/**
 * Turns one text's logits into label scores, best first: softmax for single-label models, a sigmoid per label
 * for multi-label ones. For multi-label models the threshold applies first and `topK` then keeps at most that
 * many of the labels that passed it. Ties keep the class order.
 */
export function scoreLabels(logits: ArrayLike<number>, labels: readonly string[], problemType: ProblemType, options: ScoreLabelsOptions): LabelScore[] {
  const scores = problemType === 'multi_label_classification' ? Array.from(logits, sigmoid) : softmax(logits);
  let ranked = scores.map((score, index) => ({ label: labels[index] ?? `LABEL_${index}`, score }));
  if (problemType === 'multi_label_classification' && options.threshold !== undefined) {
    const threshold = options.threshold;
    ranked = ranked.filter(({ score }) => score >= threshold);
  }
  // Array.prototype.sort is stable, which keeps ties in class order.
  ranked.sort((a, b) => b.score - a.score);
  return options.topK === undefined ? ranked : ranked.slice(0, options.topK);
}

/** Softmax shifted by the largest logit: exp() of large logits would overflow to Infinity and give NaN. */
function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from(logits, (logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

/** The logistic function in the form that does not overflow for large negative logits. */
function sigmoid(logit: number): number {
  if (logit >= 0) return 1 / (1 + Math.exp(-logit));
  const e = Math.exp(logit);
  return e / (1 + e);
}

import type { Vocabulary } from './vocabulary.js';

/**
 * Whether a text has exactly one of the labels (softmax over the logits) or any number of them (a sigmoid per
 * label). The names are transformers' `problem_type` values, which config.json carries.
 */
export type ProblemType = 'single_label_classification' | 'multi_label_classification';

/** The shape of a {@link TextClassifier}: what its checkpoint and config.json record. */
export interface TextClassifierConfig {
  problemType: ProblemType;
  /** Label names by class index. */
  labels: string[];
  /** Embedding width. */
  dim: number;
  /** 1: words only; 2: also hashed word bigrams, as fastText's `-wordNgrams 2`. */
  ngrams: 1 | 2;
  /** Hash buckets for bigrams (0 when `ngrams` is 1). */
  buckets: number;
  /** Texts are truncated to their first `maxLength` words, in training and in serving alike. */
  maxLength: number;
  /** Multi-label: the score from which a label is predicted. */
  threshold: number;
}

/** The trained numbers, float32 as the ONNX model stores them. */
export interface TextClassifierWeights {
  /** `[vocabulary.size + buckets, dim]`, row-major: word rows, then bigram bucket rows. */
  embedding: Float32Array;
  /** `[labels.length, dim]`, row-major. */
  weight: Float32Array;
  /** `[labels.length]`. */
  bias: Float32Array;
}

/**
 * Bigram hashing, shared with the ONNX graph (which computes it with int64 Mul, Add and Mod): the pair of word
 * ids (a, b) goes to bucket (a * HASH_MULTIPLIER + b) mod buckets. Exact in float64 for ids below 2^31.
 */
export const HASH_MULTIPLIER = 1_000_003;

/**
 * A fastText-style text classifier: a text is the mean of the embeddings of its words (and, with `ngrams: 2`,
 * of its hashed word bigrams), and a linear layer maps that mean to one logit per label.
 *
 * Made by `trainTextClassifier`, restored by `loadCheckpoint`, written for serving by `exportModelDirectory`.
 * Probabilities computed here equal those of the exported model.onnx under ONNX Runtime to within 1e-5.
 */
export class TextClassifier {
  readonly config: Readonly<TextClassifierConfig>;
  readonly vocabulary: Vocabulary;
  readonly weights: TextClassifierWeights;

  constructor(config: TextClassifierConfig, vocabulary: Vocabulary, weights: TextClassifierWeights) {
    const rows = vocabulary.size + config.buckets;
    const numLabels = config.labels.length;
    if (weights.embedding.length !== rows * config.dim || weights.weight.length !== numLabels * config.dim || weights.bias.length !== numLabels) {
      throw new Error(`weights do not match the config: expected embedding ${rows}x${config.dim}, weight ${numLabels}x${config.dim}, bias ${numLabels}`);
    }
    this.config = Object.freeze({ ...config, labels: [...config.labels] });
    this.vocabulary = vocabulary;
    this.weights = weights;
  }

  get labels(): readonly string[] {
    return this.config.labels;
  }

  get problemType(): ProblemType {
    return this.config.problemType;
  }

  /** The token ids serve feeds the model for this text (before padding). */
  encode(text: string): Int32Array {
    return this.vocabulary.encode(text, this.config.maxLength);
  }

  /** The embedding rows a text's ids average over: the ids, then one hashed bucket per bigram. */
  features(ids: Int32Array): Int32Array {
    const { ngrams, buckets } = this.config;
    if (ngrams === 1 || ids.length < 2) return ids;
    const offset = this.vocabulary.size;
    const features = new Int32Array(ids.length * 2 - 1);
    features.set(ids);
    for (let i = 0; i + 1 < ids.length; i++) {
      features[ids.length + i] = offset + ((ids[i]! * HASH_MULTIPLIER + ids[i + 1]!) % buckets);
    }
    return features;
  }

  /** A text's features as a bag: each distinct embedding row once, with how often it occurs. */
  bag(ids: Int32Array): FeatureBag {
    return toFeatureBag(this.features(ids));
  }

  /** The logits for a bag of features into `logits` (length: labels); `hidden` (length: dim) gets the mean. */
  forward(bag: FeatureBag, hidden: Float64Array, logits: Float64Array): void {
    const { dim } = this.config;
    const { embedding, weight, bias } = this.weights;
    const { rows, counts } = bag;
    hidden.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]! * dim;
      const count = counts[i]!;
      for (let d = 0; d < dim; d++) hidden[d]! += count * embedding[row + d]!;
    }
    // An empty text averages nothing: its logits are the bias, as in the ONNX graph (count clamped to 1).
    const scale = 1 / Math.max(1, bag.total);
    for (let d = 0; d < dim; d++) hidden[d]! *= scale;
    for (let label = 0; label < logits.length; label++) {
      let sum = bias[label]!;
      const row = label * dim;
      for (let d = 0; d < dim; d++) sum += weight[row + d]! * hidden[d]!;
      logits[label] = sum;
    }
  }

  /**
   * Class probabilities for a text, in label order: softmax scores summing to 1 for single-label models, an
   * independent sigmoid score per label for multi-label ones.
   */
  predictProbabilities(text: string): Float64Array {
    const logits = new Float64Array(this.config.labels.length);
    this.forward(this.bag(this.encode(text)), new Float64Array(this.config.dim), logits);
    return toProbabilities(logits, this.config.problemType);
  }

  /**
   * The predicted labels: the most likely one for single-label models; for multi-label ones, every label
   * scoring at least `threshold` (default: the config's, set at training).
   */
  predict(text: string, options: { threshold?: number } = {}): string[] {
    return decide(this.predictProbabilities(text), this.config, options.threshold).map((index) => this.config.labels[index]!);
  }
}

/**
 * A text's features with repeats folded: training and evaluation visit each distinct embedding row once per
 * text (emails repeat many of their words), and in increasing order, which is kinder to the cache.
 */
export interface FeatureBag {
  /** Distinct embedding rows, ascending. */
  rows: Int32Array;
  /** How many times each occurs. */
  counts: Float64Array;
  /** The number of features, repeats included: the mean's divisor. */
  total: number;
}

export function toFeatureBag(features: Int32Array): FeatureBag {
  const sorted = features.slice().sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const rows = new Int32Array(distinct);
  const counts = new Float64Array(distinct);
  let slot = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) rows[++slot] = sorted[i]!;
    counts[slot]!++;
  }
  return { rows, counts, total: features.length };
}

/** Softmax (single-label) or sigmoid (multi-label), in place, numerically stable. */
export function toProbabilities(logits: Float64Array, problemType: ProblemType): Float64Array {
  if (problemType === 'multi_label_classification') {
    for (let i = 0; i < logits.length; i++) logits[i] = sigmoid(logits[i]!);
    return logits;
  }
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    logits[i] = Math.exp(logits[i]! - max);
    sum += logits[i]!;
  }
  for (let i = 0; i < logits.length; i++) logits[i]! /= sum;
  return logits;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Indexes of the predicted labels given probabilities. */
export function decide(probabilities: Float64Array, config: Pick<TextClassifierConfig, 'problemType' | 'threshold'>, threshold = config.threshold): number[] {
  if (config.problemType === 'multi_label_classification') {
    const chosen: number[] = [];
    probabilities.forEach((p, index) => {
      if (p >= threshold) chosen.push(index);
    });
    return chosen;
  }
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[best]!) best = i;
  return [best];
}

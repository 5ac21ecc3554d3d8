import type { ProblemType } from './text-classifier.js';
import { TrainerError } from './trainer-error.js';

/** Knobs of training shared by `trainTextClassifier` and `runTraining`; every one has a default. */
export interface TrainingHyperparameters {
  /** single_label_classification (default): one label per text; multi_label_classification: any number. */
  problemType?: ProblemType;
  /** Label names in class order. Default: the distinct labels of the training examples, sorted. */
  labels?: string[];
  /** Passes over the training examples at most. Default 10. */
  epochs?: number;
  /**
   * Stop after this many epochs in which the dev macro-F1 did not rise by more than `minDelta` above its best.
   * Default 3. The dev loss does not reset the count: once the dev set is all right, a loss that keeps
   * shrinking (a model only growing more confident) does not keep training going. The model kept is the epoch
   * with the best dev macro-F1, ties going to the lower dev loss.
   */
  patience?: number;
  /** The least rise of the dev macro-F1 that counts as progress for `patience`. Default 0: any rise. */
  minDelta?: number;
  /** Adam's step size. Default 0.01. */
  learningRate?: number;
  /** Examples per gradient step. Default 32. */
  batchSize?: number;
  /** Seed of initialisation, shuffling and any dev split: the same seed and data give the same model. Default 42. */
  seed?: number;
  /** Multi-label: a label is predicted when its score is at least this. Default 0.5. */
  threshold?: number;
  /** Embedding width. Default 64. */
  dim?: number;
  /** 2 (default): words and hashed word bigrams; 1: words only. */
  ngrams?: 1 | 2;
  /**
   * Hash buckets for bigrams: embedding rows shared by all word pairs. Default: sized from the training data,
   * the power of two at or above twice the number of distinct word pairs, from 1,024 to 262,144 (2^18), so a small
   * data set gives a small model (see `sizeBigramBuckets`).
   */
  buckets?: number;
  /** Texts are cut to their first `maxLength` words (in serving too: it becomes `model_max_length`). Default 512. */
  maxLength?: number;
  /** Words seen fewer times in training map to `[UNK]`. Default 2. */
  minCount?: number;
  /** At most this many vocabulary entries, the most frequent words. Default 200,000. */
  maxVocabularySize?: number;
  /** When no dev examples are given, this share (or count) of the training examples is held out. Default 0.1. */
  devSize?: number;
}

export type ResolvedHyperparameters = Required<Omit<TrainingHyperparameters, 'labels' | 'buckets'>> & {
  labels: string[] | undefined;
  /** 0 for words only; undefined: size the table from the training data. */
  buckets: number | undefined;
};

const PROBLEM_TYPES: readonly ProblemType[] = ['single_label_classification', 'multi_label_classification'];

/** Defaults applied and every value checked, with a message naming the option, the value and the fix. */
export function resolveHyperparameters(options: TrainingHyperparameters): ResolvedHyperparameters {
  const problemType = options.problemType ?? 'single_label_classification';
  if (!PROBLEM_TYPES.includes(problemType)) {
    fail('problemType', problemType, `one of ${PROBLEM_TYPES.join(', ')}`);
  }
  const ngrams = options.ngrams ?? 2;
  if (ngrams !== 1 && ngrams !== 2) fail('ngrams', ngrams, '1 (words) or 2 (words and bigrams)');
  return {
    problemType,
    labels: options.labels,
    epochs: integer('epochs', options.epochs, 10, 1),
    patience: integer('patience', options.patience, 3, 1),
    minDelta: number('minDelta', options.minDelta, 0, (value) => value >= 0 && value < 1, 'a number from 0 to below 1, e.g. 0.005'),
    learningRate: number('learningRate', options.learningRate, 0.01, (value) => value > 0 && value < 10, 'a number in (0, 10), e.g. 0.01'),
    batchSize: integer('batchSize', options.batchSize, 32, 1),
    seed: integer('seed', options.seed, 42, 0),
    threshold: number('threshold', options.threshold, 0.5, (value) => value > 0 && value < 1, 'a number in (0, 1), e.g. 0.5'),
    dim: integer('dim', options.dim, 64, 1, 4096),
    ngrams,
    buckets: ngrams === 1 ? 0 : options.buckets === undefined ? undefined : integer('buckets', options.buckets, 2 ** 18, 1, 2 ** 26),
    maxLength: integer('maxLength', options.maxLength, 512, 1),
    minCount: integer('minCount', options.minCount, 2, 1),
    maxVocabularySize: integer('maxVocabularySize', options.maxVocabularySize, 200_000, 3, 2 ** 26),
    devSize: number('devSize', options.devSize, 0.1, (value) => value > 0 && (value < 1 || Number.isInteger(value)), 'a fraction in (0, 1) or a whole number of examples, e.g. 0.1'),
  };
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, value, `a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, e.g. ${fallback}`);
  }
  return value;
}

function number(name: string, value: number | undefined, fallback: number, ok: (value: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) fail(name, value, expected);
  return value;
}

function fail(name: string, value: unknown, expected: string): never {
  throw new TrainerError('INVALID_OPTION', `${name}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

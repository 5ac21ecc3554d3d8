import { describeValue as describe, isPlainObject } from './describe-value.js';

/** The threshold of a multi-label model whose config.json sets none: the sigmoid's midpoint. */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Whether a classifier's classes exclude each other (softmax over the logits, scores sum to 1) or not (a
 * sigmoid per logit, each score on its own). The names are transformers' `problem_type` values.
 */
export type ProblemType = 'single_label_classification' | 'multi_label_classification';

/** What serve needs from config.json. */
export interface ClassifierConfig {
  /** Label names by class index. */
  labels: string[];
  problemType: ProblemType;
  /** Multi-label only: config.json's `threshold`, else {@link DEFAULT_THRESHOLD}; undefined for single-label models. */
  threshold: number | undefined;
  /** The model's position-embedding table size, when config.json says; caps the default max length. */
  maxPositionEmbeddings: number | undefined;
}

/** Throws the directory's error for this file; see `ModelDirectoryError`. */
export type FailFile = (message: string) => never;

const PROBLEM_TYPES: readonly string[] = ['single_label_classification', 'multi_label_classification'];
const EXAMPLE = '{"id2label": {"0": "ham", "1": "spam"}}';

/**
 * Reads the labels and problem type from a parsed config.json, as transformers writes it (every other field
 * is ignored). `id2label` is what transformers' own pipelines read, so it wins over `label2id`, which is only
 * used when `id2label` is absent; `num_labels` alone gives transformers' default names `LABEL_0`, `LABEL_1`, ...
 */
export function readClassifierConfig(config: Record<string, unknown>, fail: FailFile): ClassifierConfig {
  const numLabels = config['num_labels'];
  if (numLabels !== undefined && !isPositiveInteger(numLabels)) {
    fail(`num_labels must be a positive integer, got ${describe(numLabels)}; remove it or set it to the number of labels`);
  }

  let labels: string[];
  if (config['id2label'] !== undefined) {
    labels = readId2label(config['id2label'], fail);
  } else if (config['label2id'] !== undefined) {
    labels = readLabel2id(config['label2id'], fail);
  } else if (numLabels !== undefined) {
    labels = Array.from({ length: numLabels }, (_, index) => `LABEL_${index}`);
  } else {
    fail(`id2label is missing; add ${EXAMPLE}`);
  }
  if (numLabels !== undefined && numLabels !== labels.length) {
    fail(`num_labels is ${numLabels} but id2label has ${labels.length} labels; make them agree (num_labels may be left out)`);
  }

  const seen = new Map<string, number>();
  labels.forEach((label, index) => {
    const previous = seen.get(label);
    if (previous !== undefined) {
      fail(`id2label gives the label ${JSON.stringify(label)} to classes ${previous} and ${index}; label names must be unique, or predictions cannot be told apart`);
    }
    seen.set(label, index);
  });

  const problemType = config['problem_type'];
  if (problemType !== undefined && problemType !== null && (typeof problemType !== 'string' || !PROBLEM_TYPES.includes(problemType))) {
    const why = problemType === 'regression' ? 'regression models are not supported' : 'it is not a classification problem type';
    fail(`problem_type ${describe(problemType)}: ${why}; use "single_label_classification" (softmax) or "multi_label_classification" (sigmoid)`);
  }
  const maxPositionEmbeddings = config['max_position_embeddings'];
  // Like transformers' TextClassificationPipeline: one label cannot be a softmax (it would always score 1), so
  // a single logit is a sigmoid whatever problem_type says.
  const multiLabel = problemType === 'multi_label_classification' || labels.length === 1;
  // Not a transformers field: the decision threshold a multi-label model was trained and scored with, as
  // @vertexkit/trainer writes it. Served labels must be the ones its metrics.json counted.
  const threshold = config['threshold'];
  if (threshold !== undefined && threshold !== null && (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))) {
    fail(`threshold must be a number from 0 to 1 (the score a label needs in a multi-label model), got ${describe(threshold)}; fix it or remove it (default ${DEFAULT_THRESHOLD})`);
  }
  return {
    labels,
    problemType: multiLabel ? 'multi_label_classification' : 'single_label_classification',
    threshold: multiLabel ? (threshold ?? DEFAULT_THRESHOLD) : undefined,
    maxPositionEmbeddings: isPositiveInteger(maxPositionEmbeddings) ? maxPositionEmbeddings : undefined,
  };
}

function readId2label(value: unknown, fail: FailFile): string[] {
  if (!isPlainObject(value)) {
    fail(`id2label must be an object from class index to label name, got ${describe(value)}; write it as ${EXAMPLE}`);
  }
  const byIndex = new Map<number, string>();
  for (const [key, label] of Object.entries(value)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key)) {
      fail(`id2label key ${JSON.stringify(key)} is not a class index; keys are the class indices as strings, as in ${EXAMPLE}`);
    }
    if (typeof label !== 'string' || label === '') {
      fail(`id2label[${JSON.stringify(key)}] must be a label name (a non-empty string), got ${describe(label)}`);
    }
    byIndex.set(Number(key), label);
  }
  return denseLabels(byIndex, 'id2label', fail);
}

function readLabel2id(value: unknown, fail: FailFile): string[] {
  if (!isPlainObject(value)) {
    fail(`label2id must be an object from label name to class index, got ${describe(value)}; better, add ${EXAMPLE}`);
  }
  const byIndex = new Map<number, string>();
  for (const [label, index] of Object.entries(value)) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      fail(`label2id[${JSON.stringify(label)}] must be a class index (an integer from 0), got ${describe(index)}`);
    }
    if (byIndex.has(index)) {
      fail(`label2id gives class ${index} two labels, ${JSON.stringify(byIndex.get(index))} and ${JSON.stringify(label)}; add ${EXAMPLE} to say which`);
    }
    byIndex.set(index, label);
  }
  return denseLabels(byIndex, 'label2id', fail);
}

/** Class indices must be 0..N-1: the logits have no gaps, so a gap means a mislabelled model. */
function denseLabels(byIndex: Map<number, string>, field: string, fail: FailFile): string[] {
  if (byIndex.size === 0) fail(`${field} is empty; list the model's labels, as in ${EXAMPLE}`);
  const labels: string[] = [];
  for (let index = 0; index < byIndex.size; index++) {
    const label = byIndex.get(index);
    if (label === undefined) {
      const have = [...byIndex.keys()].sort((a, b) => a - b).join(', ');
      fail(`${field} has no label for class ${index} (it has classes ${have}); class indices must run from 0 to ${byIndex.size - 1} without gaps`);
    }
    labels.push(label);
  }
  return labels;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

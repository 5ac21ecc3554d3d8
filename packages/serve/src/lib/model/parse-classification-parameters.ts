import { InvalidInputError } from '../handler.js';
import { describeValue, isPlainObject } from './describe-value.js';
import { DEFAULT_THRESHOLD, type ProblemType } from './read-classifier-config.js';

/** The `parameters` of a text-classification request, checked and with defaults filled in. */
export interface TextClassificationParams {
  /** Return at most this many labels (`top_k`); undefined returns all. */
  topK: number | undefined;
  /** Multi-label models only (`threshold`; default the model's own, from config.json, else 0.5): labels scoring below it are left out. */
  threshold: number | undefined;
}

/**
 * Reads a request's `parameters`: `top_k` (a positive integer; more than the model's labels means all) and, for
 * multi-label models, `threshold` (a number from 0 to 1). Absent or null parameters, and null values, mean the
 * defaults: all labels, and `modelThreshold` (the model directory's own threshold; default 0.5). Unknown keys are rejected, so a typo (`topk`) fails instead of silently returning every label.
 *
 * @throws {@link InvalidInputError} at `parameters` or `parameters.<key>`
 */
export function parseClassificationParameters(
  parameters: unknown,
  problemType: ProblemType,
  modelThreshold: number = DEFAULT_THRESHOLD,
): TextClassificationParams {
  const multiLabel = problemType === 'multi_label_classification';
  const params: TextClassificationParams = { topK: undefined, threshold: multiLabel ? modelThreshold : undefined };
  if (parameters === undefined || parameters === null) return params;
  if (!isPlainObject(parameters)) {
    throw new InvalidInputError('parameters', `expected an object such as {"top_k": 1}, got ${describeValue(parameters)}`);
  }
  const known = multiLabel ? ['top_k', 'threshold'] : ['top_k'];
  for (const [key, value] of Object.entries(parameters)) {
    const path = `parameters.${key}`;
    if (key === 'threshold' && !multiLabel) {
      throw new InvalidInputError(path, 'only applies to multi-label models; this model is single-label (its scores sum to 1): use top_k');
    }
    if (!known.includes(key)) {
      throw new InvalidInputError(path, `unknown parameter; known parameters: ${known.join(', ')}`);
    }
    if (value === null) continue;
    if (key === 'top_k') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw new InvalidInputError(path, `expected a positive integer, got ${describeValue(value)}`);
      }
      params.topK = value;
    } else {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new InvalidInputError(path, `expected a number from 0 to 1, got ${describeValue(value)}`);
      }
      params.threshold = value;
    }
  }
  return params;
}

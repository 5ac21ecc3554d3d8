import { foldedRow, foldsByDefault } from './fold-layer.js';
import { QuantizedTextClassifier, type Int8RowTable } from './quantized-text-classifier.js';
import type { TextClassifier } from './text-classifier.js';
import { TrainerError } from './trainer-error.js';

/** What `quantize` can ask for, in {@link quantizeTextClassifier}, `exportModelDirectory` and `runTraining`. */
export interface QuantizeOptions {
  /**
   * Fold the linear layer into the table, so that each row holds its contribution to the logits (one value
   * per label) instead of a `dim`-wide embedding. Exact before rounding. Default: when it makes the table
   * narrower (fewer labels than `dim`), as for every model with the default `dim` 64 and under 64 labels.
   */
  fold?: boolean;
}

/** Parameters of {@link quantizeTextClassifier}. */
export interface QuantizeTextClassifierParams extends QuantizeOptions {
  /** A float model (from `trainTextClassifier` or `loadCheckpoint`). */
  model: TextClassifier;
}

/**
 * A smaller copy of a model for serving: its table as 8-bit integers with a float32 scale per row (a value is
 * off by at most half its row's scale, its row's largest absolute value / 254), and, by default, the linear
 * layer folded into that table first, so that a row holds one number per label instead of `dim`. The rows
 * keep their ids and the bigram hashing is unchanged: every text gets the same rows as in the float model.
 *
 * On SpamAssassin (20,621 words + 262,144 bigram rows, dim 64, 2 labels) model.onnx goes from 72.4 MB (float,
 * layer kept; 2.3 MB folded, as exportModelDirectory writes a float model by default) to 1.7 MB (6 bytes a row
 * instead of 256, or 8 folded) with the same held-out macro-F1 (bench:trainer).
 *
 * The result is a {@link QuantizedTextClassifier}: `predict`, `predictProbabilities` and `evaluate` on it
 * score the quantized model itself, and `exportModelDirectory` writes it as int8 in model.onnx, which
 * `@vertexkit/serve` serves like any other (the same inputs and `logits` output).
 *
 * @example
 * ```ts
 * const small = quantizeTextClassifier({ model: best });
 * console.log(evaluate(small, test).macroF1, evaluate(best, test).macroF1);
 * await exportModelDirectory(small, './model');
 * ```
 */
export function quantizeTextClassifier(params: QuantizeTextClassifierParams): QuantizedTextClassifier {
  const { model } = params;
  const fold: unknown = params.fold;
  if (fold !== undefined && typeof fold !== 'boolean') {
    throw new TrainerError('INVALID_OPTION', `fold: expected true (fold the linear layer into the table), false (keep it) or undefined (fold when the table gets narrower), got ${shown(fold)}`);
  }
  if (model instanceof QuantizedTextClassifier) {
    if (fold === undefined || fold === model.quantization.folded) return model;
    throw new TrainerError('INVALID_OPTION', `fold: ${String(fold)}, but the model is already quantized with the linear layer ${model.quantization.folded ? 'folded' : 'kept'}; quantize the float model (from trainTextClassifier or loadCheckpoint) instead`);
  }
  const { config, vocabulary } = model;
  const { dim, labels } = config;
  const numLabels = labels.length;
  const rows = vocabulary.size + config.buckets;
  const folded = fold ?? foldsByDefault(config);
  const { embedding, weight, bias } = model.weights;

  if (!folded) {
    return new QuantizedTextClassifier({
      config: { ...config },
      vocabulary,
      table: quantizeRows({ rows, width: dim, row: (r, out) => {
        for (let d = 0; d < dim; d++) out[d] = embedding[r * dim + d]!;
      } }),
      weight: weight.slice(),
      bias: bias.slice(),
      quantization: { method: 'int8-per-row', folded: false, floatDim: dim },
    });
  }
  // Row r of the folded table: weight x embedding row r, in float64 before it is rounded to 8 bits.
  const identity = new Float32Array(numLabels * numLabels);
  for (let label = 0; label < numLabels; label++) identity[label * numLabels + label] = 1;
  return new QuantizedTextClassifier({
    config: { ...config, dim: numLabels },
    vocabulary,
    table: quantizeRows({ rows, width: numLabels, row: (r, out) => foldedRow(model, r, out) }),
    weight: identity,
    bias: bias.slice(),
    quantization: { method: 'int8-per-row', folded: true, floatDim: dim },
  });
}

/**
 * The `quantize` option of `exportModelDirectory` and `runTraining`, checked: the options to quantize with, or
 * undefined for a float model.
 */
export function resolveQuantize(value: unknown): QuantizeOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const unknown = Object.keys(value).filter((key) => key !== 'fold');
    if (unknown.length === 0) {
      const { fold } = value as { fold?: unknown };
      if (fold === undefined || typeof fold === 'boolean') return fold === undefined ? {} : { fold };
      throw new TrainerError('INVALID_OPTION', `quantize.fold: expected true, false or undefined (fold when the table gets narrower), got ${shown(fold)}`);
    }
    throw new TrainerError('INVALID_OPTION', `quantize: unknown option ${JSON.stringify(unknown[0])}; the one option is fold (true or false), e.g. quantize: { fold: false }, or quantize: true`);
  }
  throw new TrainerError('INVALID_OPTION', `quantize: expected true (an 8-bit model), false (float32) or { fold?: boolean }, got ${shown(value)}`);
}

/** A wrong option value as the error message shows it: strings quoted, objects as JSON. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }
  return String(value);
}

/** Symmetric int8 per row: scale = the row's largest |value| / 127, each value rounded to the nearest step. */
function quantizeRows(params: { rows: number; width: number; row: (index: number, out: Float64Array) => void }): Int8RowTable {
  const { rows, width } = params;
  const values = new Int8Array(rows * width);
  const scales = new Float32Array(rows);
  const row = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    params.row(r, row);
    let max = 0;
    for (let d = 0; d < width; d++) max = Math.max(max, Math.abs(row[d]!));
    // float32, as stored; a row of zeros keeps scale 1 (any scale gives zeros).
    const scale = Math.fround(max / 127) || 1;
    scales[r] = scale;
    const start = r * width;
    for (let d = 0; d < width; d++) values[start + d] = Math.max(-127, Math.min(127, Math.round(row[d]! / scale)));
  }
  return { values, scales };
}

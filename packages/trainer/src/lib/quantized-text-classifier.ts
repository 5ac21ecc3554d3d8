import { TextClassifier, type TextClassifierConfig } from './text-classifier.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * An embedding table stored as 8-bit integers with one float32 scale per row: row `r` stands for
 * `values[r * width + d] * scales[r]`. Symmetric (no zero point), values from -127 to 127.
 */
export interface Int8RowTable {
  /** `[rows, width]`, row-major. */
  values: Int8Array;
  /** `[rows]`: each row's largest absolute value over 127 (1 for a row of zeros). */
  scales: Float32Array;
}

/** How a {@link QuantizedTextClassifier} was made from a float one; config.json records it too. */
export interface QuantizationInfo {
  /** The one scheme: symmetric 8-bit integers with a float32 scale per table row. */
  method: 'int8-per-row';
  /**
   * The linear layer is folded into the table: each row holds that row's contribution to the logits
   * (`weight x embedding row`, one value per label) rather than the embedding, so the table is `labels` wide
   * instead of `dim`, and the layer's weight is the identity. Exact before rounding: the mean of the rows
   * and the layer are both linear.
   */
  folded: boolean;
  /** The embedding width of the float model. */
  floatDim: number;
}

/** Parameters of the {@link QuantizedTextClassifier} constructor. */
export interface QuantizedTextClassifierParams {
  /** The model's shape; `dim` is the table's width (the number of labels when `quantization.folded`). */
  config: TextClassifierConfig;
  vocabulary: Vocabulary;
  table: Int8RowTable;
  /** `[labels, dim]`: the identity when folded. */
  weight: Float32Array;
  /** `[labels]`. */
  bias: Float32Array;
  quantization: QuantizationInfo;
}

/**
 * A {@link TextClassifier} whose table is 8-bit, as `quantizeTextClassifier` makes it and
 * `exportModelDirectory` writes it (int8 rows and their scales in model.onnx). Its own `predict`,
 * `predictProbabilities` and `evaluate` compute with the dequantized table (`value x scale`, rounded to float32
 * as ONNX Runtime rounds it), so they score exactly the model that is exported: its probabilities equal those
 * of the exported model.onnx under ONNX Runtime to within 1e-5.
 */
export class QuantizedTextClassifier extends TextClassifier {
  /** The int8 rows and their scales, as model.onnx stores them (`weights.embedding` is their float32 product). */
  readonly table: Int8RowTable;
  /** How it was made from the float model. */
  readonly quantization: Readonly<QuantizationInfo>;

  constructor(params: QuantizedTextClassifierParams) {
    const { config, vocabulary, table, weight, bias, quantization } = params;
    const rows = vocabulary.size + config.buckets;
    if (table.values.length !== rows * config.dim || table.scales.length !== rows) {
      throw new Error(`table does not match the config: expected ${rows}x${config.dim} values and ${rows} scales, got ${table.values.length} and ${table.scales.length}`);
    }
    super(config, vocabulary, { embedding: dequantize(table, config.dim), weight, bias });
    this.table = table;
    this.quantization = Object.freeze({ ...quantization });
  }
}

/** The float32 table an int8 one stands for, each value rounded as ONNX Runtime's float32 `Mul` rounds it. */
function dequantize(table: Int8RowTable, width: number): Float32Array {
  const { values, scales } = table;
  const out = new Float32Array(values.length);
  for (let row = 0; row < scales.length; row++) {
    const scale = scales[row]!;
    const start = row * width;
    // Float32Array stores Math.fround of the product: the same single rounding as a float32 multiply.
    for (let i = start; i < start + width; i++) out[i] = values[i]! * scale;
  }
  return out;
}

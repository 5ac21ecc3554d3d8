import onnxProto from 'onnx-proto';
import { foldedRow, foldsByDefault } from './fold-layer.js';
import { QuantizedTextClassifier } from './quantized-text-classifier.js';
import { HASH_MULTIPLIER, type TextClassifier } from './text-classifier.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT8 = onnx.TensorProto.DataType.INT8;
const INT = onnx.AttributeProto.AttributeType.INT;
const BOOL = onnx.TensorProto.DataType.BOOL;

/** The `producer_name` of the exported graphs. */
export const PRODUCER_NAME = '@vertexkit/trainer';

/** Options of {@link buildOnnxModel}. */
export interface BuildOnnxModelOptions {
  /**
   * A float model only: fold the linear layer into the table (row r becomes `weight x embedding row r`, one value
   * per label, computed in float64), so that a text's rows are `labels` wide instead of `dim`. Exact before
   * rounding; model.onnx and the rows each run reads shrink by `dim / labels` (SpamAssassin: 72.4 MB -> 2.3 MB).
   * Default: when that makes the table narrower (fewer labels than `dim`). A quantized model keeps its own choice.
   */
  fold?: boolean;
}

/**
 * The classifier as an ONNX graph (IR 8, opset 17) with transformers' interface: int64 `input_ids` and
 * `attention_mask` `[batch, sequence]` in, float `logits` `[batch, labels]` out. It averages the table rows of the
 * unmasked ids and, with bigrams, of the hashed pairs of adjacent unmasked ids (the same hash as
 * `TextClassifier.features`, in int64), then applies the linear layer (or, folded, adds the bias).
 *
 * The graph is built for ONNX Runtime's speed: masked positions are pointed at an all-zero row appended to the
 * table (Where on the ids, not a multiply of `[batch, sequence, dim]` rows by the mask), words and bigrams are
 * gathered in one Gather and summed in one ReduceSum. A {@link QuantizedTextClassifier}'s int8 table and per-row
 * scales are stored as they are and dequantized by two nodes on initializers only, which ONNX Runtime's constant
 * folding turns into a float table when the session is created: the file stays small, each run reads floats.
 */
export function buildOnnxModel(model: TextClassifier, options: BuildOnnxModelOptions = {}): Uint8Array {
  const { labels, ngrams, buckets } = model.config;
  const quantized = model instanceof QuantizedTextClassifier ? model : undefined;
  const rows = model.vocabulary.size + buckets;
  const floatFold = !quantized && (options.fold ?? foldsByDefault(model.config));
  const folded = quantized ? quantized.quantization.folded : floatFold;
  // The table's width: labels when the layer is folded into it.
  const width = floatFold ? labels.length : model.config.dim;
  // Row `rows` is all zeros: masked positions gather it.
  const zeroRow = rows;

  const node = (opType: string, input: string[], output: string, attribute: object[] = []) => ({ opType, input, output: [output], name: output, attribute });
  const int64 = (name: string, values: number[]) => ({
    name,
    dims: [values.length],
    dataType: INT64,
    rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  });
  const scalarInt64 = (name: string, value: number) => ({ ...int64(name, [value]), dims: [] });
  // rawData rather than floatData: packed repeated floats would be encoded one by one, 10x slower for tables of
  // tens of millions of numbers. Float32Array is little-endian on every platform ONNX Runtime ships for.
  const float = (name: string, dims: number[], values: Float32Array) => ({
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
  const intAttribute = (name: string, value: number) => [{ name, type: INT, i: value }];

  const nodes = [
    node('Cast', ['attention_mask'], 'mask_bool', intAttribute('to', BOOL)),
    node('Where', ['mask_bool', 'input_ids', 'zero_row'], 'word_ids'),
    node('Cast', ['attention_mask'], 'mask', intAttribute('to', FLOAT)),
    node('ReduceSum', ['mask', 'axis_1'], 'word_count', intAttribute('keepdims', 1)),
  ];
  let ids = 'word_ids';
  let count = 'word_count';
  if (ngrams === 2) {
    nodes.push(
      node('Slice', ['input_ids', 'start_0', 'end_last', 'axis_1'], 'left_ids'),
      node('Slice', ['input_ids', 'start_1', 'end_max', 'axis_1'], 'right_ids'),
      node('Mul', ['left_ids', 'hash_multiplier'], 'left_scaled'),
      node('Add', ['left_scaled', 'right_ids'], 'pair_hash'),
      node('Mod', ['pair_hash', 'buckets'], 'bucket'),
      node('Add', ['bucket', 'bucket_offset'], 'bigram_ids'),
      node('Slice', ['mask_bool', 'start_0', 'end_last', 'axis_1'], 'left_mask'),
      node('Slice', ['mask_bool', 'start_1', 'end_max', 'axis_1'], 'right_mask'),
      node('And', ['left_mask', 'right_mask'], 'pair_mask'),
      node('Where', ['pair_mask', 'bigram_ids', 'zero_row'], 'masked_bigram_ids'),
      node('Concat', ['word_ids', 'masked_bigram_ids'], 'feature_ids', intAttribute('axis', 1)),
      node('Cast', ['pair_mask'], 'pair_mask_float', intAttribute('to', FLOAT)),
      node('ReduceSum', ['pair_mask_float', 'axis_1'], 'bigram_count', intAttribute('keepdims', 1)),
      node('Add', ['word_count', 'bigram_count'], 'feature_count'),
    );
    ids = 'feature_ids';
    count = 'feature_count';
  }
  if (quantized) {
    // Initializers only: constant-folded into the float table when ONNX Runtime creates the session.
    nodes.push(
      node('Cast', ['table_int8'], 'table_values', intAttribute('to', FLOAT)),
      node('Unsqueeze', ['table_scale', 'axis_1'], 'table_scale_column'),
      node('Mul', ['table_values', 'table_scale_column'], 'table'),
    );
  }
  nodes.push(
    node('Gather', ['table', ids], 'feature_rows'),
    node('ReduceSum', ['feature_rows', 'axis_1'], 'feature_sum', intAttribute('keepdims', 0)),
    // An empty text (every position masked) averages nothing: its logits are the bias, as in TypeScript.
    node('Max', [count, 'one'], 'divisor'),
    node('Div', ['feature_sum', 'divisor'], 'pooled'),
    // Folded: the pooled rows are already the logits less the bias (the layer is the identity).
    folded ? node('Add', ['pooled', 'bias'], 'logits') : node('Gemm', ['pooled', 'weight', 'bias'], 'logits', intAttribute('transB', 1)),
  );

  const sequenceInput = (name: string) => ({
    name,
    type: { tensorType: { elemType: INT64, shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }] } } },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: PRODUCER_NAME,
    docString: `fastText-style text classifier: mean of ${ngrams === 2 ? 'word and hashed bigram' : 'word'} embeddings, then a linear layer${
      folded ? '; the layer folded into the table' : ''
    }${quantized ? '; int8 rows with a float32 scale per row' : ''}`,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [
      { key: 'labels', value: JSON.stringify(labels) },
      { key: 'problem_type', value: model.problemType },
      ...(quantized ? [{ key: 'quantization', value: JSON.stringify(quantized.quantization) }] : []),
      ...(floatFold ? [{ key: 'folded', value: 'true' }] : []),
    ],
    graph: {
      name: 'text_classifier',
      node: nodes,
      input: [sequenceInput('input_ids'), sequenceInput('attention_mask')],
      output: [
        {
          name: 'logits',
          type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: labels.length }] } } },
        },
      ],
      initializer: [
        ...(quantized ? quantizedTable(quantized, rows) : [float('table', [rows + 1, width], floatTable(model, rows, floatFold))]),
        ...(folded ? [] : [float('weight', [labels.length, model.config.dim], model.weights.weight)]),
        float('bias', [labels.length], model.weights.bias),
        float('one', [], new Float32Array([1])),
        int64('axis_1', [1]),
        scalarInt64('zero_row', zeroRow),
        ...(ngrams === 2
          ? [
              int64('start_0', [0]),
              int64('start_1', [1]),
              int64('end_last', [-1]),
              // Slice clamps an end past the dimension to the dimension: "to the end".
              int64('end_max', [Number.MAX_SAFE_INTEGER]),
              scalarInt64('hash_multiplier', HASH_MULTIPLIER),
              scalarInt64('buckets', buckets),
              scalarInt64('bucket_offset', model.vocabulary.size),
            ]
          : []),
      ],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** The float table with its zero row appended; folded, each row is {@link foldedRow}. */
function floatTable(model: TextClassifier, rows: number, fold: boolean): Float32Array {
  const { dim, labels } = model.config;
  if (!fold) {
    const table = new Float32Array((rows + 1) * dim);
    table.set(model.weights.embedding.subarray(0, rows * dim));
    return table;
  }
  const numLabels = labels.length;
  const table = new Float32Array((rows + 1) * numLabels);
  for (let r = 0; r < rows; r++) foldedRow(model, r, table.subarray(r * numLabels, (r + 1) * numLabels));
  return table;
}

/** The int8 table and its per-row scales, each with the zero row (values 0, scale 0) appended. */
function quantizedTable(model: QuantizedTextClassifier, rows: number): object[] {
  const { dim } = model.config;
  const values = new Int8Array((rows + 1) * dim);
  values.set(model.table.values.subarray(0, rows * dim));
  const scales = new Float32Array(rows + 1);
  scales.set(model.table.scales.subarray(0, rows));
  return [
    { name: 'table_int8', dims: [rows + 1, dim], dataType: INT8, rawData: new Uint8Array(values.buffer) },
    { name: 'table_scale', dims: [rows + 1], dataType: FLOAT, rawData: new Uint8Array(scales.buffer) },
  ];
}

import onnxProto from 'onnx-proto';
import { QuantizedTextClassifier } from './quantized-text-classifier.js';
import { HASH_MULTIPLIER, type TextClassifier } from './text-classifier.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT8 = onnx.TensorProto.DataType.INT8;
const INT = onnx.AttributeProto.AttributeType.INT;

/** The `producer_name` of the exported graphs. */
export const PRODUCER_NAME = '@vertexkit/trainer';

/**
 * The classifier as an ONNX graph (IR 8, opset 17) with transformers' interface: int64 `input_ids` and
 * `attention_mask` `[batch, sequence]` in, float `logits` `[batch, labels]` out. It averages the embeddings
 * of the unmasked ids and, with bigrams, of the hashed pairs of adjacent unmasked ids (the same hash as
 * `TextClassifier.features`, in int64), then applies the linear layer.
 *
 * A {@link QuantizedTextClassifier} keeps that interface and those steps: its int8 table and per-row scales are
 * stored as they are, and the graph gathers the rows a batch uses, casts them to float and multiplies each by
 * its scale (the scale times the mask, one multiply per position) before the same sums; a folded one adds the
 * bias instead of applying a layer (its weight is the identity).
 */
export function buildOnnxModel(model: TextClassifier): Uint8Array {
  const { dim, labels, ngrams, buckets } = model.config;
  const { embedding, weight, bias } = model.weights;
  const rows = model.vocabulary.size + buckets;
  const quantized = model instanceof QuantizedTextClassifier ? model : undefined;

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
  const keepdims = (value: 0 | 1) => [{ name: 'keepdims', type: INT, i: value }];
  const toFloat = [{ name: 'to', type: INT, i: FLOAT }];

  /** The rows of `ids` times their `mask` ([batch, positions, dim]), dequantized on the way for an int8 table. */
  const maskedRows = (prefix: string, ids: string, mask: string) =>
    quantized
      ? [
          node('Gather', ['embedding_int8', ids], `${prefix}_int8`),
          node('Cast', [`${prefix}_int8`], `${prefix}_values`, toFloat),
          node('Gather', ['embedding_scale', ids], `${prefix}_scale`),
          node('Mul', [`${prefix}_scale`, mask], `${prefix}_weight`),
          node('Unsqueeze', [`${prefix}_weight`, 'axis_2'], `${prefix}_factor`),
          node('Mul', [`${prefix}_values`, `${prefix}_factor`], `masked_${prefix}s`),
        ]
      : [
          node('Gather', ['embedding', ids], `${prefix}_embeddings`),
          node('Unsqueeze', [mask, 'axis_2'], `${prefix}_mask`),
          node('Mul', [`${prefix}_embeddings`, `${prefix}_mask`], `masked_${prefix}s`),
        ];

  const nodes = [
    node('Cast', ['attention_mask'], 'mask', toFloat),
    ...maskedRows('word', 'input_ids', 'mask'),
    node('ReduceSum', ['masked_words', 'axis_1'], 'word_sum', keepdims(0)),
    node('ReduceSum', ['mask', 'axis_1'], 'word_count', keepdims(1)),
  ];
  let sum = 'word_sum';
  let count = 'word_count';
  if (ngrams === 2) {
    nodes.push(
      node('Slice', ['input_ids', 'start_0', 'end_last', 'axis_1'], 'left_ids'),
      node('Slice', ['input_ids', 'start_1', 'end_max', 'axis_1'], 'right_ids'),
      node('Mul', ['left_ids', 'hash_multiplier'], 'left_scaled'),
      node('Add', ['left_scaled', 'right_ids'], 'pair_hash'),
      node('Mod', ['pair_hash', 'buckets'], 'bucket'),
      node('Add', ['bucket', 'bucket_offset'], 'bigram_ids'),
      node('Slice', ['mask', 'start_0', 'end_last', 'axis_1'], 'left_mask'),
      node('Slice', ['mask', 'start_1', 'end_max', 'axis_1'], 'right_mask'),
      node('Mul', ['left_mask', 'right_mask'], 'pair_mask'),
      ...maskedRows('bigram', 'bigram_ids', 'pair_mask'),
      node('ReduceSum', ['masked_bigrams', 'axis_1'], 'bigram_sum', keepdims(0)),
      node('ReduceSum', ['pair_mask', 'axis_1'], 'bigram_count', keepdims(1)),
      node('Add', ['word_sum', 'bigram_sum'], 'feature_sum'),
      node('Add', ['word_count', 'bigram_count'], 'feature_count'),
    );
    sum = 'feature_sum';
    count = 'feature_count';
  }
  nodes.push(
    // An empty text (every position masked) averages nothing: its logits are the bias, as in TypeScript.
    node('Max', [count, 'one'], 'divisor'),
    node('Div', [sum, 'divisor'], 'pooled'),
    // Folded: the pooled rows are already the logits less the bias (the layer is the identity).
    quantized?.quantization.folded
      ? node('Add', ['pooled', 'bias'], 'logits')
      : node('Gemm', ['pooled', 'weight', 'bias'], 'logits', [{ name: 'transB', type: INT, i: 1 }]),
  );

  const sequenceInput = (name: string) => ({
    name,
    type: { tensorType: { elemType: INT64, shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }] } } },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: PRODUCER_NAME,
    docString: `fastText-style text classifier: mean of ${ngrams === 2 ? 'word and hashed bigram' : 'word'} embeddings, then a linear layer${
      quantized ? `; ${quantized.quantization.folded ? 'the layer folded into the table, ' : ''}int8 rows with a float32 scale per row` : ''
    }`,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [
      { key: 'labels', value: JSON.stringify(labels) },
      { key: 'problem_type', value: model.problemType },
      ...(quantized ? [{ key: 'quantization', value: JSON.stringify(quantized.quantization) }] : []),
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
        ...(quantized
          ? [
              {
                name: 'embedding_int8',
                dims: [rows, dim],
                dataType: INT8,
                rawData: new Uint8Array(quantized.table.values.buffer, quantized.table.values.byteOffset, quantized.table.values.byteLength),
              },
              float('embedding_scale', [rows], quantized.table.scales),
            ]
          : [float('embedding', [rows, dim], embedding)]),
        ...(quantized?.quantization.folded ? [] : [float('weight', [labels.length, dim], weight)]),
        float('bias', [labels.length], bias),
        float('one', [], new Float32Array([1])),
        int64('axis_1', [1]),
        int64('axis_2', [2]),
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

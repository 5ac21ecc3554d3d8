// quantizeTextClassifier: 8-bit rows with a scale each, the linear layer folded in when that narrows the table.
// Each value within half a step of the float one, logits within the bound that follows, the float model
// untouched; exportModelDirectory's `quantize` writes the int8 table into model.onnx, and a model of
// SpamAssassin's shape fits in 5 MB.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportModelDirectory,
  QuantizedTextClassifier,
  quantizeTextClassifier,
  TextClassifier,
  TrainerError,
  trainTextClassifier,
  Vocabulary,
  PAD_TOKEN,
  UNK_TOKEN,
} from '../src/index.js';
import { buildOnnxModel } from '../src/lib/build-onnx-model.js';
import { createRandom } from '../src/lib/random.js';
import { singleLabelCorpus, TRICKY_TEXTS } from './fixtures/synthetic.js';

const { onnx } = onnxProto;
const LABELS = ['ham', 'news', 'spam'];
const corpus = singleLabelCorpus({ perLabel: 40, labels: LABELS });
const TEXTS = [...TRICKY_TEXTS, ...corpus.slice(0, 40).map((example) => example.text)];

let root: string;
let model: TextClassifier;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-quantize-'));
  ({ best: model } = await trainTextClassifier({ train: corpus, epochs: 3, dim: 16, buckets: 101, maxLength: 40, minCount: 1 }));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The float values a quantized table stands for, before rounding: the embedding, or weight x embedding. */
function floatRow(source: TextClassifier, row: number, folded: boolean): number[] {
  const { dim, labels } = source.config;
  const { embedding, weight } = source.weights;
  const values = [...embedding.subarray(row * dim, (row + 1) * dim)];
  if (!folded) return values;
  return labels.map((_, label) => values.reduce((sum, value, d) => sum + weight[label * dim + d]! * value, 0));
}

describe.each([
  { name: 'folded (the default: 3 labels < dim 16)', fold: undefined, folded: true },
  { name: 'the linear layer kept (fold: false)', fold: false, folded: false },
])('quantizeTextClassifier, $name', ({ fold, folded }) => {
  let quantized: QuantizedTextClassifier;
  beforeAll(() => {
    quantized = quantizeTextClassifier({ model, ...(fold === undefined ? {} : { fold }) });
  });

  it('stores the table as int8 rows with one float32 scale per row', () => {
    const rows = model.vocabulary.size + model.config.buckets;
    const width = folded ? LABELS.length : model.config.dim;
    expect(quantized).toBeInstanceOf(QuantizedTextClassifier);
    expect(quantized.quantization).toEqual({ method: 'int8-per-row', folded, floatDim: 16 });
    expect(quantized.config.dim).toBe(width);
    expect(quantized.table.values).toBeInstanceOf(Int8Array);
    expect(quantized.table.values).toHaveLength(rows * width);
    expect(quantized.table.scales).toHaveLength(rows);
    if (folded) expect([...quantized.weights.weight]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    else expect(quantized.weights.weight).toEqual(model.weights.weight);
    expect(quantized.weights.bias).toEqual(model.weights.bias);
  });

  it('keeps every value within half a step (its row\'s largest |value| / 254) of the float one', () => {
    const width = quantized.config.dim;
    const { values, scales } = quantized.table;
    for (let row = 0; row < scales.length; row++) {
      const exact = floatRow(model, row, folded);
      const largest = Math.max(...exact.map(Math.abs));
      const scale = scales[row]!;
      expect(scale).toBeCloseTo(largest === 0 ? 1 : largest / 127, 6);
      exact.forEach((value, d) => {
        const q = values[row * width + d]!;
        expect(Math.abs(q)).toBeLessThanOrEqual(127);
        expect(Math.abs(q * scale - value), `row ${row}[${d}]`).toBeLessThanOrEqual((scale / 2) * (1 + 1e-6));
        // The dequantized table the model computes with is that product, rounded to float32.
        expect(quantized.weights.embedding[row * width + d]).toBe(Math.fround(q * scale));
      });
    }
    // Every row uses the whole range: its largest value is +-127.
    for (let row = 0; row < scales.length; row++) {
      const q = values.subarray(row * width, (row + 1) * width);
      expect(Math.max(...[...q].map(Math.abs))).toBe(127);
    }
  });

  it('gives logits within the rounding of the rows they average (the error bound), and the same labels', () => {
    const hidden = new Float64Array(model.config.dim);
    const logits = new Float64Array(LABELS.length);
    const quantizedHidden = new Float64Array(quantized.config.dim);
    const quantizedLogits = new Float64Array(LABELS.length);
    const { scales } = quantized.table;
    const { dim } = model.config;
    for (const text of TEXTS) {
      const bag = model.bag(model.encode(text));
      model.forward(bag, hidden, logits);
      quantized.forward(quantized.bag(quantized.encode(text)), quantizedHidden, quantizedLogits);
      // Each logit is the mean of its rows' values (folded), or of weight x rows: half a step per row at most.
      let bound = 0;
      bag.rows.forEach((row, i) => (bound += bag.counts[i]! * scales[row]! / 2));
      bound /= Math.max(1, bag.total);
      LABELS.forEach((_, label) => {
        const gain = folded ? 1 : model.weights.weight.subarray(label * dim, (label + 1) * dim).reduce((sum, w) => sum + Math.abs(w), 0);
        expect(Math.abs(quantizedLogits[label]! - logits[label]!), JSON.stringify(text)).toBeLessThanOrEqual(bound * gain + 1e-6);
      });
    }
    for (const example of corpus) expect(quantized.predict(example.text)).toEqual(model.predict(example.text));
  });
});

describe('quantizeTextClassifier, the rest', () => {
  it('folds by default only when the table gets narrower: with more labels than dim, the layer is kept', async () => {
    const { best: narrow } = await trainTextClassifier({ train: corpus, epochs: 1, dim: 2, buckets: 101, maxLength: 40, minCount: 1 });
    expect(quantizeTextClassifier({ model: narrow }).quantization.folded).toBe(false);
    expect(quantizeTextClassifier({ model: narrow, fold: true }).config.dim).toBe(3);
  });

  it('leaves the float model as it was', () => {
    const before = Buffer.from(model.weights.embedding.buffer.slice(0));
    quantizeTextClassifier({ model });
    expect(Buffer.from(model.weights.embedding.buffer).equals(before)).toBe(true);
    expect(model).not.toBeInstanceOf(QuantizedTextClassifier);
    expect(model.config.dim).toBe(16);
  });

  it('returns a quantized model as it is, and refuses to re-quantize it another way', () => {
    const quantized = quantizeTextClassifier({ model });
    expect(quantizeTextClassifier({ model: quantized })).toBe(quantized);
    expect(quantizeTextClassifier({ model: quantized, fold: true })).toBe(quantized);
    expect(() => quantizeTextClassifier({ model: quantized, fold: false })).toThrow(/fold: false, but the model is already quantized with the linear layer folded; quantize the float model/);
  });

  it('names the option, the value and the fix when fold is not a boolean', () => {
    expect(() => quantizeTextClassifier({ model, fold: 'yes' as unknown as boolean })).toThrow(
      'fold: expected true (fold the linear layer into the table), false (keep it) or undefined (fold when the table gets narrower), got "yes"',
    );
  });
});

describe('exportModelDirectory({ quantize })', () => {
  const initializers = async (dir: string) => {
    const proto = onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
    return Object.fromEntries(proto.graph!.initializer!.map((tensor) => [tensor.name!, { dataType: tensor.dataType, dims: tensor.dims!.map(Number) }]));
  };

  it('writes the int8 table and its scales into model.onnx, and says so in config.json', async () => {
    const dir = join(root, 'int8');
    expect(await exportModelDirectory(model, dir, { quantize: true })).toEqual(['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']);
    const rows = model.vocabulary.size + 101;
    const tensors = await initializers(dir);
    // One more row: the zero row masked positions gather.
    expect(tensors['table_int8']).toEqual({ dataType: onnx.TensorProto.DataType.INT8, dims: [rows + 1, 3] });
    expect(tensors['table_scale']).toEqual({ dataType: onnx.TensorProto.DataType.FLOAT, dims: [rows + 1] });
    // Folded: no float table, no layer weight.
    expect(tensors['table']).toBeUndefined();
    expect(tensors['weight']).toBeUndefined();
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config['quantization']).toEqual({ method: 'int8-per-row', folded: true, float_hidden_size: 16 });
    expect(config['hidden_size']).toBe(3);
    expect(config['id2label']).toEqual({ 0: 'ham', 1: 'news', 2: 'spam' });

    const unfolded = join(root, 'int8-unfolded');
    await exportModelDirectory(model, unfolded, { quantize: { fold: false } });
    const unfoldedTensors = await initializers(unfolded);
    expect(unfoldedTensors['table_int8']).toEqual({ dataType: onnx.TensorProto.DataType.INT8, dims: [rows + 1, 16] });
    expect(unfoldedTensors['weight']).toEqual({ dataType: onnx.TensorProto.DataType.FLOAT, dims: [3, 16] });
  });

  it('writes a QuantizedTextClassifier as int8 without being asked, and a float model as float32 by default', async () => {
    await exportModelDirectory(quantizeTextClassifier({ model }), join(root, 'given'));
    expect((await initializers(join(root, 'given')))['table_int8']).toBeDefined();
    const rows = model.vocabulary.size + 101;
    // Float: the layer folded into the table by default (3 labels < dim 16), kept with fold: false.
    await exportModelDirectory(model, join(root, 'float'));
    const float = await initializers(join(root, 'float'));
    expect(float['table']).toEqual({ dataType: onnx.TensorProto.DataType.FLOAT, dims: [rows + 1, 3] });
    expect(float['weight']).toBeUndefined();
    expect(float['table_int8']).toBeUndefined();
    expect(JSON.parse(await readFile(join(root, 'float', 'config.json'), 'utf8'))).toMatchObject({ hidden_size: 16, folded: true });
    await exportModelDirectory(model, join(root, 'float-unfolded'), { fold: false });
    const unfolded = await initializers(join(root, 'float-unfolded'));
    expect(unfolded['table']).toEqual({ dataType: onnx.TensorProto.DataType.FLOAT, dims: [rows + 1, 16] });
    expect(unfolded['weight']).toEqual({ dataType: onnx.TensorProto.DataType.FLOAT, dims: [3, 16] });
    const unfoldedConfig = JSON.parse(await readFile(join(root, 'float-unfolded', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(unfoldedConfig['folded']).toBeUndefined();
  });

  it.each([
    ['yes', 'quantize: expected true (an 8-bit model), false (float32) or { fold?: boolean }, got "yes"'],
    [8, 'quantize: expected true (an 8-bit model), false (float32) or { fold?: boolean }, got 8'],
    [{ bits: 4 }, 'quantize: unknown option "bits"; the one option is fold (true or false), e.g. quantize: { fold: false }, or quantize: true'],
    [{ fold: 'no' }, 'quantize.fold: expected true, false or undefined (fold when the table gets narrower), got "no"'],
  ])('refuses quantize: %j before writing anything', async (quantize, message) => {
    const dir = join(root, 'refused');
    const error = await exportModelDirectory(model, dir, { quantize: quantize as unknown as boolean }).catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error) && error.code).toBe('INVALID_OPTION');
    expect((error as Error).message).toBe(message);
    await expect(stat(dir)).rejects.toThrow();
  });

  it('fits a model of SpamAssassin\'s shape (20,666 words + 262,144 bigram rows, dim 64, 2 labels) in 5 MB', async () => {
    const words = 20_666;
    const buckets = 2 ** 18;
    const dim = 64;
    const random = createRandom(3);
    const vocabulary = new Vocabulary([PAD_TOKEN, UNK_TOKEN, ...Array.from({ length: words - 2 }, (_, i) => `word${i.toString(36)}`)]);
    const embedding = new Float32Array((words + buckets) * dim);
    for (let i = 0; i < embedding.length; i++) embedding[i] = (random.next() * 2 - 1) / dim;
    const weight = Float32Array.from({ length: 2 * dim }, () => random.next() * 4 - 2);
    const large = new TextClassifier(
      { problemType: 'single_label_classification', labels: ['ham', 'spam'], dim, ngrams: 2, buckets, maxLength: 512, threshold: 0.5 },
      vocabulary,
      { embedding, weight, bias: new Float32Array([0.1, -0.1]) },
    );
    const dir = join(root, 'spam-assassin-shape');
    await exportModelDirectory(large, dir, { quantize: true });
    const sizes = await Promise.all((await readdir(dir)).map(async (name) => (await stat(join(dir, name))).size));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    // 6 bytes a row (2 int8 values, a float32 scale) against 256 as float32.
    expect((await stat(join(dir, 'model.onnx'))).size).toBeLessThan((words + buckets) * 6 + 4096);
    expect(total).toBeLessThanOrEqual(5e6);
    expect(buildOnnxModel(large, { fold: false }).byteLength).toBeGreaterThan(72e6);
  });
});

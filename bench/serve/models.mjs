// The two model directories bench/serve serves, built in code (no binary is committed), in the Hugging Face /
// Optimum export layout @vertexkit/serve reads: model.onnx, tokenizer.json, config.json (+ tokenizer_config.json).
//
// - small: a fastText-like classifier, an embedding bag (2^16 x 64, masked mean pooling) + linear, 2 labels, with a
//   WordLevel tokenizer. Built by the serve test fixture (packages/serve/test/fixtures/build-model.ts, run by
//   Node's type stripping), which also gives reference logits computed in plain JS to check the server's answers.
// - encoder: a DistilBERT-sized encoder (6 layers, hidden 768, 12 heads, FFN 3072, GELU, LayerNormalization,
//   vocab 30,522, 512 positions; 67.0 M fp32 parameters, 255 MiB), random weights from a fixed seed; inputs
//   input_ids + attention_mask int64 [batch, seq], output logits [batch, 2] from the [CLS] position; a BERT
//   WordPiece tokenizer.json. The graph has the shape of a plain transformers/optimum export of DistilBERT (erf
//   GELU, a large negative mask bias, Q/8, unfused attention): at graph optimization level 'all' ONNX Runtime 1.30
//   fuses the GELUs (BiasGelu) and the head (FusedGemm); attention stays MatMul + Softmax, as without optimum's
//   offline transformer optimizer.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { buildTextClassifierDir, SPECIAL_TOKENS } from '../../packages/serve/test/fixtures/build-model.ts';
import { TEXTS } from './texts.mjs';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT = onnx.AttributeProto.AttributeType.INT;
const FLOAT_ATTR = onnx.AttributeProto.AttributeType.FLOAT;
const INTS = onnx.AttributeProto.AttributeType.INTS;

export const LABELS = ['negative', 'positive'];

/** Word-level tokens of a text as the fixture's WordLevel tokenizer splits it (Lowercase + Whitespace). */
function wordLevelWords(text) {
  return text.toLowerCase().match(/[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\s]+/gu) ?? [];
}

/**
 * The small model: every word of the bench texts is in the vocabulary, which is filled up to `vocabSize` with
 * made-up words (the embedding table's size is what makes it fastText-sized; lookups cost the same).
 */
export async function buildSmallModel(dir, { vocabSize = 2 ** 16, hidden = 64, seed = 7 } = {}) {
  const words = [...new Set(TEXTS.flatMap(wordLevelWords))];
  const fill = vocabSize - SPECIAL_TOKENS.length - words.length;
  for (let i = 0; i < fill; i++) words.push(`w${String(i).padStart(6, '0')}`);
  return buildTextClassifierDir(dir, { labels: LABELS, vocab: words, hidden, seed });
}

/** DistilBERT-base's shape. */
export const ENCODER = Object.freeze({ layers: 6, hidden: 768, heads: 12, ffn: 3072, vocabSize: 30522, maxPositions: 512, numLabels: 2 });

/**
 * Writes the DistilBERT-sized model directory into `dir`. Returns the parameter count and model.onnx's size.
 */
export async function buildEncoderModel(dir, { seed = 42 } = {}) {
  await mkdir(dir, { recursive: true });
  const vocab = wordPieceVocab(ENCODER.vocabSize);
  const { bytes, parameters } = encoderOnnx({ ...ENCODER, seed });
  await writeFile(join(dir, 'model.onnx'), bytes);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(vocab)));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(bertTokenizerConfig(), null, 2));
  await writeFile(join(dir, 'config.json'), JSON.stringify(distilBertConfig(), null, 2));
  return { dir, parameters, modelBytes: bytes.length };
}

// --- tokenizer -------------------------------------------------------------------------------------------------

/**
 * A WordPiece vocabulary of `size` entries in BERT's style: special tokens, single characters and their `##`
 * continuations (so any ASCII word can be spelled), common suffixes, the words of the bench texts (about one in
 * four left out as a whole word, so it splits into pieces as rarer words do in a real vocabulary), then filler.
 */
function wordPieceVocab(size) {
  const tokens = new Set(SPECIAL_TOKENS);
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  for (const c of chars) tokens.add(c);
  for (const c of chars) tokens.add(`##${c}`);
  for (const suffix of ['s', 'es', 'ed', 'ing', 'ly', 'er', 'est', 'ion', 'able', 'ment', 'ness', 'ful']) tokens.add(`##${suffix}`);
  const words = [...new Set(TEXTS.flatMap((text) => text.toLowerCase().match(/[a-z0-9]+/g) ?? []))].sort();
  words.forEach((word, index) => {
    if (word.length > 5 && index % 4 === 0) {
      const cut = Math.ceil(word.length / 2);
      tokens.add(word.slice(0, cut));
      tokens.add(`##${word.slice(cut)}`);
    } else {
      tokens.add(word);
    }
  });
  for (let i = 0; tokens.size < size; i++) tokens.add(`tok${i}`);
  return new Map([...tokens].map((token, id) => [token, id]));
}

function bertTokenizerJson(vocab) {
  const id = (token) => vocab.get(token);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
  };
}

function bertTokenizerConfig() {
  return {
    cls_token: '[CLS]',
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: 512,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'DistilBertTokenizer',
    unk_token: '[UNK]',
  };
}

function distilBertConfig() {
  return {
    _name_or_path: 'vertexkit-bench-distilbert-sized',
    activation: 'gelu',
    architectures: ['DistilBertForSequenceClassification'],
    attention_dropout: 0.1,
    dim: ENCODER.hidden,
    dropout: 0.1,
    hidden_dim: ENCODER.ffn,
    id2label: Object.fromEntries(LABELS.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(LABELS.map((label, i) => [label, i])),
    initializer_range: 0.02,
    max_position_embeddings: ENCODER.maxPositions,
    model_type: 'distilbert',
    n_heads: ENCODER.heads,
    n_layers: ENCODER.layers,
    pad_token_id: 0,
    problem_type: 'single_label_classification',
    seq_classif_dropout: 0.2,
    sinusoidal_pos_embds: false,
    torch_dtype: 'float32',
    vocab_size: ENCODER.vocabSize,
  };
}

// --- the ONNX graph --------------------------------------------------------------------------------------------

/** DistilBertForSequenceClassification as an opset-17 ONNX graph; weights ~U(-0.035, 0.035) (std 0.02). */
function encoderOnnx({ layers, hidden, heads, ffn, vocabSize, maxPositions, numLabels, seed }) {
  const headDim = hidden / heads;
  const initializers = [];
  const nodes = [];
  const random = mulberry32(seed);
  let parameters = 0;

  const weight = (name, dims, init = 'random') => {
    const count = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    if (init === 'random') for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * 0.0346;
    else if (init === 'ones') values.fill(1);
    parameters += count;
    initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer) });
    return name;
  };
  const constInt64 = (name, values, dims = [values.length]) => {
    initializers.push({ name, dims, dataType: INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  };
  const constFloat = (name, value) => {
    initializers.push({ name, dims: [], dataType: FLOAT, rawData: new Uint8Array(Float32Array.of(value).buffer) });
    return name;
  };
  const node = (opType, input, output, attribute = []) => {
    nodes.push({ opType, input, output: [output], name: `${output}/${opType}`, attribute });
    return output;
  };
  const intAttr = (name, i) => ({ name, type: INT, i });
  const layerNorm = (x, prefix) =>
    node('LayerNormalization', [x, weight(`${prefix}.weight`, [hidden], 'ones'), weight(`${prefix}.bias`, [hidden], 'zeros')], `${prefix}.out`, [
      intAttr('axis', -1),
      { name: 'epsilon', type: FLOAT_ATTR, f: 1e-12 },
    ]);
  const linear = (x, prefix, inDim, outDim) =>
    node('Add', [node('MatMul', [x, weight(`${prefix}.weight`, [inDim, outDim])], `${prefix}.matmul`), weight(`${prefix}.bias`, [outDim], 'zeros')], `${prefix}.out`);

  // Constants shared by the layers.
  constInt64('zero', [0], []);
  constInt64('one', [1], []);
  constInt64('heads_shape', [0, 0, heads, headDim]);
  constInt64('merged_shape', [0, 0, hidden]);
  constInt64('mask_axes', [1, 2]);
  constFloat('f_one', 1);
  constFloat('f_half', 0.5);
  constFloat('f_sqrt2', Math.SQRT2);
  constFloat('f_head_scale', Math.sqrt(headDim));
  constFloat('f_mask_value', -3.4028234663852886e38 / 2);

  // Embeddings: words + learned positions, then LayerNorm.
  const words = node('Gather', [weight('embeddings.word_embeddings.weight', [vocabSize, hidden]), 'input_ids'], 'word_embeds');
  const shape = node('Shape', ['input_ids'], 'input_shape');
  const seqLen = node('Gather', [shape, 'one'], 'seq_len', [intAttr('axis', 0)]);
  const positionIds = node('Range', ['zero', seqLen, 'one'], 'position_ids');
  const positions = node('Gather', [weight('embeddings.position_embeddings.weight', [maxPositions, hidden]), positionIds], 'position_embeds');
  let x = layerNorm(node('Add', [words, positions], 'embeds'), 'embeddings.LayerNorm');

  // Attention bias [batch, 1, 1, seq]: 0 where attended, a huge negative number on padding.
  const mask = node('Cast', ['attention_mask'], 'mask_float', [intAttr('to', FLOAT)]);
  const inverted = node('Sub', ['f_one', mask], 'mask_inverted');
  const bias = node('Unsqueeze', [node('Mul', [inverted, 'f_mask_value'], 'mask_bias_2d'), 'mask_axes'], 'mask_bias');

  for (let l = 0; l < layers; l++) {
    const p = `transformer.layer.${l}`;
    const split = (t, name, perm) =>
      node('Transpose', [node('Reshape', [t, 'heads_shape'], `${p}.${name}.heads`)], `${p}.${name}.t`, [{ name: 'perm', type: INTS, ints: perm }]);
    const q = split(node('Div', [linear(x, `${p}.attention.q_lin`, hidden, hidden), 'f_head_scale'], `${p}.q_scaled`), 'q', [0, 2, 1, 3]);
    const k = split(linear(x, `${p}.attention.k_lin`, hidden, hidden), 'k', [0, 2, 3, 1]);
    const v = split(linear(x, `${p}.attention.v_lin`, hidden, hidden), 'v', [0, 2, 1, 3]);
    const scores = node('Add', [node('MatMul', [q, k], `${p}.scores`), bias], `${p}.scores_masked`);
    const probs = node('Softmax', [scores], `${p}.probs`, [intAttr('axis', -1)]);
    const context = node('MatMul', [probs, v], `${p}.context`);
    const merged = node(
      'Reshape',
      [node('Transpose', [context], `${p}.context.t`, [{ name: 'perm', type: INTS, ints: [0, 2, 1, 3] }]), 'merged_shape'],
      `${p}.context.merged`,
    );
    const attention = linear(merged, `${p}.attention.out_lin`, hidden, hidden);
    x = layerNorm(node('Add', [attention, x], `${p}.attention.residual`), `${p}.sa_layer_norm`);

    const up = linear(x, `${p}.ffn.lin1`, hidden, ffn);
    // GELU, erf form: 0.5 * x * (1 + erf(x / sqrt(2))); ONNX Runtime fuses it into one Gelu kernel.
    const erf = node('Erf', [node('Div', [up, 'f_sqrt2'], `${p}.gelu.div`)], `${p}.gelu.erf`);
    const gelu = node('Mul', [node('Mul', [up, node('Add', [erf, 'f_one'], `${p}.gelu.add`)], `${p}.gelu.mul`), 'f_half'], `${p}.gelu.out`);
    const down = linear(gelu, `${p}.ffn.lin2`, ffn, hidden);
    x = layerNorm(node('Add', [down, x], `${p}.ffn.residual`), `${p}.output_layer_norm`);
  }

  // Classification head on [CLS] (position 0): pre_classifier + ReLU + classifier.
  const cls = node('Gather', [x, 'zero'], 'cls', [intAttr('axis', 1)]);
  const pre = node('Relu', [linear(cls, 'pre_classifier', hidden, hidden)], 'pre_classifier.relu');
  const logitsMatMul = node('MatMul', [pre, weight('classifier.weight', [hidden, numLabels])], 'classifier.matmul');
  node('Add', [logitsMatMul, weight('classifier.bias', [numLabels], 'zeros')], 'logits');

  const sequenceInput = (name) => ({
    name,
    type: { tensorType: { elemType: INT64, shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vertexkit-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'distilbert_sized_classifier',
      node: nodes,
      input: [sequenceInput('input_ids'), sequenceInput('attention_mask')],
      output: [{ name: 'logits', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: numLabels }] } } } }],
      initializer: initializers,
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), parameters };
}

/** A small seeded PRNG, so the weights are the same on every run and machine. */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

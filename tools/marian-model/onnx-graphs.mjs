// The four ONNX graphs of a Marian model as `optimum-cli export onnx --task text2text-generation-with-past`
// writes them (IR 8, opset 17): encoder_model, decoder_model, decoder_with_past_model and the
// decoder_model_merged that joins the last two under an If node on `use_cache_branch`, as Optimum's
// merge_decoders does. The ops are what torch exports for MarianMTModel (post-layer-norm blocks, scaled
// embeddings plus sinusoidal positions, separate q/k/v projections, swish feed-forward, tied output
// projection plus final_logits_bias); only the weights are made up.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const BOOL = onnx.TensorProto.DataType.BOOL;
const A = onnx.AttributeProto.AttributeType;

/** What torch exports for `torch.finfo(torch.float32).min`, the additive mask of masked positions. */
const FLOAT_MIN = -3.4028234663852886e38;

export const PRODUCER_NAME = '@vertexkit/tool-marian-model';

const int = (name, i) => ({ name, type: A.INT, i });
const ints = (name, values) => ({ name, type: A.INTS, ints: values });
const float = (name, f) => ({ name, type: A.FLOAT, f });

function floatTensor(name, dims, values) {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name, dims, values) {
  return { name, dims, dataType: INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) };
}

function valueInfo(name, elemType, dims) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Nodes of one graph, with unique value names under `scope` (the torch module path, as exports name them). */
class GraphBuilder {
  constructor(constants) {
    this.nodes = [];
    this.constants = constants;
    this.counter = 0;
  }

  /** Adds a node; returns its (first) output name, `out` if given. */
  op(opType, inputs, { scope = '', attrs = [], out } = {}) {
    const name = out ?? `${scope}/${opType}_${this.counter++}_output_0`;
    this.nodes.push({ opType, input: inputs, output: [name], name: `${scope}/${opType}_${this.counter++}`, attribute: attrs });
    return name;
  }

  /** The name of a shared int64 constant (shapes, axes, indices), created on first use. */
  int64(values, scalar = false) {
    const name = `const_int64_${scalar ? 's' : ''}${values.join('_').replaceAll('-', 'm')}`;
    if (!this.constants.has(name)) this.constants.set(name, int64Tensor(name, scalar ? [] : [values.length], values));
    return name;
  }

  /** The name of a shared float scalar constant. */
  scalar(value) {
    const name = `const_float_${String(value).replaceAll('.', 'p').replaceAll('-', 'm').replaceAll('+', '')}`;
    if (!this.constants.has(name)) this.constants.set(name, floatTensor(name, [], [value]));
    return name;
  }
}

function linear(g, x, prefix, scope) {
  return g.op('Add', [g.op('MatMul', [x, `${prefix}.weight`], { scope }), `${prefix}.bias`], { scope });
}

function layerNorm(g, x, prefix, scope) {
  return g.op('LayerNormalization', [x, `${prefix}.weight`, `${prefix}.bias`], { scope, attrs: [int('axis', -1), float('epsilon', 1e-5)] });
}

/** [batch, seq, d_model] -> [batch, heads, seq, head_dim] */
function splitHeads(g, x, spec, scope) {
  const reshaped = g.op('Reshape', [x, g.int64([0, -1, spec.heads, spec.headDim])], { scope });
  return g.op('Transpose', [reshaped], { scope, attrs: [ints('perm', [0, 2, 1, 3])] });
}

/**
 * Multi-head attention as MarianAttention computes it: q scaled by head_dim^-0.5, softmax(q k^T + mask) v,
 * out_proj. `keys`/`values` are [batch, heads, kv_seq, head_dim]; `bias` broadcasts onto the scores.
 */
function attention(g, spec, { query, keys, values, bias, prefix, scope }) {
  const q = g.op('Mul', [linear(g, query, `${prefix}.q_proj`, scope), g.scalar(spec.headDim ** -0.5)], { scope });
  const q4 = splitHeads(g, q, spec, scope);
  const kT = g.op('Transpose', [keys], { scope, attrs: [ints('perm', [0, 1, 3, 2])] });
  const scores = g.op('Add', [g.op('MatMul', [q4, kT], { scope }), bias], { scope });
  const probs = g.op('Softmax', [scores], { scope, attrs: [int('axis', -1)] });
  const context = g.op('Transpose', [g.op('MatMul', [probs, values], { scope })], { scope, attrs: [ints('perm', [0, 2, 1, 3])] });
  const merged = g.op('Reshape', [context, g.int64([0, 0, spec.dModel])], { scope });
  return linear(g, merged, `${prefix}.out_proj`, scope);
}

/** [batch, seq] int64 mask -> additive float bias [batch, 1, 1, seq]: 0 where attended, FLOAT_MIN where not. */
function paddingBias(g, mask, scope) {
  const m = g.op('Cast', [mask], { scope, attrs: [int('to', FLOAT)] });
  const inverted = g.op('Sub', [g.scalar(1), m], { scope });
  const bias = g.op('Mul', [inverted, g.scalar(FLOAT_MIN)], { scope });
  return g.op('Unsqueeze', [bias, g.int64([1, 2])], { scope });
}

/** Token embeddings times sqrt(d_model) plus the sinusoidal positions `start` .. `start + seq - 1`. */
function embed(g, spec, inputIds, start, positionTable, scope) {
  const tokens = g.op('Gather', ['model.shared.weight', inputIds], { scope });
  const scaled = g.op('Mul', [tokens, g.scalar(Math.fround(Math.sqrt(spec.dModel)))], { scope });
  const length = g.op('Gather', [g.op('Shape', [inputIds], { scope }), g.int64([1], true)], { scope });
  const end = g.op('Add', [start, length], { scope });
  const positions = g.op('Range', [start, end, g.int64([1], true)], { scope });
  const positionEmbeddings = g.op('Gather', [positionTable, positions], { scope });
  return { hidden: g.op('Add', [scaled, positionEmbeddings], { scope }), length, end };
}

function feedForward(g, x, prefix, scope) {
  const hidden = linear(g, x, `${prefix}.fc1`, scope);
  const activated = g.op('Mul', [hidden, g.op('Sigmoid', [hidden], { scope })], { scope });
  return linear(g, activated, `${prefix}.fc2`, scope);
}

function encoderGraph(spec, constants) {
  const g = new GraphBuilder(constants);
  const scope = '/model/encoder';
  let { hidden } = embed(g, spec, 'input_ids', g.int64([0], true), 'model.encoder.embed_positions.weight', scope);
  const bias = paddingBias(g, 'attention_mask', scope);
  for (let i = 0; i < spec.layers; i++) {
    const prefix = `model.encoder.layers.${i}`;
    const layerScope = `${scope}/layers.${i}`;
    const keys = splitHeads(g, linear(g, hidden, `${prefix}.self_attn.k_proj`, layerScope), spec, layerScope);
    const values = splitHeads(g, linear(g, hidden, `${prefix}.self_attn.v_proj`, layerScope), spec, layerScope);
    const attended = attention(g, spec, { query: hidden, keys, values, bias, prefix: `${prefix}.self_attn`, scope: layerScope });
    hidden = layerNorm(g, g.op('Add', [hidden, attended], { scope: layerScope }), `${prefix}.self_attn_layer_norm`, layerScope);
    const ffn = feedForward(g, hidden, prefix, layerScope);
    hidden = layerNorm(g, g.op('Add', [hidden, ffn], { scope: layerScope }), `${prefix}.final_layer_norm`, layerScope);
  }
  g.op('Identity', [hidden], { scope, out: 'last_hidden_state' });
  return {
    nodes: g.nodes,
    inputs: [
      valueInfo('input_ids', INT64, ['batch_size', 'encoder_sequence_length']),
      valueInfo('attention_mask', INT64, ['batch_size', 'encoder_sequence_length']),
    ],
    outputs: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'encoder_sequence_length', spec.dModel])],
  };
}

const pastName = (i, part, kind) => `past_key_values.${i}.${part}.${kind}`;
const presentName = (i, part, kind) => `present.${i}.${part}.${kind}`;

/**
 * The decoder without (`withPast: false`) or with past key values. Without, it reads encoder_hidden_states and
 * outputs the self- and cross-attention keys/values of every layer; with, it reads them as past_key_values,
 * appends the new self-attention keys/values and outputs only those (Optimum drops the constant cross-attention
 * ones from decoder_with_past_model, and torch drops the then unused encoder_hidden_states input).
 */
function decoderGraph(spec, constants, { withPast }) {
  const g = new GraphBuilder(constants);
  const scope = '/model/decoder';
  const pastLength = withPast
    ? g.op('Gather', [g.op('Shape', [pastName(0, 'decoder', 'key')], { scope }), g.int64([2], true)], { scope })
    : g.int64([0], true);
  const embedded = embed(g, spec, 'input_ids', pastLength, 'model.decoder.embed_positions.weight', scope);
  let hidden = embedded.hidden;

  // Causal mask over the new positions: query pastLength + i may attend to keys 0 .. pastLength + i.
  const keyPositions = g.op('Range', [g.int64([0], true), embedded.end, g.int64([1], true)], { scope });
  const queryPositions = g.op('Range', [pastLength, embedded.end, g.int64([1], true)], { scope });
  const future = g.op('Greater', [
    g.op('Unsqueeze', [keyPositions, g.int64([0])], { scope }),
    g.op('Unsqueeze', [queryPositions, g.int64([1])], { scope }),
  ], { scope });
  const causalBias = g.op('Where', [future, g.scalar(FLOAT_MIN), g.scalar(0)], { scope });
  const crossBias = paddingBias(g, 'encoder_attention_mask', scope);

  const outputs = [];
  for (let i = 0; i < spec.layers; i++) {
    const prefix = `model.decoder.layers.${i}`;
    const layerScope = `${scope}/layers.${i}`;
    let keys = splitHeads(g, linear(g, hidden, `${prefix}.self_attn.k_proj`, layerScope), spec, layerScope);
    let values = splitHeads(g, linear(g, hidden, `${prefix}.self_attn.v_proj`, layerScope), spec, layerScope);
    if (withPast) {
      keys = g.op('Concat', [pastName(i, 'decoder', 'key'), keys], { scope: layerScope, attrs: [int('axis', 2)] });
      values = g.op('Concat', [pastName(i, 'decoder', 'value'), values], { scope: layerScope, attrs: [int('axis', 2)] });
    }
    g.op('Identity', [keys], { scope: layerScope, out: presentName(i, 'decoder', 'key') });
    g.op('Identity', [values], { scope: layerScope, out: presentName(i, 'decoder', 'value') });
    outputs.push(presentName(i, 'decoder', 'key'), presentName(i, 'decoder', 'value'));
    const attended = attention(g, spec, { query: hidden, keys, values, bias: causalBias, prefix: `${prefix}.self_attn`, scope: layerScope });
    hidden = layerNorm(g, g.op('Add', [hidden, attended], { scope: layerScope }), `${prefix}.self_attn_layer_norm`, layerScope);

    let crossKeys;
    let crossValues;
    if (withPast) {
      crossKeys = pastName(i, 'encoder', 'key');
      crossValues = pastName(i, 'encoder', 'value');
    } else {
      crossKeys = splitHeads(g, linear(g, 'encoder_hidden_states', `${prefix}.encoder_attn.k_proj`, layerScope), spec, layerScope);
      crossValues = splitHeads(g, linear(g, 'encoder_hidden_states', `${prefix}.encoder_attn.v_proj`, layerScope), spec, layerScope);
      g.op('Identity', [crossKeys], { scope: layerScope, out: presentName(i, 'encoder', 'key') });
      g.op('Identity', [crossValues], { scope: layerScope, out: presentName(i, 'encoder', 'value') });
      outputs.push(presentName(i, 'encoder', 'key'), presentName(i, 'encoder', 'value'));
    }
    const crossAttended = attention(g, spec, { query: hidden, keys: crossKeys, values: crossValues, bias: crossBias, prefix: `${prefix}.encoder_attn`, scope: layerScope });
    hidden = layerNorm(g, g.op('Add', [hidden, crossAttended], { scope: layerScope }), `${prefix}.encoder_attn_layer_norm`, layerScope);
    const ffn = feedForward(g, hidden, prefix, layerScope);
    hidden = layerNorm(g, g.op('Add', [hidden, ffn], { scope: layerScope }), `${prefix}.final_layer_norm`, layerScope);
  }
  // lm_head is tied to the shared embedding: Optimum's tied-weight deduplication leaves one initializer and a
  // Transpose in front of the MatMul.
  const lmHead = g.op('Transpose', ['model.shared.weight'], { scope: '/lm_head', attrs: [ints('perm', [1, 0])] });
  const projected = g.op('MatMul', [hidden, lmHead], { scope: '/lm_head' });
  g.op('Add', [projected, 'final_logits_bias'], { scope: '', out: 'logits' });

  const { dModel, heads, headDim, vocabSize } = spec;
  const decoderSequence = withPast ? 1 : 'decoder_sequence_length';
  const kvInfo = (name, sequence) => valueInfo(name, FLOAT, ['batch_size', heads, sequence, headDim]);
  const inputs = [
    valueInfo('encoder_attention_mask', INT64, ['batch_size', 'encoder_sequence_length']),
    valueInfo('input_ids', INT64, ['batch_size', decoderSequence]),
  ];
  if (withPast) {
    for (let i = 0; i < spec.layers; i++) {
      inputs.push(
        kvInfo(pastName(i, 'decoder', 'key'), 'past_decoder_sequence_length'),
        kvInfo(pastName(i, 'decoder', 'value'), 'past_decoder_sequence_length'),
        kvInfo(pastName(i, 'encoder', 'key'), 'encoder_sequence_length_out'),
        kvInfo(pastName(i, 'encoder', 'value'), 'encoder_sequence_length_out'),
      );
    }
  } else {
    inputs.push(valueInfo('encoder_hidden_states', FLOAT, ['batch_size', 'encoder_sequence_length', dModel]));
  }
  return {
    nodes: g.nodes,
    inputs,
    outputs: [
      valueInfo('logits', FLOAT, ['batch_size', decoderSequence, vocabSize]),
      ...outputs.map((name) => kvInfo(name, name.includes('.encoder.') ? 'encoder_sequence_length_out' : 'past_decoder_sequence_length + 1')),
    ],
  };
}

function modelProto(graph, name, initializers) {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: PRODUCER_NAME,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name, node: graph.nodes, input: graph.inputs, output: graph.outputs, initializer: initializers },
    }),
  ).finish();
}

/** The initializers `nodes` (and their subgraphs) read, in a stable order. */
function usedInitializers(nodes, tensors) {
  const used = new Set();
  const visit = (list) => {
    for (const node of list) {
      for (const input of node.input) if (tensors.has(input)) used.add(input);
      for (const attribute of node.attribute) if (attribute.g) visit(attribute.g.node);
    }
  };
  visit(nodes);
  return [...tensors.keys()].filter((name) => used.has(name)).map((name) => tensors.get(name));
}

/**
 * Serialized ONNX models. `weights` maps initializer names (HF parameter names; matrices stored [in, out] as
 * torch exports a Linear for MatMul) to Float32Arrays; `spec` is { dModel, heads, headDim, layers, ffnDim,
 * vocabSize, maxPositions }.
 */
export function buildMarianOnnxModels(spec, weights) {
  const constants = new Map();
  const encoder = encoderGraph(spec, constants);
  const decoder = decoderGraph(spec, constants, { withPast: false });
  const withPast = decoderGraph(spec, constants, { withPast: true });

  const tensors = new Map();
  for (const [name, { dims, data }] of weights) tensors.set(name, floatTensor(name, dims, data));
  for (const [name, tensor] of constants) tensors.set(name, tensor);

  // Merged, as Optimum's merge_decoders: one If on use_cache_branch, then = with past, else = without; the
  // with-past branch outputs the cross-attention keys/values it lacks as empty constants (first dynamic axis
  // 0, later dynamic axes 1), which callers must ignore in favour of the past ones they already hold.
  const withPastOutputs = new Set(withPast.outputs.map((output) => output.name));
  const thenNodes = [...withPast.nodes];
  for (const output of decoder.outputs) {
    if (withPastOutputs.has(output.name)) continue;
    thenNodes.push({
      opType: 'Constant',
      input: [],
      output: [output.name],
      name: `Constant_${thenNodes.length + 1}`,
      attribute: [{ name: 'value', type: A.TENSOR, t: { name: 'const_tensor', dims: [0, spec.heads, 1, spec.headDim], dataType: FLOAT } }],
    });
  }
  const thenBranch = { name: 'with_past', node: thenNodes, input: [], output: decoder.outputs, initializer: [] };
  const elseBranch = { name: 'no_past', node: decoder.nodes, input: [], output: decoder.outputs, initializer: [] };
  const ifNode = {
    opType: 'If',
    input: ['use_cache_branch'],
    output: decoder.outputs.map((output) => output.name),
    name: 'optimum::if',
    attribute: [
      { name: 'then_branch', type: A.GRAPH, g: thenBranch },
      { name: 'else_branch', type: A.GRAPH, g: elseBranch },
    ],
  };
  const mergedInputs = [...decoder.inputs];
  for (const input of withPast.inputs) if (!mergedInputs.some((known) => known.name === input.name)) mergedInputs.push(input);
  mergedInputs.push(valueInfo('use_cache_branch', BOOL, [1]));
  const merged = { nodes: [ifNode], inputs: mergedInputs, outputs: decoder.outputs };

  return {
    encoder: modelProto(encoder, 'main_graph', usedInitializers(encoder.nodes, tensors)),
    decoder: modelProto(decoder, 'main_graph', usedInitializers(decoder.nodes, tensors)),
    decoderWithPast: modelProto(withPast, 'main_graph', usedInitializers(withPast.nodes, tensors)),
    decoderMerged: modelProto(merged, 'merged', usedInitializers(merged.nodes, tensors)),
  };
}

// The weights of the test model: seeded noise everywhere, plus one wired pathway that makes it translate.
//
// Random weights alone (any scale) make a tiny tied-embedding decoder repeat one token forever and never
// emit </s>: the constant part of the sinusoidal positions and the previous token's own embedding dominate
// every step. So the first decoder layer's cross-attention is wired as a monotonic aligner: its queries and
// keys read only the high-frequency position dimensions, so decoder position p attends to source position p;
// its values carry the source token's embedding, rotated by a random orthogonal matrix M that fixes the
// embedding of </s>, into the residual stream with a large gain. Decoder position p then outputs the token
// whose embedding is nearest to M e(x_p) (a fixed, many-to-one "dictionary"), and once p reaches the source's
// final </s> it outputs </s>. Noise in every other weight (including the embedding dimensions the aligner
// ignores) leaves that dictionary ambiguous enough that greedy and beam search disagree on some inputs.

/** A seeded PRNG (mulberry32): the same seed gives the same weights on every run and machine. */
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

function normalSampler(random) {
  return () => {
    // Box-Muller; 1 - u keeps log away from 0.
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** MarianSinusoidalPositionalEmbedding's table: sin of the even-index frequencies in the first half, cos in the second. */
export function marianSinusoidalPositions(maxPositions, dModel) {
  const table = new Float32Array(maxPositions * dModel);
  const sentinel = dModel % 2 === 0 ? dModel / 2 : (dModel + 1) / 2;
  for (let pos = 0; pos < maxPositions; pos++) {
    for (let j = 0; j < dModel; j++) {
      // position_enc[pos, k] = pos / 10000^(2 * (k // 2) / dim); column j < sentinel is sin of k = 2j, the
      // others cos of k = 2(j - sentinel) + 1.
      const k = j < sentinel ? 2 * j : 2 * (j - sentinel) + 1;
      const angle = pos / Math.pow(10000, (2 * Math.floor(k / 2)) / dModel);
      table[pos * dModel + j] = j < sentinel ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

/** The scales of the wiring and the noise (see the file comment). */
export const DEFAULT_INIT = Object.freeze({
  embeddingNorm: 1.5, // |e| of a token embedding (it is zero in the aligner's position dimensions)
  noise: 0.15, // std of the noise weights, times 1/sqrt(fan_in)
  eosNorm: 1.25, // |e(</s>)| / |e|
  embeddingNoise: 0.05, // std of the embedding noise in the position dimensions
  alignment: 48, // gain of the aligner's queries: how sharply position p attends to source position p
  translationGain: 40, // gain of the aligner's output: how much the rotated source embedding outweighs the rest
  layerNormNoise: 0.05, // std of the layer norms' weight (around 1) and bias (around 0)
  logitsBias: 0.1, // std of final_logits_bias
});

/**
 * Initializers by name (HF parameter names; Linear weights stored [in, out] as torch exports them for MatMul),
 * each `{ dims, data: Float32Array }`.
 */
export function marianWeights(spec, seed, init = DEFAULT_INIT) {
  const { dModel, heads, headDim, layers, ffnDim, vocabSize, maxPositions } = spec;
  const eos = 0;
  const pad = vocabSize - 1;
  const normal = normalSampler(mulberry32(seed));
  const weights = new Map();
  const tensor = (name, dims, fill) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill(i);
    weights.set(name, { dims, data });
    return data;
  };
  const noiseLinear = (prefix, fanIn, fanOut) => {
    const weight = tensor(`${prefix}.weight`, [fanIn, fanOut], () => (normal() * init.noise) / Math.sqrt(fanIn));
    const bias = tensor(`${prefix}.bias`, [fanOut], () => normal() * init.noise * 0.1);
    return { weight, bias };
  };
  const layerNorm = (prefix) => {
    tensor(`${prefix}.weight`, [dModel], () => 1 + normal() * init.layerNormNoise);
    tensor(`${prefix}.bias`, [dModel], () => normal() * init.layerNormNoise);
  };
  const noiseAttention = (prefix) => {
    const projections = {};
    for (const name of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) projections[name] = noiseLinear(`${prefix}.${name}`, dModel, dModel);
    return projections;
  };

  // The aligner's position dimensions: the K highest-frequency sin/cos pairs, K as many as fit in a head.
  const half = dModel / 2;
  const pairs = Math.min(8, Math.floor(headDim / 2));
  const positionDims = [...Array.from({ length: pairs }, (_, j) => j), ...Array.from({ length: pairs }, (_, j) => half + j)];
  const isPositionDim = new Set(positionDims);
  const contentDims = Array.from({ length: dModel }, (_, i) => i).filter((i) => !isPositionDim.has(i));
  const contentSize = contentDims.length;

  // Every row has the same norm in the content dimensions (so no token wins by length alone), </s> a larger
  // one (so it wins clearly where the aligner reaches the source's </s>). nn.Embedding(padding_idx=pad)
  // starts the pad row at zero.
  const embedding = tensor('model.shared.weight', [vocabSize, dModel], (i) => (isPositionDim.has(i % dModel) ? normal() * init.embeddingNoise : normal()));
  for (let row = 0; row < vocabSize; row++) {
    const target = row === pad ? 0 : init.embeddingNorm * (row === eos ? init.eosNorm : 1);
    const norm = Math.hypot(...contentDims.map((d) => embedding[row * dModel + d]));
    for (const d of contentDims) embedding[row * dModel + d] *= target / norm;
    if (row === pad) embedding.fill(0, row * dModel, (row + 1) * dModel);
  }
  const positions = marianSinusoidalPositions(maxPositions, dModel);
  weights.set('model.encoder.embed_positions.weight', { dims: [maxPositions, dModel], data: positions });
  weights.set('model.decoder.embed_positions.weight', { dims: [maxPositions, dModel], data: positions });

  for (let i = 0; i < layers; i++) {
    const prefix = `model.encoder.layers.${i}`;
    noiseAttention(`${prefix}.self_attn`);
    layerNorm(`${prefix}.self_attn_layer_norm`);
    noiseLinear(`${prefix}.fc1`, dModel, ffnDim);
    noiseLinear(`${prefix}.fc2`, ffnDim, dModel);
    layerNorm(`${prefix}.final_layer_norm`);
  }

  const rotation = rotationFixing(contentDims.map((d) => embedding[eos * dModel + d]), normal);
  for (let i = 0; i < layers; i++) {
    const prefix = `model.decoder.layers.${i}`;
    noiseAttention(`${prefix}.self_attn`);
    layerNorm(`${prefix}.self_attn_layer_norm`);
    const cross = noiseAttention(`${prefix}.encoder_attn`);
    if (i === 0) {
      for (let h = 0; h < heads; h++) {
        positionDims.forEach((d, k) => {
          cross.q_proj.weight[d * dModel + h * headDim + k] += init.alignment;
          cross.k_proj.weight[d * dModel + h * headDim + k] += 1;
        });
      }
      // Values: content dimension c of the source state -> value dimension c; out: value c -> residual
      // content dimensions through the rotation.
      contentDims.forEach((d, c) => {
        cross.v_proj.weight[d * dModel + c] += 1;
        contentDims.forEach((target, r) => {
          cross.out_proj.weight[c * dModel + target] += init.translationGain * rotation[r * contentSize + c];
        });
      });
    }
    layerNorm(`${prefix}.encoder_attn_layer_norm`);
    noiseLinear(`${prefix}.fc1`, dModel, ffnDim);
    noiseLinear(`${prefix}.fc2`, ffnDim, dModel);
    layerNorm(`${prefix}.final_layer_norm`);
  }
  tensor('final_logits_bias', [1, vocabSize], () => normal() * init.logitsBias);
  return weights;
}

/**
 * A random n x n orthogonal matrix (row-major) with M fixed = fixed: a product of n Householder reflections
 * about random unit vectors orthogonal to `fixed`.
 */
function rotationFixing(fixed, normal) {
  const n = fixed.length;
  const norm = Math.hypot(...fixed);
  const f = fixed.map((x) => x / norm);
  const m = Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0));
  for (let step = 0; step < n; step++) {
    const u = Array.from({ length: n }, () => normal());
    const along = u.reduce((sum, x, i) => sum + x * f[i], 0);
    for (let i = 0; i < n; i++) u[i] -= along * f[i];
    const length = Math.hypot(...u);
    for (let i = 0; i < n; i++) u[i] /= length;
    // m = (I - 2 u u^T) m
    for (let col = 0; col < n; col++) {
      let dot = 0;
      for (let row = 0; row < n; row++) dot += u[row] * m[row * n + col];
      for (let row = 0; row < n; row++) m[row * n + col] -= 2 * u[row] * dot;
    }
  }
  return m;
}

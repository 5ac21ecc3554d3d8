// Writes a small Marian translation model directory in the Optimum / transformers.js layout, from a seed.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildMarianOnnxModels } from './onnx-graphs.mjs';
import { marianWeights } from './weights.mjs';
import { buildUnigramVocab, marianTokenizerConfigJson, marianTokenizerJson } from './tokenizer.mjs';

const DEFAULTS = { seed: 1, vocabSize: 1000, dModel: 64, layers: 2, heads: 4, ffnDim: 128, maxPositions: 512, merged: 'both' };

function validate(options) {
  const problems = [];
  const positiveInt = (name) => {
    const value = options[name];
    if (!Number.isInteger(value) || value < 1) problems.push(`${name}: ${JSON.stringify(value)} is not a positive integer`);
  };
  for (const name of ['seed', 'vocabSize', 'dModel', 'layers', 'heads', 'ffnDim', 'maxPositions']) positiveInt(name);
  const { dModel, heads } = options;
  if (Number.isInteger(dModel) && Number.isInteger(heads)) {
    if (dModel % 2 !== 0) problems.push(`dModel: ${dModel} is odd; the sinusoidal positions need an even size`);
    else if (dModel % heads !== 0) problems.push(`heads: ${heads} does not divide dModel ${dModel}; pick a divisor such as ${[4, 2, 8].find((h) => dModel % h === 0) ?? 1}`);
    // The aligner (weights.mjs) uses up to 16 position dimensions and needs 8 others for the tokens.
    else if (dModel - 2 * Math.min(8, Math.floor(dModel / heads / 2)) < 8 || dModel / heads < 2) {
      problems.push(`dModel: ${dModel} is too small for ${heads} heads; use at least 32`);
    }
  }
  if (Number.isInteger(options.vocabSize) && (options.vocabSize < 85 || options.vocabSize > 7864)) {
    problems.push(`vocabSize: ${options.vocabSize} is outside 85 (the characters of the test sentences and 3 special tokens) to 7864 (every piece the generator makes)`);
  }
  if (![true, false, 'both'].includes(options.merged)) problems.push(`merged: ${JSON.stringify(options.merged)} is not true, false or 'both'`);
  if (typeof options.dir !== 'string' || options.dir === '') problems.push('dir: a directory path is required');
  if (problems.length > 0) throw new Error(`buildMarianModelDir: ${problems.join('; ')}`);
}

/** See index.d.ts. */
export async function buildMarianModelDir(options) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) };
  validate(o);
  const { dir, seed, dModel, layers, heads, ffnDim, maxPositions } = o;
  const vocab = buildUnigramVocab(o.vocabSize);
  const vocabSize = vocab.length;
  const eos = 0;
  const pad = vocabSize - 1;
  const spec = { dModel, heads, headDim: dModel / heads, layers, ffnDim, vocabSize, maxPositions };

  const weights = marianWeights(spec, seed);
  const models = buildMarianOnnxModels(spec, weights);
  // Generation and inputs stop within the position table.
  const maxLength = Math.min(512, maxPositions);
  const config = marianConfigJson({ dModel, layers, heads, ffnDim, vocabSize, maxPositions, maxLength, pad, eos });
  const generationConfig = {
    bad_words_ids: [[pad]],
    bos_token_id: 0,
    decoder_start_token_id: pad,
    eos_token_id: eos,
    forced_eos_token_id: eos,
    max_length: maxLength,
    num_beams: 4,
    pad_token_id: pad,
    transformers_version: '4.34.0',
  };

  await mkdir(dir, { recursive: true });
  const files = {
    'encoder_model.onnx': models.encoder,
    ...(o.merged !== true ? { 'decoder_model.onnx': models.decoder, 'decoder_with_past_model.onnx': models.decoderWithPast } : {}),
    ...(o.merged !== false ? { 'decoder_model_merged.onnx': models.decoderMerged } : {}),
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'generation_config.json': JSON.stringify(generationConfig, null, 2) + '\n',
    'tokenizer.json': JSON.stringify(marianTokenizerJson(vocab), null, 2) + '\n',
    'tokenizer_config.json': JSON.stringify(marianTokenizerConfigJson(vocab, maxLength), null, 2) + '\n',
  };
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content)));
  // A decoder file left from an earlier build would be loaded instead of (or beside) the new ones.
  const stale = ['decoder_model.onnx', 'decoder_with_past_model.onnx', 'decoder_model_merged.onnx'].filter((name) => !(name in files));
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));

  return {
    dir,
    files: Object.keys(files),
    config,
    generationConfig,
    vocab,
    specialTokens: { eos, unk: 1, pad, decoderStart: pad },
  };
}

/** config.json as transformers 4.3x writes it for Helsinki-NLP/opus-mt-tr-en, with this model's sizes. */
function marianConfigJson({ dModel, layers, heads, ffnDim, vocabSize, maxPositions, maxLength, pad, eos }) {
  return {
    _name_or_path: 'vertexkit/tiny-random-marian-tr-en',
    activation_dropout: 0.0,
    activation_function: 'swish',
    add_bias_logits: false,
    add_final_layer_norm: false,
    architectures: ['MarianMTModel'],
    attention_dropout: 0.0,
    bad_words_ids: [[pad]],
    bos_token_id: 0,
    classif_dropout: 0.0,
    classifier_dropout: 0.0,
    d_model: dModel,
    decoder_attention_heads: heads,
    decoder_ffn_dim: ffnDim,
    decoder_layerdrop: 0.0,
    decoder_layers: layers,
    decoder_start_token_id: pad,
    decoder_vocab_size: vocabSize,
    dropout: 0.1,
    encoder_attention_heads: heads,
    encoder_ffn_dim: ffnDim,
    encoder_layerdrop: 0.0,
    encoder_layers: layers,
    eos_token_id: eos,
    extra_pos_embeddings: vocabSize,
    forced_eos_token_id: eos,
    id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' },
    init_std: 0.02,
    is_encoder_decoder: true,
    label2id: { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 },
    max_length: maxLength,
    max_position_embeddings: maxPositions,
    model_type: 'marian',
    normalize_before: false,
    normalize_embedding: false,
    num_beams: 4,
    num_hidden_layers: layers,
    pad_token_id: pad,
    scale_embedding: true,
    share_encoder_decoder_embeddings: true,
    static_position_embeddings: true,
    torch_dtype: 'float32',
    transformers_version: '4.34.0',
    use_cache: true,
    vocab_size: vocabSize,
  };
}

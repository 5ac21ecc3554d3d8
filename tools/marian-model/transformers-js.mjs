// The reference: transformers.js (@huggingface/transformers, pinned) loading a Marian directory fully offline
// and translating with it, so that another implementation can be compared token id for token id.
//
// Two things transformers.js 4.3.1 does not do, and what this harness does instead:
// - It only loads encoder_model.onnx + decoder_model_merged.onnx (the Seq2Seq session map is fixed). For the
//   split files, the model is built from transformers.js's own config and generation config with its decoder
//   session replaced by a dispatcher that runs decoder_model.onnx on the first step and
//   decoder_with_past_model.onnx afterwards (what Optimum's ORTModelForSeq2SeqLM does without a merged file),
//   so everything else (cache handling, logits processors, stopping) is still transformers.js's.
// - Its generate() has no beam search: with num_beams > 1 it keeps only the best token of each step, i.e. it
//   decodes greedily. With `beamSearch: 'transformers'` (the default) num_beams > 1 runs a port of Python
//   transformers' beam search (BeamSearchScorer / BeamHypotheses, 4.36-4.49) on transformers.js's forward
//   passes and logits processors; `beamSearch: 'transformers.js'` returns what transformers.js itself does.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ort from 'onnxruntime-node';
import {
  AutoConfig,
  AutoModelForSeq2SeqLM,
  AutoTokenizer,
  LogLevel,
  MarianMTModel,
  Tensor,
  cat,
  env,
  random,
} from '@huggingface/transformers';

/** Session options transformers.js gets by default here: one thread, no spinning (2 shared cores). */
export const DEFAULT_SESSION_OPTIONS = Object.freeze({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

let configured = false;
function configureOffline() {
  if (configured) return;
  configured = true;
  // Local files only: no Hub lookups, no cache directory inside node_modules. Absolute directory paths are
  // not Hub model ids, so transformers.js reads them as they are (env.localModelPath is not involved).
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
  // MarianTokenizer warns on every load that it is not a "fast" tokenizer.
  env.logLevel = LogLevel.ERROR;
}

const loaded = new Map();
const tokenizers = new Map();

/** See index.d.ts. */
export function loadTransformersJsTranslator({ dir, decoder, sessionOptions = DEFAULT_SESSION_OPTIONS }) {
  const path = resolve(dir);
  const choice = decoder ?? (existsSync(join(path, 'decoder_model_merged.onnx')) ? 'merged' : 'split');
  if (choice !== 'merged' && choice !== 'split') throw new Error(`decoder: ${JSON.stringify(decoder)} is not 'merged' or 'split'`);
  const key = JSON.stringify([path, choice, sessionOptions]);
  if (!loaded.has(key)) {
    const translator = createTranslator(path, choice, sessionOptions);
    loaded.set(key, translator);
    translator.catch(() => loaded.delete(key));
  }
  return loaded.get(key);
}

/** Releases every session {@link loadTransformersJsTranslator} opened. */
export async function disposeTransformersJsTranslators() {
  const translators = [...loaded.values()];
  loaded.clear();
  tokenizers.clear();
  await Promise.all(translators.map(async (translator) => (await translator.catch(() => null))?.dispose()));
}

/** Fails with the missing file's path (transformers.js itself fails on a later, unrelated property access). */
function requireFiles(dir, files, purpose) {
  for (const file of files) {
    if (!existsSync(join(dir, file))) throw new Error(`${join(dir, file)} is missing; ${purpose} needs it`);
  }
}

async function createTranslator(dir, decoder, sessionOptions) {
  configureOffline();
  requireFiles(dir, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'encoder_model.onnx'], 'transformers.js');
  const fileOptions = { local_files_only: true };
  const tokenizer = await AutoTokenizer.from_pretrained(dir, fileOptions);
  let model;
  if (decoder === 'merged') {
    requireFiles(dir, ['decoder_model_merged.onnx'], 'the merged decoder');
    model = await AutoModelForSeq2SeqLM.from_pretrained(dir, {
      ...fileOptions,
      subfolder: '', // Optimum's layout: the .onnx files beside config.json, not in onnx/ as on the Hub
      device: 'cpu',
      dtype: 'fp32',
      session_options: sessionOptions,
    });
  } else {
    requireFiles(dir, ['decoder_model.onnx', 'decoder_with_past_model.onnx'], 'the split decoder');
    const config = await AutoConfig.from_pretrained(dir, fileOptions);
    const create = (file) => ort.InferenceSession.create(join(dir, file), { executionProviders: ['cpu'], logSeverityLevel: 3, ...sessionOptions });
    const [encoder, withoutPast, withPast] = await Promise.all(['encoder_model.onnx', 'decoder_model.onnx', 'decoder_with_past_model.onnx'].map(create));
    const generationConfigFile = join(dir, 'generation_config.json');
    const generation_config = existsSync(generationConfigFile) ? JSON.parse(await readFile(generationConfigFile, 'utf8')) : undefined;
    model = new MarianMTModel(config, { model: encoder, decoder_model_merged: new SplitDecoderSession(withoutPast, withPast) }, generation_config ? { generation_config } : {});
  }
  return {
    dir,
    decoder,
    tokenizer,
    model,
    generate: (texts, options) => generate(tokenizer, model, texts, options ?? {}),
    encode: (texts) => texts.map((text) => encodeText(tokenizer, text)),
    decode: (ids, options) => ids.map((sequence) => tokenizer.decode(sequence, { skip_special_tokens: true, ...options })),
    dispose: () => model.dispose(),
  };
}

/**
 * Looks like the merged decoder's session to transformers.js (its input names, use_cache_branch included, and
 * metadata), and runs the split file the branch names.
 */
class SplitDecoderSession {
  constructor(withoutPast, withPast) {
    this.withoutPast = withoutPast;
    this.withPast = withPast;
    this.inputNames = [...withoutPast.inputNames, ...withPast.inputNames.filter((name) => !withoutPast.inputNames.includes(name)), 'use_cache_branch'];
    this.outputNames = withoutPast.outputNames;
    const metadata = new Map([...withPast.inputMetadata, ...withoutPast.inputMetadata].map((meta) => [meta.name, meta]));
    this.inputMetadata = this.inputNames.filter((name) => metadata.has(name)).map((name) => metadata.get(name));
  }

  async run(feeds) {
    const useCache = Boolean(feeds.use_cache_branch.data[0]);
    const session = useCache ? this.withPast : this.withoutPast;
    const outputs = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, feeds[name]])));
    if (useCache) {
      // decoder_with_past_model has no cross-attention outputs; answer as the merged graph's with-past branch
      // does, with empty placeholders (callers keep the past ones). ort.Tensor is the class transformers.js
      // recognises as an ONNX Runtime tensor (the same onnxruntime-node module instance).
      for (const name of this.outputNames) {
        if (name in outputs) continue;
        const [, heads, , headDim] = feeds[name.replace('present', 'past_key_values')].dims;
        outputs[name] = new ort.Tensor('float32', new Float32Array(0), [0, heads, 1, headDim]);
      }
    }
    return outputs;
  }

  async release() {
    await Promise.all([this.withoutPast.release(), this.withPast.release()]);
  }
}

function encodeText(tokenizer, text) {
  return { ids: tokenizer.encode(text), tokens: tokenizer.tokenize(text, { add_special_tokens: true }) };
}

const GENERATION_KEYS = new Set([
  'max_length', 'max_new_tokens', 'min_length', 'min_new_tokens', 'num_beams', 'do_sample', 'temperature', 'top_k',
  'length_penalty', 'early_stopping', 'no_repeat_ngram_size', 'repetition_penalty', 'num_return_sequences',
  'bad_words_ids', 'forced_eos_token_id', 'eos_token_id', 'pad_token_id', 'decoder_start_token_id',
]);

async function generate(tokenizer, model, texts, { beamSearch = 'transformers', seed, ...options }) {
  for (const key of Object.keys(options)) {
    if (!GENERATION_KEYS.has(key)) throw new Error(`options.${key}: not a generation option this harness passes on (one of ${[...GENERATION_KEYS].join(', ')})`);
  }
  if (beamSearch !== 'transformers' && beamSearch !== 'transformers.js') {
    throw new Error(`beamSearch: ${JSON.stringify(beamSearch)} is not 'transformers' or 'transformers.js'`);
  }
  if (options.do_sample && seed === undefined) {
    throw new Error('options.do_sample: sampling needs a seed (transformers.js seeds its Mersenne Twister with random.seed(seed) before each text)');
  }
  // As the translation pipeline: max_new_tokens 256 unless a length is given.
  const kwargs = options.max_length === undefined && options.max_new_tokens === undefined ? { max_new_tokens: 256, ...options } : { ...options };
  const results = [];
  // One text at a time: batching in transformers.js keeps generating after a row's </s> and pads inputs.
  for (const text of texts) {
    const inputs = tokenizer(text, { truncation: true });
    const numBeams = kwargs.num_beams ?? model.generation_config?.num_beams ?? 1;
    if (numBeams > 1 && !kwargs.do_sample && beamSearch === 'transformers') {
      const sequences = await beamSearchGenerate(model, inputs, kwargs);
      results.push(result(tokenizer, sequences));
    } else {
      if (kwargs.do_sample) random.seed(seed);
      const output = await model.generate({ ...inputs, ...kwargs });
      const rows = output.tolist().map((row) => ({ ids: row.map(Number) }));
      results.push(result(tokenizer, rows));
    }
  }
  return results;
}

function result(tokenizer, sequences) {
  const decoded = sequences.map((sequence) => ({ ...sequence, text: tokenizer.decode(sequence.ids, { skip_special_tokens: true }) }));
  return { ids: decoded[0].ids, text: decoded[0].text, ...(decoded[0].score !== undefined ? { score: decoded[0].score } : {}), sequences: decoded };
}

/** Gathers rows of a [batch, ...] tensor (transformers.js Tensor) by index, as torch's index_select(0, ...). */
function selectRows(tensor, rows) {
  const rowSize = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = new tensor.data.constructor(rows.length * rowSize);
  rows.forEach((row, i) => data.set(tensor.data.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize));
  return new Tensor(tensor.type, data, [rows.length, ...tensor.dims.slice(1)]);
}

/**
 * Python transformers' beam search for one input (batch 1, num_beams rows), on transformers.js's forward pass
 * and logits processors. Scores are float64 log-probabilities of the float32 logits.
 */
async function beamSearchGenerate(model, inputs, kwargs) {
  const config = model._prepare_generation_config(null, kwargs);
  const numBeams = config.num_beams;
  const eos = [config.eos_token_id].flat().filter((id) => id !== null && id !== undefined);
  const start = config.decoder_start_token_id ?? config.bos_token_id;
  const promptLength = 1;
  const maxLength = config.max_new_tokens !== null && config.max_new_tokens !== undefined ? promptLength + config.max_new_tokens : config.max_length;
  config.max_length = maxLength;
  const numReturn = config.num_return_sequences ?? 1;
  if (numReturn > numBeams) throw new Error(`num_return_sequences: ${numReturn} is more than num_beams ${numBeams}`);
  const processors = model._get_logits_processor(config, promptLength, null);

  const encoded = await model._prepare_encoder_decoder_kwargs_for_generation({
    inputs_tensor: inputs.input_ids,
    model_inputs: { input_ids: inputs.input_ids, attention_mask: inputs.attention_mask },
    model_input_name: 'input_ids',
    generation_config: config,
  });
  const expand = (tensor) => cat(Array.from({ length: numBeams }, () => tensor), 0);
  const encoderOutputs = expand(encoded.encoder_outputs);
  const attentionMask = expand(inputs.attention_mask);

  let sequences = Array.from({ length: numBeams }, () => [BigInt(start)]);
  let beamScores = Array.from({ length: numBeams }, (_, i) => (i === 0 ? 0 : -1e9));
  let past = null;
  const hypotheses = new BeamHypotheses(numBeams, config.length_penalty, config.early_stopping, maxLength);
  let done = false;

  while (true) {
    const decoderInputIds = new Tensor('int64', BigInt64Array.from(past ? sequences.map((s) => s.at(-1)) : sequences.flat()), [numBeams, past ? 1 : sequences[0].length]);
    const outputs = await model.forward({
      encoder_outputs: encoderOutputs,
      attention_mask: attentionMask,
      decoder_input_ids: decoderInputIds,
      ...(past ? { past_key_values: past } : {}),
    });
    const [, steps, vocabSize] = outputs.logits.dims;
    const logits = outputs.logits.data;
    const logProbs = new Float32Array(numBeams * vocabSize);
    for (let b = 0; b < numBeams; b++) {
      const offset = (b * steps + steps - 1) * vocabSize;
      let max = -Infinity;
      for (let v = 0; v < vocabSize; v++) max = Math.max(max, logits[offset + v]);
      let sum = 0;
      for (let v = 0; v < vocabSize; v++) sum += Math.exp(logits[offset + v] - max);
      const logSum = max + Math.log(sum);
      for (let v = 0; v < vocabSize; v++) logProbs[b * vocabSize + v] = logits[offset + v] - logSum;
    }
    // Processors see float32 log-probabilities, as in Python; beam scores are added after them.
    const processed = processors(sequences, new Tensor('float32', logProbs, [numBeams, vocabSize])).data;
    const keep = Math.max(2, 1 + eos.length) * numBeams;
    const candidates = topCandidates(processed, beamScores, vocabSize, keep);

    // BeamSearchScorer.process
    const curLength = sequences[0].length + 1;
    const nextBeams = [];
    for (let rank = 0; rank < candidates.length; rank++) {
      const { score, token, beam } = candidates[rank];
      if (eos.includes(token)) {
        if (rank >= numBeams) continue;
        hypotheses.add([...sequences[beam]], score, curLength - promptLength);
      } else {
        nextBeams.push({ score, token, beam });
      }
      if (nextBeams.length === numBeams) break;
    }
    if (nextBeams.length < numBeams) throw new Error(`beam search: fewer than ${numBeams} non-</s> candidates; the scores are degenerate`);
    done ||= hypotheses.isDone(candidates[0].score, curLength, promptLength);

    const beamIndices = nextBeams.map((next) => next.beam);
    sequences = nextBeams.map((next) => [...sequences[next.beam], BigInt(next.token)]);
    beamScores = nextBeams.map((next) => next.score);
    // As getPastKeyValues: the self-attention cache grows, the cross-attention one is read once and kept.
    const nextPast = {};
    for (const name of Object.keys(outputs)) {
      if (!name.startsWith('present')) continue;
      const pastName = name.replace('present', 'past_key_values');
      const value = name.includes('.encoder.') && past ? past[pastName] : outputs[name];
      nextPast[pastName] = selectRows(value, beamIndices);
    }
    past = nextPast;
    if (done || sequences[0].length >= maxLength) break;
  }

  // BeamSearchScorer.finalize
  if (!done) {
    for (let b = 0; b < numBeams; b++) hypotheses.add([...sequences[b]], beamScores[b], sequences[b].length - promptLength);
  }
  const sorted = [...hypotheses.beams].sort((a, b) => a.score - b.score);
  const best = [];
  for (let i = 0; i < numReturn; i++) best.push(sorted.pop());
  const longest = Math.max(...best.map((hypothesis) => hypothesis.tokens.length)) + 1;
  const maxOutput = Math.min(longest, maxLength);
  return best.map(({ tokens, score }) => ({
    ids: [...tokens.map(Number), ...(tokens.length < maxOutput ? [eos[0]] : [])],
    score,
  }));
}

/**
 * The `keep` best (beam, token) continuations by beam score + processed log-probability, as torch.topk(sorted);
 * equal scores (the -Infinity of banned tokens) in index order.
 */
function topCandidates(processed, beamScores, vocabSize, keep) {
  const best = [];
  for (let b = 0; b < beamScores.length; b++) {
    for (let v = 0; v < vocabSize; v++) {
      const score = processed[b * vocabSize + v] + beamScores[b];
      if (best.length === keep && score <= best[keep - 1].score) continue;
      let at = best.length;
      while (at > 0 && best[at - 1].score < score) at--;
      best.splice(at, 0, { score, token: v, beam: b });
      if (best.length > keep) best.pop();
    }
  }
  return best;
}

/** transformers' BeamHypotheses: the num_beams best finished hypotheses, scored sum_logprobs / length^penalty. */
class BeamHypotheses {
  constructor(numBeams, lengthPenalty, earlyStopping, maxLength) {
    this.numBeams = numBeams;
    this.lengthPenalty = lengthPenalty;
    this.earlyStopping = earlyStopping;
    this.maxLength = maxLength;
    this.beams = [];
    this.worstScore = 1e9;
  }

  add(tokens, sumLogProbs, generatedLength) {
    const score = sumLogProbs / generatedLength ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, tokens });
      if (this.beams.length > this.numBeams) {
        const order = this.beams.map((beam, index) => [beam.score, index]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(order[0][1], 1);
        this.worstScore = order[1][0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  isDone(bestSumLogProbs, curLength, promptLength) {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    if (this.earlyStopping === false) {
      return this.worstScore >= bestSumLogProbs / (curLength - promptLength) ** this.lengthPenalty;
    }
    // 'never'
    const length = this.lengthPenalty > 0 ? this.maxLength - promptLength : curLength - promptLength;
    return this.worstScore >= bestSumLogProbs / length ** this.lengthPenalty;
  }
}

/** See index.d.ts. */
export async function generateWithTransformersJs({ dir, texts, options = {}, decoder, beamSearch, seed, sessionOptions }) {
  const translator = await loadTransformersJsTranslator({ dir, decoder, sessionOptions });
  return translator.generate(texts, { ...options, ...(beamSearch === undefined ? {} : { beamSearch }), ...(seed === undefined ? {} : { seed }) });
}

/** See index.d.ts. */
export async function tokenizeWithTransformersJs({ dir, texts = [], ids = [], decodeOptions }) {
  configureOffline();
  const path = resolve(dir);
  requireFiles(path, ['tokenizer.json', 'tokenizer_config.json'], 'the tokenizer');
  if (!tokenizers.has(path)) {
    const tokenizer = AutoTokenizer.from_pretrained(path, { local_files_only: true });
    tokenizers.set(path, tokenizer);
    tokenizer.catch(() => tokenizers.delete(path));
  }
  const tokenizer = await tokenizers.get(path);
  return {
    encoded: texts.map((text) => encodeText(tokenizer, text)),
    decoded: ids.map((sequence) => tokenizer.decode(sequence, { skip_special_tokens: true, ...decodeOptions })),
  };
}

import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeValue } from '../model/describe-value.js';
import { ModelDirectoryError } from '../model/model-directory-error.js';
import { readJsonObject } from '../model/read-json-object.js';
import type { GenerationOptions } from './generation-options.js';

/** The decoder files of an encoder-decoder export: Optimum writes one merged file, or the two it merges. */
export type DecoderFiles = { kind: 'merged'; merged: string } | { kind: 'split'; decoder: string; withPast: string };

/** An encoder-decoder model directory, read and checked; the ONNX sessions are the caller's. */
export interface Seq2SeqDirectory {
  dir: string;
  /** config.json's model_type, e.g. `marian`. */
  modelType: string;
  /** A name for logs and the API page: config.json's `_name_or_path`, else the directory's name. */
  name: string;
  encoderPath: string;
  decoder: DecoderFiles;
  /** Decoder layers, attention heads and the size of one head: the shapes of the past key values. */
  decoderLayers: number;
  decoderHeads: number;
  headDim: number;
  vocabSize: number;
  /** The longest decoder sequence (config.json's `max_position_embeddings`). */
  maxPositions: number;
  /** Source texts are cut to this many tokens, the end token included (tokenizer_config.json's `model_max_length`). */
  maxSourceLength: number;
  /** Generation defaults: generation_config.json over config.json over transformers' own. */
  generation: GenerationOptions;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** Which decoder files {@link loadSeq2SeqDirectory} uses when the directory has both kinds. */
export type DecoderChoice = 'auto' | 'merged' | 'split';

const EXPORT = 'export it with `optimum-cli export onnx --task text2text-generation-with-past --model <model> <dir>`';
const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() === true;

/** True when `dir` holds an encoder-decoder export (encoder_model.onnx) rather than a classifier (model.onnx). */
export async function isSeq2SeqDirectory(dir: string): Promise<boolean> {
  return isFile(join(resolve(dir), 'encoder_model.onnx'));
}

/**
 * Reads an encoder-decoder model directory in the layout Optimum and transformers.js use: `encoder_model.onnx`,
 * `decoder_model_merged.onnx` or `decoder_model.onnx` + `decoder_with_past_model.onnx`, `config.json`,
 * `generation_config.json` (optional), `tokenizer.json`, `tokenizer_config.json` (optional).
 *
 * @param decoderChoice - `auto` (default) takes the split files when both kinds are there (no branch in the graph), else what there is
 * @throws {@link ModelDirectoryError} naming the file, what is wrong and the fix
 */
export async function loadSeq2SeqDirectory(dir: string, decoderChoice: DecoderChoice = 'auto'): Promise<Seq2SeqDirectory> {
  const root = resolve(dir);
  const encoderPath = join(root, 'encoder_model.onnx');
  if (!(await isFile(encoderPath))) throw new ModelDirectoryError('encoder_model.onnx', encoderPath, `not found in ${root}; ${EXPORT}`);
  const merged = join(root, 'decoder_model_merged.onnx');
  const decoder = join(root, 'decoder_model.onnx');
  const withPast = join(root, 'decoder_with_past_model.onnx');
  const [hasMerged, hasDecoder, hasWithPast] = await Promise.all([isFile(merged), isFile(decoder), isFile(withPast)]);
  let decoderFiles: DecoderFiles;
  if (hasDecoder !== hasWithPast && !(hasMerged && decoderChoice !== 'split')) {
    const [present, missing] = hasDecoder ? ['decoder_model.onnx', 'decoder_with_past_model.onnx'] : ['decoder_with_past_model.onnx', 'decoder_model.onnx'];
    throw new ModelDirectoryError(missing, join(root, missing), `not found beside ${present}: the decoder without past key values and the one with them come together; ${EXPORT} (the -with-past task writes both)`);
  }
  if (decoderChoice === 'merged' || (decoderChoice === 'auto' && hasMerged && !hasDecoder)) {
    if (!hasMerged) throw new ModelDirectoryError('decoder_model_merged.onnx', merged, `not found in ${root}, and the merged decoder was asked for; ${EXPORT}`);
    decoderFiles = { kind: 'merged', merged };
  } else if (hasDecoder) {
    decoderFiles = { kind: 'split', decoder, withPast };
  } else {
    const missing = decoderChoice === 'split' ? 'decoder_model.onnx' : 'decoder_model_merged.onnx';
    throw new ModelDirectoryError(missing, join(root, missing), `not found in ${root}: an encoder-decoder model needs decoder_model_merged.onnx, or decoder_model.onnx and decoder_with_past_model.onnx; ${EXPORT}`);
  }

  const config = await readJsonObject(root, 'config.json', 'save the model config with model.config.save_pretrained()');
  const generationConfig = (await readJsonObject(root, 'generation_config.json', 'save it with model.generation_config.save_pretrained(), or remove it', { optional: true })) ?? {};
  const tokenizerJson = await readJsonObject(root, 'tokenizer.json', 'save a fast tokenizer with tokenizer.save_pretrained()');
  const tokenizerConfig = (await readJsonObject(root, 'tokenizer_config.json', 'save it with tokenizer.save_pretrained(), or remove it', { optional: true })) ?? {};

  const failConfig = (message: string): never => {
    throw new ModelDirectoryError('config.json', join(root, 'config.json'), message);
  };
  const positive = (key: string, ...fallbacks: string[]): number => {
    for (const name of [key, ...fallbacks]) {
      const value = config[name];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) failConfig(`${name} must be a positive integer, got ${describeValue(value)}`);
      return value as number;
    }
    return failConfig(`${key} is missing; it is part of every transformers encoder-decoder config (save it with model.config.save_pretrained())`);
  };
  const modelType = typeof config['model_type'] === 'string' ? config['model_type'] : failConfig('model_type is missing; e.g. "marian"');
  const dModel = positive('d_model', 'hidden_size');
  const decoderLayers = positive('decoder_layers', 'num_decoder_layers', 'num_layers');
  const decoderHeads = positive('decoder_attention_heads', 'num_heads');
  if (dModel % decoderHeads !== 0) failConfig(`d_model ${dModel} is not a multiple of decoder_attention_heads ${decoderHeads}`);
  const vocabSize = positive('vocab_size');
  const maxPositions = positive('max_position_embeddings', 'n_positions');

  // generation_config.json wins, then config.json (older exports keep generation settings there), then transformers' defaults.
  const setting = (key: string): unknown => generationConfig[key] ?? config[key];
  const failGeneration = (message: string): never => {
    const file = generationConfig[message.split(' ', 1)[0]!] !== undefined ? 'generation_config.json' : 'config.json';
    throw new ModelDirectoryError(file, join(root, file), message);
  };
  const tokenId = (key: string, required: boolean): number | undefined => {
    const value = setting(key);
    if (value === undefined || value === null) return required ? failGeneration(`${key} is missing; the model cannot start or end a sequence without it`) : undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value >= vocabSize) {
      return failGeneration(`${key} must be a token id below vocab_size ${vocabSize}, got ${describeValue(value)}`);
    }
    return value;
  };
  const eosSetting = setting('eos_token_id');
  const eosTokenIds = Array.isArray(eosSetting) ? eosSetting : [eosSetting];
  if (eosTokenIds.length === 0 || eosTokenIds.some((id) => typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= vocabSize)) {
    failGeneration(`eos_token_id must be a token id (or a list of them) below vocab_size ${vocabSize}, got ${describeValue(eosSetting)}`);
  }
  const padTokenId = tokenId('pad_token_id', true)!;
  const badWords = setting('bad_words_ids');
  if (badWords !== undefined && badWords !== null && !(Array.isArray(badWords) && badWords.every((word) => Array.isArray(word) && word.length > 0 && word.every((id) => Number.isSafeInteger(id))))) {
    failGeneration(`bad_words_ids must be a list of token id lists, e.g. [[${padTokenId}]], got ${describeValue(badWords)}`);
  }
  const numberSetting = (key: string, fallback: number, ok: (value: number) => boolean, expected: string): number => {
    const value = setting(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !ok(value)) return failGeneration(`${key} must be ${expected}, got ${describeValue(value)}`);
    return value;
  };
  const earlyStopping = setting('early_stopping');
  const generation: GenerationOptions = {
    maxLength: Math.min(numberSetting('max_length', 20, (v) => Number.isSafeInteger(v) && v > 1, 'a whole number above 1'), maxPositions),
    minLength: numberSetting('min_length', 0, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number'),
    numBeams: numberSetting('num_beams', 1, (v) => Number.isSafeInteger(v) && v >= 1, 'a whole number from 1'),
    numReturnSequences: 1,
    lengthPenalty: numberSetting('length_penalty', 1, Number.isFinite, 'a number'),
    earlyStopping: earlyStopping === true || earlyStopping === 'never' ? earlyStopping : false,
    noRepeatNgramSize: numberSetting('no_repeat_ngram_size', 0, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number'),
    repetitionPenalty: numberSetting('repetition_penalty', 1, (v) => v > 0, 'a number above 0'),
    doSample: setting('do_sample') === true,
    temperature: numberSetting('temperature', 1, (v) => v > 0, 'a number above 0'),
    topK: numberSetting('top_k', 50, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number'),
    topP: numberSetting('top_p', 1, (v) => v > 0 && v <= 1, 'a number above 0 and at most 1'),
    seed: undefined,
    badWordsIds: (badWords as number[][] | undefined | null) ?? [],
    eosTokenIds: eosTokenIds as number[],
    forcedEosTokenId: tokenId('forced_eos_token_id', false),
    decoderStartTokenId: tokenId('decoder_start_token_id', false) ?? padTokenId,
    padTokenId,
  };
  const modelMaxLength = tokenizerConfig['model_max_length'];
  const maxSourceLength =
    typeof modelMaxLength === 'number' && Number.isSafeInteger(modelMaxLength) && modelMaxLength > 0 ? Math.min(modelMaxLength, maxPositions) : maxPositions;
  const nameOrPath = config['_name_or_path'];
  return {
    dir: root,
    modelType,
    name: typeof nameOrPath === 'string' && nameOrPath !== '' ? nameOrPath : root.split(/[\\/]/).pop()!,
    encoderPath,
    decoder: decoderFiles,
    decoderLayers,
    decoderHeads,
    headDim: dModel / decoderHeads,
    vocabSize,
    maxPositions,
    maxSourceLength,
    generation,
    tokenizerJson,
    tokenizerConfig,
  };
}

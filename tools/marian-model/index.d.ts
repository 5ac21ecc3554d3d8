// Types of index.mjs (plain ESM, no build step).
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';

/** Options of {@link buildMarianModelDir}. Sizes apply to the encoder and the decoder alike. */
export interface BuildMarianModelDirOptions {
  /** Directory to write (created if needed). Files of the same names are replaced, decoder files not asked for removed. */
  dir: string;
  /** Seed of the weights: the same seed (and sizes) gives byte-identical files. Default 1. */
  seed?: number;
  /** Vocabulary size, the three special tokens included (`</s>` 0, `<unk>` 1, `<pad>` last). 85 to 7864; default 1000. */
  vocabSize?: number;
  /** Hidden size (d_model); even. Default 64. */
  dModel?: number;
  /** Encoder layers and decoder layers (each). Default 2. */
  layers?: number;
  /** Attention heads; must divide dModel. Default 4. */
  heads?: number;
  /** Feed-forward size. Default 128. */
  ffnDim?: number;
  /** max_position_embeddings: rows of the sinusoidal position table, so the longest input and output (max_length and model_max_length are min(512, maxPositions)). Default 512. */
  maxPositions?: number;
  /**
   * Which decoder files to write: `true` decoder_model_merged.onnx only, `false` decoder_model.onnx +
   * decoder_with_past_model.onnx only, `'both'` (default) all three, as the Xenova/opus-mt repositories ship.
   */
  merged?: boolean | 'both';
}

/** The generation_config.json written, as transformers writes it for opus-mt models. */
export interface MarianGenerationConfigJson {
  bad_words_ids: number[][];
  bos_token_id: number;
  decoder_start_token_id: number;
  eos_token_id: number;
  forced_eos_token_id: number;
  max_length: number;
  num_beams: number;
  pad_token_id: number;
  transformers_version: string;
}

/** What {@link buildMarianModelDir} wrote. */
export interface MarianModelDir {
  dir: string;
  /** File names written into `dir`. */
  files: string[];
  /** config.json (model_type "marian" and the transformers fields of opus-mt-tr-en, with this model's sizes). */
  config: Record<string, unknown> & {
    model_type: 'marian';
    d_model: number;
    encoder_layers: number;
    decoder_layers: number;
    encoder_attention_heads: number;
    decoder_attention_heads: number;
    vocab_size: number;
    decoder_start_token_id: number;
    pad_token_id: number;
    eos_token_id: number;
    max_position_embeddings: number;
  };
  generationConfig: MarianGenerationConfigJson;
  /** The Unigram vocabulary of tokenizer.json, `[piece, score]` in id order. */
  vocab: Array<[piece: string, score: number]>;
  specialTokens: { eos: number; unk: number; pad: number; decoderStart: number };
}

/**
 * Writes a small Marian translation model directory in the layout `optimum-cli export onnx --task
 * text2text-generation-with-past` and the Xenova/opus-mt repositories use: encoder_model.onnx, the decoder
 * files {@link BuildMarianModelDirOptions.merged} asks for, config.json, generation_config.json, tokenizer.json
 * (SentencePiece Unigram, Metaspace) and tokenizer_config.json. The graphs have Marian's ops and Optimum's
 * input/output names; the weights are seeded noise plus a wired cross-attention aligner that makes the model
 * "translate" token by token and stop at the source's end (see README.md). Takes about 0.1 s at the defaults.
 */
export function buildMarianModelDir(options: BuildMarianModelDirOptions): Promise<MarianModelDir>;

/** Sentences the test tokenizer encodes without `<unk>` and decodes back to the same string (66). */
export const MARIAN_ROUND_TRIP_SENTENCES: readonly string[];
/**
 * Inputs the vocabulary cannot reproduce as written (6): characters outside it (each run becomes `<unk>`)
 * and text the normalizer changes (NFKC, runs of spaces).
 */
export const MARIAN_SPECIAL_SENTENCES: readonly string[];
/** {@link MARIAN_ROUND_TRIP_SENTENCES} then {@link MARIAN_SPECIAL_SENTENCES} (72). */
export const MARIAN_TEST_SENTENCES: readonly string[];

/**
 * Generation parameters, named as in generation_config.json (and passed to transformers.js as such).
 * Unset ones come from the directory's generation_config.json (num_beams 4 for these models), then
 * transformers.js's defaults; without max_length or max_new_tokens, max_new_tokens is 256 as in the
 * translation pipeline.
 */
export interface MarianGenerationOptions {
  max_new_tokens?: number;
  max_length?: number;
  min_length?: number;
  min_new_tokens?: number;
  num_beams?: number;
  /** Sampling as transformers.js does it (top_k, default 50, then temperature; no top_p); needs `seed`. */
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  length_penalty?: number;
  early_stopping?: boolean | 'never';
  no_repeat_ngram_size?: number;
  repetition_penalty?: number;
  /** Beam search only: how many of the best hypotheses to return (at most num_beams). */
  num_return_sequences?: number;
  bad_words_ids?: number[][];
  forced_eos_token_id?: number;
  eos_token_id?: number;
  pad_token_id?: number;
  decoder_start_token_id?: number;
}

/**
 * Which beam search answers for num_beams > 1: `'transformers'` (default), a port of Python transformers'
 * BeamSearchScorer (4.36 to 4.49) run on transformers.js's forward passes and logits processors;
 * `'transformers.js'`, what transformers.js 4.3.1's own generate() does, which keeps one beam (greedy).
 */
export type BeamSearchReference = 'transformers' | 'transformers.js';

/** One generated sequence. */
export interface GeneratedSequence {
  /** As generate() returns it: decoder_start_token_id first, then the generated ids, `</s>` included. */
  ids: number[];
  /** `tokenizer.decode(ids, { skip_special_tokens: true })`, as the translation pipeline's translation_text. */
  text: string;
  /** Beam search: the hypothesis score (sum of log-probabilities / generated length ** length_penalty). */
  score?: number;
}

/** The result for one input text: its best sequence, and every returned one (num_return_sequences). */
export interface Translation extends GeneratedSequence {
  sequences: GeneratedSequence[];
}

/** Where and how to load a directory into transformers.js. */
export interface TransformersJsLoadOptions {
  dir: string;
  /**
   * `'merged'`: transformers.js's own loading (from_pretrained of encoder_model.onnx + decoder_model_merged.onnx).
   * `'split'`: decoder_model.onnx on the first step, decoder_with_past_model.onnx after it (transformers.js
   * cannot load these itself; see README.md). Default: merged when decoder_model_merged.onnx exists.
   */
  decoder?: 'merged' | 'split';
  /** ONNX Runtime session options. Default {@link DEFAULT_SESSION_OPTIONS}. */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** `{ intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } }` */
export const DEFAULT_SESSION_OPTIONS: Readonly<InferenceSession.SessionOptions>;

/** A token sequence of a text, `</s>` appended as the post-processor does. */
export interface EncodedText {
  ids: number[];
  tokens: string[];
}

/** A directory loaded into transformers.js, kept for repeated generation (benchmarks, many tests). */
export interface TransformersJsTranslator {
  dir: string;
  decoder: 'merged' | 'split';
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  /** Translates each text on its own (batch 1; num_beams rows for beam search). */
  generate(texts: readonly string[], options?: MarianGenerationOptions & { beamSearch?: BeamSearchReference; seed?: number }): Promise<Translation[]>;
  encode(texts: readonly string[]): EncodedText[];
  /** Decodes each id sequence (skip_special_tokens true unless `options` says otherwise). */
  decode(ids: readonly (readonly number[])[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string[];
  dispose(): Promise<unknown>;
}

/**
 * Loads `dir` into transformers.js (@huggingface/transformers 4.3.1, the CPU onnxruntime-node backend) fully
 * offline: env.allowRemoteModels false, env.useFSCache false, local_files_only, the ONNX files read from `dir`
 * itself (subfolder ''). Loads once per directory, decoder choice and session options in a process; the
 * promise is shared by later calls (so rebuild into a new directory rather than over a loaded one).
 */
export function loadTransformersJsTranslator(options: TransformersJsLoadOptions): Promise<TransformersJsTranslator>;

/** Releases the sessions of every translator loaded so far. */
export function disposeTransformersJsTranslators(): Promise<void>;

/**
 * Translates `texts` with transformers.js, one text at a time: greedy (num_beams 1) with transformers.js's
 * generate(); beam search as {@link BeamSearchReference} says. Sampling (do_sample) needs `seed`: transformers.js's
 * Mersenne Twister is seeded with it before each text.
 */
export function generateWithTransformersJs(
  options: TransformersJsLoadOptions & {
    texts: readonly string[];
    options?: MarianGenerationOptions;
    beamSearch?: BeamSearchReference;
    seed?: number;
  },
): Promise<Translation[]>;

/**
 * transformers.js's tokenizer for `dir` (AutoTokenizer, MarianTokenizer): the ids and tokens of `texts`, and
 * the decoded strings of `ids` (skip_special_tokens true and tokenizer_config's clean_up_tokenization_spaces,
 * unless `decodeOptions` says otherwise).
 */
export function tokenizeWithTransformersJs(options: {
  dir: string;
  texts?: readonly string[];
  ids?: readonly (readonly number[])[];
  decodeOptions?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean };
}): Promise<{ encoded: EncodedText[]; decoded: string[] }>;

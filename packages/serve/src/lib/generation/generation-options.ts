import { InvalidInputError } from '../handler.js';
import { describeValue, isPlainObject } from '../model/describe-value.js';

/**
 * How to generate, resolved: the model's defaults (generation_config.json, config.json) with a request's
 * `parameters` over them. Names and meanings are transformers' `GenerationConfig`, in camelCase.
 */
export interface GenerationOptions {
  /** Total decoder length, the start token included (transformers' `max_length`). */
  maxLength: number;
  /** No end-of-sequence before this many decoder tokens, the start token included (`min_length`). */
  minLength: number;
  /** 1: greedy or sampling; more: beam search with that many beams. */
  numBeams: number;
  /** Sequences returned, best first; at most `numBeams` with beam search, 1 with greedy decoding. */
  numReturnSequences: number;
  /** Beam scores are divided by `length ** lengthPenalty`; above 0 favours longer sequences. */
  lengthPenalty: number;
  /** Beam search stops: `true` once `numBeams` hypotheses are finished, `false` by a heuristic, `'never'` only when no beam can improve. */
  earlyStopping: boolean | 'never';
  /** Every n-gram of this size occurs at most once in a sequence (0: off). */
  noRepeatNgramSize: number;
  /** Above 1 discourages tokens already in the sequence (1: off). */
  repetitionPenalty: number;
  /** Sample instead of picking the most likely token. */
  doSample: boolean;
  temperature: number;
  /** Sampling from the k most likely tokens only (0: all). */
  topK: number;
  /** Sampling from the smallest set of tokens whose probability reaches p (1: all). */
  topP: number;
  /** Seed of the sampler: the same seed, model and input give the same text. */
  seed: number | undefined;
  /** Token sequences never generated (generation_config.json's `bad_words_ids`, e.g. the pad token). */
  badWordsIds: number[][];
  /** The end-of-sequence token(s). */
  eosTokenIds: number[];
  /** Forced as the last token when `maxLength` is reached (`forced_eos_token_id`). */
  forcedEosTokenId: number | undefined;
  /** The first decoder token. */
  decoderStartTokenId: number;
  padTokenId: number;
}

/** The request parameters {@link parseGenerationParameters} takes, snake_case as transformers names them. */
export const GENERATION_PARAMETERS = [
  'max_new_tokens',
  'max_length',
  'min_length',
  'num_beams',
  'num_return_sequences',
  'length_penalty',
  'early_stopping',
  'no_repeat_ngram_size',
  'repetition_penalty',
  'do_sample',
  'temperature',
  'top_k',
  'top_p',
  'seed',
] as const;

/** The most beams or returned sequences one request may ask for: each beam is a row of every decoding step. */
export const MAX_BEAMS = 16;

type Check = (value: unknown) => string | undefined;
const integer = (min: number, max: number): Check => (value) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max ? undefined : `expected a whole number from ${min} to ${max}`;
const number = (ok: (value: number) => boolean, expected: string): Check => (value) =>
  typeof value === 'number' && Number.isFinite(value) && ok(value) ? undefined : `expected ${expected}`;
const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'expected true or false');

/** Bounds of the request parameters; `maxLength` caps the lengths (the model's position table). */
function checks(maxLength: number): Record<(typeof GENERATION_PARAMETERS)[number], Check> {
  return {
    max_new_tokens: integer(1, maxLength - 1),
    max_length: integer(2, maxLength),
    min_length: integer(0, maxLength),
    num_beams: integer(1, MAX_BEAMS),
    num_return_sequences: integer(1, MAX_BEAMS),
    length_penalty: number(() => true, 'a number, e.g. 1.0'),
    early_stopping: (value) => (typeof value === 'boolean' || value === 'never' ? undefined : 'expected true, false or "never"'),
    no_repeat_ngram_size: integer(0, maxLength),
    repetition_penalty: number((value) => value > 0, 'a number above 0, e.g. 1.2 (1 is no penalty)'),
    do_sample: boolean,
    temperature: number((value) => value > 0, 'a number above 0, e.g. 0.7'),
    top_k: integer(0, 1_000_000),
    top_p: number((value) => value > 0 && value <= 1, 'a number above 0 and at most 1, e.g. 0.9'),
    seed: integer(0, 2 ** 32 - 1),
  };
}

/**
 * A request's `parameters` over the model's defaults. Unknown keys, wrong types and values out of range are
 * {@link InvalidInputError}s at `parameters.<key>` (answered 400), as are combinations generation cannot
 * honour: more sequences than beams, beams with sampling.
 *
 * @param maxPositions - the longest decoder sequence the model can take (its position table)
 */
export function parseGenerationParameters(parameters: unknown, defaults: GenerationOptions, maxPositions: number): GenerationOptions {
  const options: GenerationOptions = { ...defaults };
  if (parameters === undefined || parameters === null) return options;
  if (!isPlainObject(parameters)) {
    throw new InvalidInputError('parameters', `expected an object such as {"num_beams": 4, "max_new_tokens": 64}, got ${describeValue(parameters)}`);
  }
  const known = checks(maxPositions);
  for (const [key, value] of Object.entries(parameters)) {
    const check = (known as Record<string, Check | undefined>)[key];
    if (check === undefined) {
      // The pipeline's own names are the ones people copy; say which to use.
      const hint = key === 'max_tokens' || key === 'maxNewTokens' ? '; did you mean max_new_tokens?' : key === 'beams' ? '; did you mean num_beams?' : '';
      throw new InvalidInputError(`parameters.${key}`, `unknown parameter${hint}; known parameters: ${GENERATION_PARAMETERS.join(', ')}`);
    }
    if (value === null) continue;
    const problem = check(value);
    if (problem) throw new InvalidInputError(`parameters.${key}`, `${problem}, got ${describeValue(value)}`);
  }
  const p = parameters as Partial<Record<(typeof GENERATION_PARAMETERS)[number], unknown>>;
  const take = <T>(key: (typeof GENERATION_PARAMETERS)[number]): T | undefined => (p[key] === null || p[key] === undefined ? undefined : (p[key] as T));
  if (take('max_new_tokens') !== undefined && take('max_length') !== undefined) {
    throw new InvalidInputError('parameters.max_new_tokens', 'give max_new_tokens or max_length, not both');
  }
  const maxNewTokens = take<number>('max_new_tokens');
  // The decoder starts from one token (decoder_start_token_id): max_length counts it, max_new_tokens does not.
  options.maxLength = maxNewTokens !== undefined ? maxNewTokens + 1 : (take<number>('max_length') ?? defaults.maxLength);
  options.minLength = take<number>('min_length') ?? defaults.minLength;
  options.numBeams = take<number>('num_beams') ?? defaults.numBeams;
  options.lengthPenalty = take<number>('length_penalty') ?? defaults.lengthPenalty;
  options.earlyStopping = take<boolean | 'never'>('early_stopping') ?? defaults.earlyStopping;
  options.noRepeatNgramSize = take<number>('no_repeat_ngram_size') ?? defaults.noRepeatNgramSize;
  options.repetitionPenalty = take<number>('repetition_penalty') ?? defaults.repetitionPenalty;
  options.doSample = take<boolean>('do_sample') ?? defaults.doSample;
  options.temperature = take<number>('temperature') ?? defaults.temperature;
  options.topK = take<number>('top_k') ?? defaults.topK;
  options.topP = take<number>('top_p') ?? defaults.topP;
  options.seed = take<number>('seed') ?? defaults.seed;
  if (options.doSample && take<number>('num_beams') === undefined) options.numBeams = 1;
  if (options.doSample && options.numBeams > 1) {
    throw new InvalidInputError('parameters.num_beams', `beam search does not sample: with do_sample true, num_beams must be 1, got ${options.numBeams}`);
  }
  options.numReturnSequences = take<number>('num_return_sequences') ?? 1;
  if (options.numReturnSequences > 1 && !options.doSample && options.numReturnSequences > options.numBeams) {
    throw new InvalidInputError(
      'parameters.num_return_sequences',
      `${options.numReturnSequences} sequences need at least as many beams; set num_beams to ${options.numReturnSequences} or more (it is ${options.numBeams}), or do_sample true`,
    );
  }
  if (options.minLength > options.maxLength) {
    throw new InvalidInputError('parameters.min_length', `${options.minLength} is more than the maximum length ${options.maxLength}; lower min_length or raise max_new_tokens`);
  }
  return options;
}

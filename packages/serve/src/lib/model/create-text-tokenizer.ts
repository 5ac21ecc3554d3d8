import { Tokenizer } from '@huggingface/tokenizers';
import { describeValue, isPlainObject } from './describe-value.js';
import { compileWordLevelWords } from './word-level-words.js';
import type { FailFile } from './read-classifier-config.js';

/** The token ids of one text, special tokens included, ready to be padded into a batch. */
export interface EncodedText {
  ids: number[];
  /** Token type (segment) ids, as the post-processor gives them: all 0 for one text with BERT's template. */
  typeIds: number[];
}

/** Turns texts into model inputs as the Hugging Face tokenizers would, with truncation. */
export interface TextTokenizer {
  /** Tokenizes, truncates the text's own tokens so the result fits `maxLength`, then adds the special tokens. */
  encode(text: string): EncodedText;
  /** The longest sequence `encode` returns, special tokens included. */
  readonly maxLength: number;
  /** The id batches are padded with (under attention mask 0, but position ids of some models derive from it). */
  readonly padId: number;
  /** The token type id of padding. */
  readonly padTypeId: number;
  /** How many special tokens `encode` adds to every text, e.g. 2 for `[CLS] ... [SEP]`. */
  readonly numSpecialTokens: number;
}

/** Inputs of {@link createTextTokenizer}: the parsed files and where errors go. */
export interface CreateTextTokenizerParams {
  tokenizerJson: Record<string, unknown>;
  /** Parsed tokenizer_config.json, when the directory has one. */
  tokenizerConfig: Record<string, unknown> | undefined;
  /** A maximum length the caller asked for; wins over tokenizer_config.json. */
  maxLength: number | undefined;
  /** From config.json: the default max length never exceeds the model's position table. */
  maxPositionEmbeddings: number | undefined;
  failTokenizer: FailFile;
  failTokenizerConfig: FailFile;
  /** Internal, for the parity test: `false` always uses @huggingface/tokenizers (see compileWordLevelWords). */
  fastPath?: boolean;
}

/** Used when neither the caller nor tokenizer_config.json says: BERT's length, which most encoders share. */
const DEFAULT_MAX_LENGTH = 512;
const MODEL_TYPES = ['WordPiece', 'WordLevel', 'BPE', 'Unigram'];
const POST_PROCESSOR_TYPES = 'TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence';

type PostProcess = (encoded: EncodedText) => EncodedText;

/**
 * The part of the library's `Tokenizer` used here. The package's .d.ts files import each other without file
 * extensions, which NodeNext resolution cannot follow, so its own types arrive as `any`.
 */
interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: Array<number | undefined>; tokens: string[] };
  token_to_id(token: string): number | undefined;
}
const LibraryTokenizer = Tokenizer as unknown as new (tokenizerJson: object, config: object) => LibraryTokenizer;

/**
 * Builds the tokenizer of a model directory from tokenizer.json (and tokenizer_config.json).
 *
 * `@huggingface/tokenizers` has no truncation or padding, so only its encoding of the text itself is used; the
 * special tokens are added here from the post-processor's description in tokenizer.json, after truncating the
 * text's tokens, which is how the Rust tokenizers truncate (the `[SEP]` survives truncation).
 */
export function createTextTokenizer(params: CreateTextTokenizerParams): TextTokenizer {
  const { tokenizerJson, tokenizerConfig = {} } = params;
  // Explicitly typed, so that TypeScript knows these never return.
  const failTokenizer: FailFile = params.failTokenizer;
  const failTokenizerConfig: FailFile = params.failTokenizerConfig;

  const model = tokenizerJson['model'];
  if (!isPlainObject(model)) {
    failTokenizer(`"model" is missing or not an object (got ${describeValue(model)}); save the tokenizer with tokenizer.save_pretrained() or tokenizers' Tokenizer.save()`);
  }
  const modelType = model['type'];
  if (modelType !== undefined && (typeof modelType !== 'string' || !MODEL_TYPES.includes(modelType))) {
    failTokenizer(`model.type ${describeValue(modelType)} is not supported; supported: ${MODEL_TYPES.join(', ')}`);
  }
  if (typeof model['vocab'] !== 'object' || model['vocab'] === null) {
    failTokenizer(`model.vocab is missing; the tokenizer's vocabulary must be saved in the file`);
  }

  const postProcess = compilePostProcessor(tokenizerJson['post_processor'], 'post_processor', failTokenizer);

  const config = {
    // The library reads WordLevel's unknown token from the tokenizer config, not from tokenizer.json's model,
    // and leaves unknown words without an id otherwise.
    unk_token: (modelType === 'WordLevel' ? stringOrUndefined(model['unk_token']) : undefined) ??
      tokenContent(tokenizerConfig['unk_token'], 'unk_token', failTokenizerConfig),
    eos_token: tokenContent(tokenizerConfig['eos_token'], 'eos_token', failTokenizerConfig),
  };
  let tokenizer: LibraryTokenizer;
  try {
    tokenizer = new LibraryTokenizer(
      {
        // The library dereferences every one of these; files written by hand may leave some out.
        normalizer: null,
        decoder: null,
        ...tokenizerJson,
        // Special tokens are added here, after truncation (see compilePostProcessor).
        post_processor: null,
        added_tokens: Array.isArray(tokenizerJson['added_tokens']) ? tokenizerJson['added_tokens'] : [],
        pre_tokenizer: withUnicodeWhitespace(tokenizerJson['pre_tokenizer'] ?? null),
      },
      config,
    );
  } catch (error) {
    failTokenizer(`@huggingface/tokenizers cannot read it (${(error as Error).message}); save it again with a recent tokenizers or transformers`);
  }

  if (modelType === 'WordLevel' || modelType === 'WordPiece') {
    const unk = model['unk_token'];
    if (typeof unk !== 'string') {
      failTokenizer(`model.unk_token is missing; a ${modelType} tokenizer needs it for words outside its vocabulary: add "unk_token": "[UNK]" (a token of model.vocab)`);
    }
    if (tokenizer.token_to_id(unk) === undefined) {
      failTokenizer(`model.unk_token ${JSON.stringify(unk)} is not in model.vocab; add it to the vocabulary or name a token that is in it`);
    }
  }

  const numSpecialTokens = postProcess({ ids: [], typeIds: [] }).ids.length;
  const maxLength = resolveMaxLength(params, tokenizerConfig, numSpecialTokens);
  const truncateLeft = tokenizerConfig['truncation_side'] === 'left' ||
    (isPlainObject(tokenizerJson['truncation']) && tokenizerJson['truncation']['direction'] === 'Left');
  const budget = maxLength - numSpecialTokens;
  const padding = isPlainObject(tokenizerJson['padding']) ? tokenizerJson['padding'] : undefined;

  const fastEncode = params.fastPath === false ? undefined : compileWordLevelWords(tokenizerJson, model, tokenizer.token_to_id(String(model['unk_token'])));

  return {
    maxLength,
    numSpecialTokens,
    padId: resolvePadId(tokenizer, padding, tokenizerConfig, failTokenizerConfig),
    padTypeId: typeof padding?.['pad_type_id'] === 'number' ? padding['pad_type_id'] : 0,
    encode(text: string): EncodedText {
      const fast = fastEncode?.(text, truncateLeft ? Infinity : budget);
      if (fast) {
        const ids = truncateLeft && fast.length > budget ? fast.slice(fast.length - budget) : fast;
        return postProcess({ ids, typeIds: new Array<number>(ids.length).fill(0) });
      }
      const encoding = tokenizer.encode(text, { add_special_tokens: false });
      // Guarded at load for WordLevel and WordPiece; other models could still leave a token without an id.
      const missing = encoding.ids.findIndex((id) => id === undefined);
      if (missing !== -1) {
        failTokenizer(`the token ${JSON.stringify(encoding.tokens[missing])} has no id and the tokenizer has no unknown token; add "unk_token" to the model`);
      }
      let ids = encoding.ids as number[];
      if (ids.length > budget) ids = truncateLeft ? ids.slice(ids.length - budget) : ids.slice(0, budget);
      return postProcess({ ids, typeIds: new Array<number>(ids.length).fill(0) });
    },
  };
}

function resolveMaxLength(params: CreateTextTokenizerParams, tokenizerConfig: Record<string, unknown>, numSpecialTokens: number): number {
  let maxLength: number;
  if (params.maxLength !== undefined) {
    maxLength = params.maxLength;
  } else {
    const configured = tokenizerConfig['model_max_length'];
    // transformers writes int(1e30) when a checkpoint does not say, which means "unknown", not "unlimited".
    if (typeof configured === 'number' && Number.isSafeInteger(configured) && configured > 0) {
      maxLength = configured;
    } else if (typeof configured === 'number' && configured > Number.MAX_SAFE_INTEGER) {
      maxLength = Math.min(DEFAULT_MAX_LENGTH, params.maxPositionEmbeddings ?? DEFAULT_MAX_LENGTH);
    } else if (configured !== undefined && configured !== null) {
      params.failTokenizerConfig(`model_max_length must be a positive integer, got ${describeValue(configured)}; set it to the longest sequence the model takes, e.g. 512`);
    } else {
      maxLength = Math.min(DEFAULT_MAX_LENGTH, params.maxPositionEmbeddings ?? DEFAULT_MAX_LENGTH);
    }
  }
  if (maxLength <= numSpecialTokens) {
    const message = `a max length of ${maxLength} leaves no room for text: the tokenizer adds ${numSpecialTokens} special tokens to every text; use at least ${numSpecialTokens + 1}`;
    if (params.maxLength !== undefined) throw new Error(`maxLength: ${message}`);
    params.failTokenizerConfig(`model_max_length: ${message}`);
  }
  return maxLength;
}

/**
 * The pad id, from the first that says: tokenizer.json's padding, tokenizer_config.json's pad_token, a `[PAD]`
 * or `<pad>` token of the vocabulary; else 0. It matters beyond the attention mask: RoBERTa-style models
 * number positions by counting non-pad ids.
 */
function resolvePadId(
  tokenizer: LibraryTokenizer,
  padding: Record<string, unknown> | undefined,
  tokenizerConfig: Record<string, unknown>,
  failTokenizerConfig: FailFile,
): number {
  const padId = padding?.['pad_id'];
  if (typeof padId === 'number' && Number.isInteger(padId) && padId >= 0) return padId;
  const padToken = tokenContent(tokenizerConfig['pad_token'], 'pad_token', failTokenizerConfig);
  if (padToken !== undefined) {
    const id = tokenizer.token_to_id(padToken);
    if (id === undefined) {
      failTokenizerConfig(`pad_token ${JSON.stringify(padToken)} is not in tokenizer.json's vocabulary; name a token that is, or remove pad_token`);
    }
    return id;
  }
  return tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
}

/** The content of a special-token field of tokenizer_config.json: a string, or an AddedToken object. */
function tokenContent(value: unknown, field: string, fail: FailFile): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isPlainObject(value) && typeof value['content'] === 'string') return value['content'];
  fail(`${field} must be a token (a string, or {"content": string}), got ${describeValue(value)}`);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The library's Whitespace pre-tokenizer matches `\w` in JavaScript's sense, ASCII only, and so splits "café"
 * into "caf" + "é"; the Rust tokenizers mean Unicode word characters. The same pattern as a Split
 * pre-tokenizer goes through the library's regex translation, which does mean Unicode.
 */
function withUnicodeWhitespace(preTokenizer: unknown): unknown {
  if (!isPlainObject(preTokenizer)) return preTokenizer;
  if (preTokenizer['type'] === 'Whitespace') {
    return { type: 'Split', pattern: { Regex: '\\w+|[^\\w\\s]+' }, behavior: 'Removed', invert: true };
  }
  if (preTokenizer['type'] === 'Sequence' && Array.isArray(preTokenizer['pretokenizers'])) {
    return { ...preTokenizer, pretokenizers: preTokenizer['pretokenizers'].map(withUnicodeWhitespace) };
  }
  return preTokenizer;
}

/** The post-processor of tokenizer.json as a function on ids, so it can run after truncation. */
function compilePostProcessor(config: unknown, path: string, fail: FailFile): PostProcess {
  if (config === undefined || config === null) return (encoded) => encoded;
  if (!isPlainObject(config)) fail(`${path} must be an object or null, got ${describeValue(config)}`);
  switch (config['type']) {
    case 'TemplateProcessing':
      return compileTemplate(config, path, fail);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = specialPair(config['cls'], `${path}.cls`, fail);
      const sep = specialPair(config['sep'], `${path}.sep`, fail);
      return ({ ids, typeIds }) => ({ ids: [cls, ...ids, sep], typeIds: [0, ...typeIds, 0] });
    }
    case 'ByteLevel':
      // Only adjusts offsets, which serve does not use.
      return (encoded) => encoded;
    case 'Sequence': {
      const processors = config['processors'];
      if (!Array.isArray(processors)) fail(`${path}.processors must be an array`);
      const steps = processors.map((step, index) => compilePostProcessor(step, `${path}.processors[${index}]`, fail));
      return (encoded) => steps.reduce((current, step) => step(current), encoded);
    }
    default:
      fail(`${path}.type ${describeValue(config['type'])} is not supported; supported: ${POST_PROCESSOR_TYPES}`);
  }
}

function specialPair(value: unknown, path: string, fail: FailFile): number {
  if (!Array.isArray(value) || typeof value[1] !== 'number') fail(`${path} must be [token, id], got ${describeValue(value)}`);
  return value[1];
}

/** TemplateProcessing's `single` template; a special token may stand for several ids, as in the Rust crate. */
function compileTemplate(config: Record<string, unknown>, path: string, fail: FailFile): PostProcess {
  const single = config['single'];
  const specialTokens = isPlainObject(config['special_tokens']) ? config['special_tokens'] : {};
  if (!Array.isArray(single)) fail(`${path}.single must be an array, got ${describeValue(single)}`);
  const pieces = single.map((item: unknown, index): { ids: number[]; typeId: number } | { sequenceTypeId: number } => {
    const where = `${path}.single[${index}]`;
    if (isPlainObject(item) && isPlainObject(item['SpecialToken'])) {
      const special = item['SpecialToken'];
      const entry = specialTokens[String(special['id'])];
      if (!isPlainObject(entry) || !Array.isArray(entry['ids']) || !entry['ids'].every((id) => typeof id === 'number')) {
        fail(`${where} uses the special token ${describeValue(special['id'])}, which ${path}.special_tokens does not define with its ids`);
      }
      return { ids: entry['ids'], typeId: typeIdOf(special['type_id']) };
    }
    if (isPlainObject(item) && isPlainObject(item['Sequence'])) {
      return { sequenceTypeId: typeIdOf(item['Sequence']['type_id']) };
    }
    fail(`${where} must be {"SpecialToken": ...} or {"Sequence": ...}, got ${describeValue(item)}`);
  });
  return ({ ids }) => {
    const out: EncodedText = { ids: [], typeIds: [] };
    for (const piece of pieces) {
      const pieceIds = 'ids' in piece ? piece.ids : ids;
      const typeId = 'ids' in piece ? piece.typeId : piece.sequenceTypeId;
      for (const id of pieceIds) {
        out.ids.push(id);
        out.typeIds.push(typeId);
      }
    }
    return out;
  };
}

function typeIdOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

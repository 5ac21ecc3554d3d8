// The tokenizer @vertexkit/trainer exports (normalizer Lowercase, pre-tokenizer Whitespace, model WordLevel),
// encoded without @huggingface/tokenizers: the same ids, several times faster.
//
// Written here for a measured reason. On the quickstart's held-out emails (3.6 KB, ~490 tokens after truncation
// to 512) the library takes 470 us per email, 64% of the server's main thread at 1,200 req/s: it encodes the
// whole text before serve can truncate it, walks every character through its added-token splitter even when
// there are none, and looks each word up twice. A regex pass with a Map lookup, stopping at the length limit,
// takes 72 us; this scanner, which classifies characters from a table and hashes each word while it reads it
// (no substring, no second pass for the Map's hash), takes about a third of that.
//
// The parity test (test/tokenizer-parity.test.ts) holds it to the library's ids on ASCII, accented, CJK, emoji,
// digit, added-token and random text.
import { isPlainObject } from './describe-value.js';

/**
 * The library's translation of Whitespace's `\w+|[^\w\s]+`: `\w` is these properties, and, outside a character
 * class, also the superscripts and vulgar fractions of Latin-1; `\s` is White_Space.
 */
const WORD_IN_CLASS = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}]/u;
const WORD_EXTRA = /[\u00B2\u00B3\u00B9\u00BC-\u00BE]/u;
const SPACE = /\p{White_Space}/u;

/** What a code point is to the pre-tokenizer. */
const enum CharClass {
  /** In `\w`: starts or continues a word. */
  Word = 0,
  /** ², ³, ¹, ¼, ½, ¾: in a word run (`\w+` outside a class) and in a run of other characters (`[^\w\s]+`). */
  Extra = 1,
  /** Neither a word character nor space: starts or continues a run of others. */
  Other = 2,
  Space = 3,
}

function classify(codePoint: number): CharClass {
  const char = String.fromCodePoint(codePoint);
  if (WORD_IN_CLASS.test(char)) return CharClass.Word;
  if (WORD_EXTRA.test(char)) return CharClass.Extra;
  if (SPACE.test(char)) return CharClass.Space;
  return CharClass.Other;
}

const ASCII_CLASSES = Uint8Array.from({ length: 128 }, (_, code) => classify(code));
/** Classes of the non-ASCII code points met so far (a text uses few distinct ones). */
const codePointClasses = new Map<number, CharClass>();
const classOf = (codePoint: number): CharClass => {
  if (codePoint < 128) return ASCII_CLASSES[codePoint] as CharClass;
  let found = codePointClasses.get(codePoint);
  if (found === undefined) {
    found = classify(codePoint);
    if (codePointClasses.size < 65_536) codePointClasses.set(codePoint, found);
  }
  return found;
};

/** FNV-1a over UTF-16 code units, as the scanner computes it while it reads a word. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The vocabulary as an open-addressing table keyed by that hash: ids by word, no substring needed to look up. */
class WordTable {
  readonly #words: string[] = [];
  readonly #ids: number[] = [];
  readonly #slots: Int32Array;
  readonly #mask: number;

  constructor(vocab: Map<string, number>) {
    let size = 16;
    while (size < vocab.size * 2) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (const [word, id] of vocab) {
      let hash = FNV_OFFSET;
      for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME);
      let slot = hash & this.#mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = this.#words.length;
      this.#words.push(word);
      this.#ids.push(id);
    }
  }

  /** The id of `text.slice(start, end)` (whose hash is `hash`), or `missing`. */
  lookup(text: string, start: number, end: number, hash: number, missing: number): number {
    const length = end - start;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const index = this.#slots[slot]!;
      if (index === -1) return missing;
      const word = this.#words[index]!;
      if (word.length !== length) continue;
      let i = 0;
      while (i < length && word.charCodeAt(i) === text.charCodeAt(start + i)) i++;
      if (i === length) return this.#ids[index]!;
    }
  }
}

/**
 * The Lowercase + Whitespace + WordLevel encoder of a tokenizer.json, when it is of that kind.
 *
 * @param unkId the id of model.unk_token (checked by the caller).
 * @returns undefined when the tokenizer is of another kind (the caller uses the library); else an encoder of
 *   `(text, limit)` to at most `limit` ids, which returns undefined for a text that contains an added token
 *   (`[CLS]` typed by a user), which the library splits out first.
 */
export function compileWordLevelWords(
  tokenizerJson: Record<string, unknown>,
  model: Record<string, unknown>,
  unkId: number | undefined,
): ((text: string, limit: number) => number[] | undefined) | undefined {
  const normalizer = tokenizerJson['normalizer'] ?? null;
  const lowercase = isPlainObject(normalizer) && normalizer['type'] === 'Lowercase';
  const preTokenizer = tokenizerJson['pre_tokenizer'];
  if (
    model['type'] !== 'WordLevel' ||
    unkId === undefined ||
    !(normalizer === null || lowercase) ||
    !(isPlainObject(preTokenizer) && preTokenizer['type'] === 'Whitespace') ||
    !isPlainObject(model['vocab'])
  ) {
    return undefined;
  }
  // The library's map of the vocabulary: its Legacy model (which WordLevel is) from model.vocab, then the added
  // tokens over it.
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model['vocab'])) {
    if (typeof id === 'number') vocab.set(token, id);
  }
  // Added tokens, as the library matches them: `normalized` ones (by default those not `special`) in the
  // normalized text, the others in the text.
  const raw: string[] = [];
  const normalizedTokens: string[] = [];
  for (const token of Array.isArray(tokenizerJson['added_tokens']) ? tokenizerJson['added_tokens'] : []) {
    if (!isPlainObject(token) || typeof token['content'] !== 'string') return undefined;
    const content = token['content'];
    if (typeof token['id'] === 'number') vocab.set(content, token['id']);
    if (content === '') continue;
    const normalized = typeof token['normalized'] === 'boolean' ? token['normalized'] : token['special'] !== true;
    if (normalized && lowercase) normalizedTokens.push(content.toLowerCase());
    else raw.push(content);
  }
  const table = new WordTable(vocab);

  return (text, limit) => {
    if (raw.some((token) => text.includes(token))) return undefined;
    const normalized = lowercase ? text.toLowerCase() : text;
    if (normalizedTokens.some((token) => normalized.includes(token))) return undefined;
    const ids: number[] = [];
    const length = normalized.length;
    let i = 0;
    while (i < length && ids.length < limit) {
      let code = normalized.charCodeAt(i);
      let codePoint = code < 0xd800 || code > 0xdbff ? code : (normalized.codePointAt(i) as number);
      let kind = classOf(codePoint);
      if (kind === CharClass.Space) {
        i += codePoint > 0xffff ? 2 : 1;
        continue;
      }
      // A run starting with a word character (or ², ½...) is a word: `\w+` with the extras; any other is a run of
      // characters that are neither word characters (without the extras) nor space.
      const word = kind !== CharClass.Other;
      const start = i;
      let hash = FNV_OFFSET;
      for (;;) {
        const units = codePoint > 0xffff ? 2 : 1;
        hash = Math.imul(hash ^ code, FNV_PRIME);
        if (units === 2) hash = Math.imul(hash ^ normalized.charCodeAt(i + 1), FNV_PRIME);
        i += units;
        if (i >= length) break;
        code = normalized.charCodeAt(i);
        codePoint = code < 0xd800 || code > 0xdbff ? code : (normalized.codePointAt(i) as number);
        kind = classOf(codePoint);
        if (word ? kind > CharClass.Extra : kind < CharClass.Extra || kind === CharClass.Space) break;
      }
      ids.push(table.lookup(normalized, start, i, hash, unkId));
    }
    return ids;
  };
}

import { splitWords } from './split-words.js';

/** Padding, id 0: batches are padded with it under attention mask 0, so its embedding is never read. */
export const PAD_TOKEN = '[PAD]';
/** Words seen too rarely in training (or never) map here, and its embedding is trained on them. */
export const UNK_TOKEN = '[UNK]';
export const PAD_ID = 0;
export const UNK_ID = 1;

/** The word-level vocabulary: ids are positions in `tokens`; 0 and 1 are `[PAD]` and `[UNK]`. */
export class Vocabulary {
  readonly tokens: readonly string[];
  readonly #ids: Map<string, number>;

  constructor(tokens: readonly string[]) {
    if (tokens[PAD_ID] !== PAD_TOKEN || tokens[UNK_ID] !== UNK_TOKEN) {
      throw new Error(`a vocabulary starts with ${PAD_TOKEN} and ${UNK_TOKEN}`);
    }
    this.tokens = tokens;
    this.#ids = new Map(tokens.map((token, id) => [token, id]));
    if (this.#ids.size !== tokens.length) throw new Error('a vocabulary lists each token once');
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a word, `[UNK]`'s when the word is not in the vocabulary. */
  idOf(word: string): number {
    return this.#ids.get(word) ?? UNK_ID;
  }

  /** A text's token ids, truncated to its first `maxLength` words, as `@vertexkit/serve` encodes it. */
  encode(text: string, maxLength: number): Int32Array {
    const words = splitWords(text, maxLength);
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) ids[i] = this.idOf(words[i]!);
    return ids;
  }
}

/** Options of {@link buildVocabulary}. */
export interface BuildVocabularyOptions {
  /** Words seen fewer times than this map to `[UNK]`. */
  minCount: number;
  /** At most this many tokens, `[PAD]` and `[UNK]` included: the most frequent words win. */
  maxSize: number;
  /** Only the first `maxLength` words of each text count, as only those are ever encoded. */
  maxLength: number;
}

/**
 * Counts the words of the training texts and keeps the frequent ones, most frequent first, ties broken by
 * the word itself so that the ids do not depend on the order of the examples' discovery.
 */
export function buildVocabulary(texts: Iterable<string>, options: BuildVocabularyOptions): Vocabulary {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const word of splitWords(text, options.maxLength)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const words = [...counts]
    .filter(([word, count]) => count >= options.minCount && word !== PAD_TOKEN && word !== UNK_TOKEN)
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, Math.max(0, options.maxSize - 2))
    .map(([word]) => word);
  return new Vocabulary([PAD_TOKEN, UNK_TOKEN, ...words]);
}

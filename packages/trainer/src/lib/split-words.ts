/**
 * The pre-tokenization the exported tokenizer.json describes (normalizer Lowercase, pre-tokenizer Whitespace:
 * `\w+|[^\w\s]+` with Unicode word characters), written out so the trainer needs no tokenizer library.
 * The character classes are the ones `@huggingface/tokenizers` (which `@vertexkit/serve` uses) gives `\w` and
 * `\s`; the tokenizer parity test holds the two together on ASCII, accented, CJK, emoji and digit text.
 */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}';
const WORD_PATTERN = new RegExp(`[${WORD}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE]+|[^${WORD}\\p{White_Space}]+`, 'gu');

/**
 * Splits a text into the words the tokenizer maps to ids: lowercased, runs of word characters and runs of
 * other non-space characters. `limit` stops after that many words (texts are truncated anyway).
 */
export function splitWords(text: string, limit = Infinity): string[] {
  const words: string[] = [];
  if (limit <= 0) return words;
  const pattern = new RegExp(WORD_PATTERN);
  const lower = text.toLowerCase();
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(lower)) !== null) {
    words.push(match[0]);
    if (words.length >= limit) break;
  }
  return words;
}

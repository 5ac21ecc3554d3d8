// The WordLevel fast path of createTextTokenizer (Lowercase + Whitespace + WordLevel, as @vertexkit/trainer
// exports its tokenizer) against @huggingface/tokenizers itself, on the same tokenizer.json: every text must give
// the same ids, truncated the same way, with and without added tokens, on ASCII, accented, CJK, emoji, digit,
// whitespace-variant and random text.
import { describe, expect, it } from 'vitest';
import { createTextTokenizer, type TextTokenizer } from '../src/lib/model/create-text-tokenizer.js';

const fail = (message: string): never => {
  throw new Error(message);
};

const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'free', 'money', 'now', '!', ',', '.', 'café', 'naïve', '東京', '²', 'x²', '½', '😀', 'don', "'", 't', '_', 'a_b', '42', 'ǆ', 'ß', 'i̇'];

function tokenizerJson(options: { normalizer?: unknown; addedTokens?: unknown[] } = {}): Record<string, unknown> {
  const vocab = Object.fromEntries(WORDS.map((word, id) => [word, id]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: options.addedTokens ?? [],
    normalizer: options.normalizer === undefined ? { type: 'Lowercase' } : options.normalizer,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
}

function pair(json: Record<string, unknown>, options: { maxLength?: number; truncationSide?: 'left' | 'right' } = {}): [TextTokenizer, TextTokenizer] {
  const make = (fastPath: boolean) =>
    createTextTokenizer({
      tokenizerJson: json,
      tokenizerConfig: options.truncationSide ? { truncation_side: options.truncationSide } : undefined,
      maxLength: options.maxLength,
      maxPositionEmbeddings: undefined,
      failTokenizer: fail,
      failTokenizerConfig: fail,
      fastPath,
    });
  return [make(true), make(false)];
}

const TEXTS = [
  '',
  '   ',
  'Free MONEY now!!!',
  "Don't stop, won't stop.",
  'café naïve CAFÉ Naïve',
  '東京は大きい。東京タワー',
  'x² + y³ = ½ of ¼ and ²alone',
  'emoji 😀😀 mixed😀in',
  'tabs\tand\nnewlines\r\nand\u00a0nbsp\u2003em-space\u200bzero-width',
  'under_score a_b __init__ 42 4.2 1,000,000',
  'ǅungla ǄUNGLA ß STRASSE İstanbul ΣΊΣΥΦΟΣ',
  'punctuation... (brackets) [square] {curly} <angle> "quotes" «guillemets»',
  'combining e\u0301 and a\u0308 marks',
  'From: someone@example.com\nSubject: RE: [spam] Win $1,000!!!\n\nClick http://example.com/?a=1&b=2',
];

/** Random strings over a mix of scripts, spaces, punctuation and symbols (seeded: the same cases every run). */
function randomTexts(count: number, seed: number): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pieces = ['a', 'Z', 'é', 'É', 'ß', 'İ', 'Σ', '東', '😀', ' ', '\t', '\n', '\u00a0', '!', ',', "'", '_', '-', '²', '½', '7', '\u0301', '[CLS]', '[cls]', 'free', 'FREE', 'money', '$', '€', '\u200b'];
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 40) }, () => pieces[Math.floor(next() * pieces.length)]).join(''));
}

describe('WordLevel fast path vs @huggingface/tokenizers', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['Lowercase, no added tokens (as the trainer exports it)', tokenizerJson()],
    ['no normalizer', tokenizerJson({ normalizer: null })],
    [
      'special added tokens (as transformers saves them)',
      tokenizerJson({
        addedTokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      }),
    ],
    [
      'a normalized added token',
      tokenizerJson({ addedTokens: [{ id: 5, content: 'MONEY', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false }] }),
    ],
    [
      'an unnormalized added token that overrides a word of model.vocab',
      tokenizerJson({ addedTokens: [{ id: WORDS.length, content: 'money', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }] }),
    ],
  ];
  const texts = [...TEXTS, ...randomTexts(2000, 7)];

  for (const [name, json] of cases) {
    it(`${name}: the same ids on ${texts.length} texts`, () => {
      const [fast, library] = pair(json);
      for (const text of texts) expect(fast.encode(text), JSON.stringify(text)).toEqual(library.encode(text));
    });
  }

  it('truncates as the library path does, right and left', () => {
    const long = `${'free money now! '.repeat(40)}café 東京`;
    for (const truncationSide of ['right', 'left'] as const) {
      const [fast, library] = pair(tokenizerJson(), { maxLength: 7, truncationSide });
      for (const text of [long, 'free', '', ...randomTexts(300, 11)]) expect(fast.encode(text)).toEqual(library.encode(text));
      expect(fast.encode(long).ids).toHaveLength(7);
    }
  });
});

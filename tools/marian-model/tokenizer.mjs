// The Marian-style tokenizer: a SentencePiece Unigram vocabulary built from the test sentences, written as
// the tokenizer.json a SentencePiece -> tokenizers conversion (transformers' SpmConverter, as the Xenova/opus-mt
// exports use) produces, and the tokenizer_config.json transformers saves for MarianTokenizer.
import { Buffer } from 'node:buffer';
import { MARIAN_ROUND_TRIP_SENTENCES } from './sentences.mjs';

/** SentencePiece's word-boundary marker. */
export const METASPACE = '\u2581';

const TURKISH_LETTERS = 'abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ';
const DIGITS = '0123456789';
const PUNCTUATION = `.,!?;:'"()-/%`;
// Common Turkish endings, so that words without a piece of their own split into stem + suffix pieces rather
// than characters.
const SUFFIXES = [
  'lar', 'ler', 'da', 'de', 'ta', 'te', 'dan', 'den', 'tan', 'ten', 'dı', 'di', 'du', 'dü', 'tı', 'ti', 'tu', 'tü',
  'ım', 'im', 'um', 'üm', 'ın', 'in', 'un', 'ün', 'ı', 'i', 'u', 'ü', 'a', 'e', 'ya', 'ye', 'yı', 'yi', 'yu', 'yü',
  'yor', 'ıyor', 'iyor', 'uyor', 'üyor', 'acak', 'ecek', 'mak', 'mek', 'mış', 'miş', 'muş', 'müş', 'lı', 'li',
  'lu', 'lü', 'sız', 'siz', 'cı', 'ci', 'çı', 'çi', 'ki', 'mız', 'miz', 'nın', 'nin', 'sı', 'si', 'dır', 'dir',
];
// Filler syllables, so that a vocabulary larger than the test sentences need still holds plausible pieces.
const CONSONANTS = 'bcçdfgğhjklmnprsştvyz';
const VOWELS = 'aeıioöuü';

/**
 * The Unigram vocabulary of `size` entries (special tokens included), as `[piece, score]` pairs in id order:
 * `</s>` 0, `<unk>` 1, the pieces by descending score, `<pad>` last (the order of the opus-mt vocabularies).
 */
export function buildUnigramVocab(size) {
  const specials = 3;
  // Required first: every character of the alphabet and the sentences, so nothing falls back to <unk>
  // unexpectedly. Then, in the order they are dropped last to first: suffixes, stems, whole words, filler.
  const chars = new Set([...TURKISH_LETTERS, ...DIGITS, ...PUNCTUATION]);
  for (const sentence of MARIAN_ROUND_TRIP_SENTENCES) for (const char of sentence) if (char !== ' ') chars.add(char);
  const required = new Map([[METASPACE, -9], ...[...chars].map((char, i) => [char, -10.5 - (i % 7) * 0.1])]);
  if (size < required.size + specials) {
    throw new Error(`vocabSize: ${size} cannot hold the ${required.size} characters and 3 special tokens the test sentences need; use at least ${required.size + specials}`);
  }

  const words = new Map();
  for (const sentence of MARIAN_ROUND_TRIP_SENTENCES) {
    for (const word of sentence.split(' ')) {
      // Punctuation and apostrophes are pieces of their own, as SentencePiece usually learns them.
      // Only the first part of a word follows a space (İstanbul'a: ▁İstanbul ' a).
      word.split(/([.,!?'])/).forEach((part, i) => {
        if (part && !/^[.,!?']$/.test(part)) {
          const key = (i === 0 ? METASPACE : '') + part;
          words.set(key, (words.get(key) ?? 0) + 1);
        }
      });
    }
  }
  const wholeWords = new Map();
  const stems = new Map();
  let index = 0;
  for (const [word, count] of words) {
    index++;
    // Two words in three (and every frequent one) get a piece of their own; the rest split into a stem piece
    // and what follows it, so the test sentences tokenize into varied pieces.
    if (count > 1 || index % 3 !== 0) {
      wholeWords.set(word, -6 - Math.min(word.length, 12) * 0.05 - (index % 5) * 0.01);
    } else {
      const cut = Math.max(word.startsWith(METASPACE) ? 3 : 2, Math.ceil(word.length * 0.6));
      stems.set(word.slice(0, cut), -8.2 - (index % 4) * 0.05);
      if (word.length > cut) stems.set(word.slice(cut), -8.4 - (index % 3) * 0.05);
    }
  }
  const suffixes = new Map(SUFFIXES.map((suffix, i) => [suffix, -7.5 - (i % 9) * 0.05]));
  const filler = new Map();
  let n = 0;
  for (const v of VOWELS) {
    for (const c of CONSONANTS) {
      filler.set(c + v, -11 - (n % 11) * 0.03);
      filler.set(METASPACE + c + v, -11.2 - (n % 13) * 0.03);
      filler.set(v + c, -11.5 - (n % 7) * 0.03);
      for (const c2 of CONSONANTS) {
        filler.set(c + v + c2, -11.8 - (n % 17) * 0.02);
        filler.set(METASPACE + c + v + c2, -11.9 - (n++ % 19) * 0.02);
      }
    }
  }

  const pieces = new Map(required);
  for (const group of [suffixes, stems, wholeWords, filler]) {
    for (const [piece, score] of group) {
      if (pieces.size + specials >= size) break;
      if (!pieces.has(piece)) pieces.set(piece, score);
    }
  }
  if (pieces.size + specials < size) {
    throw new Error(`vocabSize: at most ${pieces.size + specials} pieces can be generated; got ${size}`);
  }
  const sorted = [...pieces].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return [['</s>', 0], ['<unk>', 0], ...sorted.map(([piece, score]) => [piece, Math.fround(score)]), ['<pad>', 0]];
}

// A precompiled_charsmap that maps nothing: an empty darts-clone double array (256 zero units, so every
// first byte is a miss) and no replacement strings. transformers.js's Precompiled normalizer ignores the map
// and applies NFKC (plus SentencePiece's control/whitespace cleanup), which is what real nmt_nfkc maps do.
const EMPTY_CHARSMAP = (() => {
  const bytes = new Uint8Array(4 + 256 * 4);
  new DataView(bytes.buffer).setUint32(0, 256 * 4, true);
  return Buffer.from(bytes).toString('base64');
})();

function addedToken(id, content) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer.json for `vocab` (from {@link buildUnigramVocab}). */
export function marianTokenizerJson(vocab) {
  const pad = vocab.length - 1;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(0, '</s>'), addedToken(1, '<unk>'), addedToken(pad, '<pad>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: EMPTY_CHARSMAP },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: METASPACE, add_prefix_space: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [0], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: METASPACE, add_prefix_space: true },
    model: { type: 'Unigram', unk_id: 1, vocab },
  };
}

/** tokenizer_config.json as transformers 4.3x saves MarianTokenizer (opus-mt-tr-en). */
export function marianTokenizerConfigJson(vocab, modelMaxLength = 512) {
  const pad = vocab.length - 1;
  const entry = (content) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
  return {
    added_tokens_decoder: { 0: entry('</s>'), 1: entry('<unk>'), [pad]: entry('<pad>') },
    clean_up_tokenization_spaces: true,
    eos_token: '</s>',
    model_max_length: modelMaxLength,
    pad_token: '<pad>',
    separate_vocabs: false,
    source_lang: 'tr',
    sp_model_kwargs: {},
    target_lang: 'en',
    tokenizer_class: 'MarianTokenizer',
    unk_token: '<unk>',
  };
}

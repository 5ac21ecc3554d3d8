// The exported tokenizer.json, read by @huggingface/tokenizers (the library @vertexkit/serve uses), must give
// the token ids the trainer trained on, text for text, including after truncation.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelDirectory, trainTextClassifier, type TextClassifier } from '../src/index.js';
import { singleLabelCorpus, TRICKY_TEXTS } from './fixtures/synthetic.js';

interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}
// The package's own .d.ts files do not resolve under NodeNext (see serve's create-text-tokenizer.ts).
const LibraryTokenizer = Tokenizer as unknown as new (json: object, config: object) => LibraryTokenizer;

let dir: string;
let model: TextClassifier;
let tokenizerJson: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-tokenizer-'));
  // Tricky texts in training too, so that their words are in the vocabulary (minCount 1), not all [UNK].
  const train = [...singleLabelCorpus({ perLabel: 20 }), ...TRICKY_TEXTS.map((text, index) => ({ text, labels: [index % 2 ? 'spam' : 'ham'] }))];
  ({ best: model } = await trainTextClassifier({ train, epochs: 1, minCount: 1, maxLength: 40, seed: 3 }));
  await exportModelDirectory(model, dir);
  tokenizerJson = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tokenizer.json', () => {
  it('is a WordLevel tokenizer with Lowercase and Whitespace, [PAD] 0 and [UNK] 1', () => {
    expect(tokenizerJson).toMatchObject({
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      model: { type: 'WordLevel', unk_token: '[UNK]' },
      padding: { pad_id: 0, pad_token: '[PAD]' },
      truncation: { max_length: 40, direction: 'Right' },
    });
    const vocab = (tokenizerJson['model'] as { vocab: Record<string, number> }).vocab;
    expect(vocab['[PAD]']).toBe(0);
    expect(vocab['[UNK]']).toBe(1);
    expect(Object.keys(vocab)).toHaveLength(model.vocabulary.size);
  });

  it('gives the trainer\'s ids in @huggingface/tokenizers, with serve\'s Unicode \\w, truncated to maxLength', () => {
    // serve hands the library the Whitespace pre-tokenizer as the equivalent Split pattern, because the
    // library's own Whitespace matches ASCII \w only (see serve's create-text-tokenizer.ts). Both are checked:
    // the Split form must agree with the trainer everywhere, the plain form on ASCII.
    const unicode = new LibraryTokenizer({ ...tokenizerJson, pre_tokenizer: { type: 'Split', pattern: { Regex: '\\w+|[^\\w\\s]+' }, behavior: 'Removed', invert: true } }, { unk_token: '[UNK]' });
    const plain = new LibraryTokenizer(tokenizerJson, { unk_token: '[UNK]' });
    const texts = [...TRICKY_TEXTS, Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ')];
    for (const text of texts) {
      const expected = [...model.encode(text)];
      const ids = unicode.encode(text, { add_special_tokens: false }).ids.slice(0, model.config.maxLength);
      expect(ids, JSON.stringify(text)).toEqual(expected);
      // eslint-disable-next-line no-control-regex
      if (/^[\x00-\x7f]*$/.test(text)) {
        expect(plain.encode(text, { add_special_tokens: false }).ids.slice(0, model.config.maxLength), JSON.stringify(text)).toEqual(expected);
      }
    }
  });

  it('maps words outside the vocabulary to [UNK] and never produces [PAD]', () => {
    const ids = [...model.encode('zzyzx qwertyuiop [PAD] free')];
    expect(ids.slice(0, 2)).toEqual([1, 1]);
    expect(ids).not.toContain(0);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SESSION_OPTIONS,
  MARIAN_ROUND_TRIP_SENTENCES,
  MARIAN_SPECIAL_SENTENCES,
  MARIAN_TEST_SENTENCES,
  buildMarianModelDir,
  disposeTransformersJsTranslators,
  generateWithTransformersJs,
  loadTransformersJsTranslator,
  tokenizeWithTransformersJs,
  type MarianModelDir,
  type Translation,
} from '@vertexkit/tool-marian-model';
import { tempDirs } from './temp-dirs.js';

const MAX_NEW_TOKENS = 64;
const dirs = tempDirs();
let built: MarianModelDir;
let greedy: Translation[];
let beam: Translation[];

beforeAll(async () => {
  built = await buildMarianModelDir({ dir: await dirs.make('tjs') });
  greedy = await generateWithTransformersJs({ dir: built.dir, texts: MARIAN_TEST_SENTENCES, options: { num_beams: 1, max_new_tokens: MAX_NEW_TOKENS } });
  beam = await generateWithTransformersJs({ dir: built.dir, texts: MARIAN_TEST_SENTENCES, options: { num_beams: 4, max_new_tokens: MAX_NEW_TOKENS } });
});
afterAll(async () => {
  await disposeTransformersJsTranslators();
  await dirs.removeAll();
});

const eos = 0;
/** Generated tokens: without the decoder start token and the final </s>. */
const generatedLength = (t: Translation) => t.ids.length - 1 - (t.ids.at(-1) === eos ? 1 : 0);
const sameIds = (a: Translation[], b: Translation[]) => a.filter((t, i) => JSON.stringify(t.ids) === JSON.stringify(b[i]!.ids)).length;

function expectVaried(translations: Translation[]) {
  expect(translations).toHaveLength(MARIAN_TEST_SENTENCES.length);
  for (const t of translations) expect(t.ids[0]).toBe(built.specialTokens.decoderStart);
  // Most outputs have three tokens or more, they differ from each other, and they end on their own.
  expect(translations.filter((t) => generatedLength(t) >= 3).length).toBeGreaterThanOrEqual(0.75 * translations.length);
  expect(new Set(translations.map((t) => t.text)).size).toBeGreaterThanOrEqual(0.8 * translations.length);
  const stopped = translations.filter((t) => t.ids.at(-1) === eos && t.ids.length - 1 < MAX_NEW_TOKENS);
  expect(stopped.length).toBeGreaterThanOrEqual(0.9 * translations.length);
  // Not one token over and over.
  expect(translations.filter((t) => generatedLength(t) >= 3 && new Set(t.ids.slice(1, -1)).size === 1).length).toBeLessThan(0.1 * translations.length);
}

describe('transformers.js on the test model', () => {
  it('loads the directory offline, with the merged decoder by default', async () => {
    const translator = await loadTransformersJsTranslator({ dir: built.dir });
    expect(translator.decoder).toBe('merged');
    expect(env.allowRemoteModels).toBe(false);
    const sessions = translator.model.sessions as Record<string, { inputNames: string[] }>;
    expect(sessions.decoder_model_merged!.inputNames).toContain('use_cache_branch');
    expect(translator.tokenizer.constructor.name).toBe('MarianTokenizer');
    const empty = await dirs.make('empty');
    await expect(loadTransformersJsTranslator({ dir: empty })).rejects.toThrow(`${join(empty, 'config.json')} is missing; transformers.js needs it`);
    const splitOnly = await buildMarianModelDir({ dir: await dirs.make('split-only'), merged: false });
    expect((await loadTransformersJsTranslator({ dir: splitOnly.dir })).decoder).toBe('split');
    await expect(loadTransformersJsTranslator({ dir: splitOnly.dir, decoder: 'merged' })).rejects.toThrow('decoder_model_merged.onnx is missing');
  });

  it('translates greedily into varied outputs of several tokens that end with </s>', () => {
    expectVaried(greedy);
    for (const t of greedy) expect(t.score).toBeUndefined();
  });

  it('translates with beam search (num_beams 4) into varied outputs, on many inputs not the greedy ones', () => {
    expectVaried(beam);
    for (const t of beam) expect(t.score).toBeLessThan(0);
    // What makes the model useful for beam search parity: beams change the answer for a good share of inputs.
    expect(MARIAN_TEST_SENTENCES.length - sameIds(beam, greedy)).toBeGreaterThanOrEqual(15);
  });

  it('gives the same token ids with the merged and with the split decoder files', async () => {
    const texts = MARIAN_TEST_SENTENCES;
    const splitGreedy = await generateWithTransformersJs({ dir: built.dir, texts, decoder: 'split', options: { num_beams: 1, max_new_tokens: MAX_NEW_TOKENS } });
    const splitBeam = await generateWithTransformersJs({ dir: built.dir, texts, decoder: 'split', options: { num_beams: 4, max_new_tokens: MAX_NEW_TOKENS } });
    expect(sameIds(splitGreedy, greedy)).toBe(texts.length);
    expect(sameIds(splitBeam, beam)).toBe(texts.length);
    expect(splitBeam.map((t) => t.text)).toEqual(beam.map((t) => t.text));
  });

  it('answers as the README says', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(greedy[0]!.ids).toEqual([999, 236, 405, 279, 0]);
    expect(readme).toContain(`greedy.ids: ${JSON.stringify(greedy[0]!.ids).replaceAll(',', ', ')}`);
    expect(readme).toContain(`greedy.text: '${greedy[0]!.text}'`);
  });

  it("documents transformers.js 4.3.1's own num_beams: it keeps one beam, so it answers as greedy", async () => {
    const own = await generateWithTransformersJs({ dir: built.dir, texts: MARIAN_TEST_SENTENCES, beamSearch: 'transformers.js', options: { num_beams: 4, max_new_tokens: MAX_NEW_TOKENS } });
    expect(sameIds(own, greedy)).toBe(MARIAN_TEST_SENTENCES.length);
  });

  it('scores beams as transformers does: sum of log-probabilities over the generated length, from an uncached pass', async () => {
    const encoder = await ort.InferenceSession.create(join(built.dir, 'encoder_model.onnx'), DEFAULT_SESSION_OPTIONS);
    const decoder = await ort.InferenceSession.create(join(built.dir, 'decoder_model.onnx'), DEFAULT_SESSION_OPTIONS);
    const { encoded } = await tokenizeWithTransformersJs({ dir: built.dir, texts: MARIAN_TEST_SENTENCES.slice(0, 20) });
    const int64 = (ids: number[]) => new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    for (let i = 0; i < encoded.length; i++) {
      const { ids } = encoded[i]!;
      const mask = int64(ids.map(() => 1));
      const { last_hidden_state } = await encoder.run({ input_ids: int64(ids), attention_mask: mask });
      const sequence = beam[i]!.ids;
      const { logits } = await decoder.run({ encoder_attention_mask: mask, input_ids: int64(sequence.slice(0, -1)), encoder_hidden_states: last_hidden_state! });
      const vocab = logits!.dims[2]!;
      const data = logits!.data as Float32Array;
      let sum = 0;
      for (let t = 0; t < sequence.length - 1; t++) {
        const row = data.subarray(t * vocab, (t + 1) * vocab);
        const max = Math.max(...row);
        const logSum = max + Math.log(row.reduce((acc, x) => acc + Math.exp(x - max), 0));
        sum += row[sequence[t + 1]!]! - logSum;
      }
      expect(beam[i]!.score!, MARIAN_TEST_SENTENCES[i]).toBeCloseTo(sum / (sequence.length - 1), 3);
    }
    await Promise.all([encoder.release(), decoder.release()]);
  });

  it('returns num_return_sequences hypotheses, best first, and honours length_penalty', async () => {
    const texts = MARIAN_TEST_SENTENCES.slice(0, 10);
    const [first] = await generateWithTransformersJs({ dir: built.dir, texts: texts.slice(0, 1), options: { num_beams: 4, num_return_sequences: 3, max_new_tokens: MAX_NEW_TOKENS } });
    expect(first!.sequences).toHaveLength(3);
    expect(first!.ids).toEqual(beam[0]!.ids);
    const scores = first!.sequences.map((s) => s.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(new Set(first!.sequences.map((s) => JSON.stringify(s.ids))).size).toBe(3);
    const long = await generateWithTransformersJs({ dir: built.dir, texts, options: { num_beams: 4, length_penalty: 3, max_new_tokens: MAX_NEW_TOKENS } });
    const short = await generateWithTransformersJs({ dir: built.dir, texts, options: { num_beams: 4, length_penalty: -3, max_new_tokens: MAX_NEW_TOKENS } });
    const total = (ts: Translation[]) => ts.reduce((sum, t) => sum + t.ids.length, 0);
    expect(total(long)).toBeGreaterThan(total(short));
  });

  it('samples reproducibly with a seed', async () => {
    const texts = MARIAN_TEST_SENTENCES.slice(0, 8);
    const options = { num_beams: 1, do_sample: true, max_new_tokens: MAX_NEW_TOKENS };
    const a = await generateWithTransformersJs({ dir: built.dir, texts, options, seed: 7 });
    const b = await generateWithTransformersJs({ dir: built.dir, texts, options, seed: 7 });
    const c = await generateWithTransformersJs({ dir: built.dir, texts, options, seed: 8 });
    expect(sameIds(a, b)).toBe(texts.length);
    expect(sameIds(a, c)).toBeLessThan(texts.length);
    await expect(generateWithTransformersJs({ dir: built.dir, texts, options })).rejects.toThrow('options.do_sample: sampling needs a seed');
  });
});

describe("transformers.js's MarianTokenizer on the test tokenizer", () => {
  it('round-trips every round-trip sentence without <unk>, </s> appended', async () => {
    const { encoded } = await tokenizeWithTransformersJs({ dir: built.dir, texts: MARIAN_ROUND_TRIP_SENTENCES });
    const { decoded } = await tokenizeWithTransformersJs({ dir: built.dir, ids: encoded.map((e) => e.ids) });
    expect(decoded).toEqual(MARIAN_ROUND_TRIP_SENTENCES);
    for (const { ids, tokens } of encoded) {
      expect(ids).not.toContain(built.specialTokens.unk);
      expect(ids.at(-1)).toBe(eos);
      expect(tokens.at(-1)).toBe('</s>');
    }
    // Varied pieces: whole words, stems and suffixes, punctuation.
    const pieces = new Set(encoded.flatMap((e) => e.tokens));
    expect(pieces.size).toBeGreaterThan(200);
    expect(encoded[0]!.tokens).toEqual(['\u2581Bu', '\u2581odun', '\u2581yanmaz', '.', '</s>']);
  });

  it('maps characters outside the vocabulary to <unk> and normalizes as NFKC', async () => {
    const { encoded } = await tokenizeWithTransformersJs({ dir: built.dir, texts: MARIAN_SPECIAL_SENTENCES });
    const { decoded } = await tokenizeWithTransformersJs({ dir: built.dir, ids: encoded.map((e) => e.ids) });
    const unk = built.specialTokens.unk;
    expect(encoded.slice(0, 4).map((e) => e.ids.includes(unk))).toEqual([true, true, true, true]);
    expect(decoded.slice(0, 4)).toEqual(['Ecel dosyasını gönderdim.', 'i-Fi şifresi nedir?', 'Harika bir gün ', 'Bu kelime  demek.']);
    expect(encoded.slice(4).map((e) => e.ids.includes(unk))).toEqual([false, false]);
    expect(decoded.slice(4)).toEqual(['fiyat çok yüksek!', 'Bu odun ıslak ve Ağaç yeşil.']);
    const { decoded: raw } = await tokenizeWithTransformersJs({ dir: built.dir, ids: [encoded[0]!.ids], decodeOptions: { skip_special_tokens: false } });
    expect(raw[0]).toBe('E<unk>cel dosyasını gönderdim.</s>');
  });
});

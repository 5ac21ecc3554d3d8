import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_OPTIONS, buildMarianModelDir, tokenizeWithTransformersJs, type MarianModelDir } from '@vertexkit/tool-marian-model';
import { tempDirs } from './temp-dirs.js';

// ONNX Runtime itself (no transformers.js): every graph runs with the names and shapes Optimum exports, the
// masks and the cache do what they should, and the merged decoder's branches equal the split files.

const LAYERS = 2;
const HEADS = 4;
const HEAD_DIM = 16;
const D_MODEL = 64;
const VOCAB = 1000;

const dirs = tempDirs();
let built: MarianModelDir;
const sessions: Record<string, ort.InferenceSession> = {};

beforeAll(async () => {
  built = await buildMarianModelDir({ dir: await dirs.make('ort') });
  for (const name of ['encoder_model', 'decoder_model', 'decoder_with_past_model', 'decoder_model_merged']) {
    sessions[name] = await ort.InferenceSession.create(join(built.dir, `${name}.onnx`), DEFAULT_SESSION_OPTIONS);
  }
});
afterAll(async () => {
  await Promise.all(Object.values(sessions).map((session) => session.release()));
  await dirs.removeAll();
});

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
const kvNames = (prefix: string, parts: ('decoder' | 'encoder')[]) =>
  Array.from({ length: LAYERS }, (_, i) => parts.flatMap((part) => [`${prefix}.${i}.${part}.key`, `${prefix}.${i}.${part}.value`])).flat();
const pastNames = () => Array.from({ length: LAYERS }, (_, i) => ['decoder', 'encoder'].flatMap((part) => [`past_key_values.${i}.${part}.key`, `past_key_values.${i}.${part}.value`])).flat();

function shapes(metadata: readonly ort.InferenceSession.ValueMetadata[]) {
  return Object.fromEntries(metadata.map((meta) => [meta.name, meta.isTensor ? [meta.type, meta.shape] : null]));
}

async function encode(texts: string[]) {
  const { encoded } = await tokenizeWithTransformersJs({ dir: built.dir, texts });
  const length = Math.max(...encoded.map((e) => e.ids.length));
  const pad = built.specialTokens.pad;
  const ids = encoded.map((e) => [...e.ids, ...Array<number>(length - e.ids.length).fill(pad)]);
  const mask = encoded.map((e) => [...e.ids.map(() => 1), ...Array<number>(length - e.ids.length).fill(0)]);
  const output = await sessions.encoder_model!.run({ input_ids: int64(ids), attention_mask: int64(mask) });
  return { hidden: output.last_hidden_state!, mask: int64(mask), lengths: encoded.map((e) => e.ids.length) };
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('the graphs in ONNX Runtime', () => {
  it("declare Optimum's input and output names, types and dynamic axes", () => {
    const kv = (sequence: string) => ['float32', ['batch_size', HEADS, sequence, HEAD_DIM]];
    expect(shapes(sessions.encoder_model!.inputMetadata)).toEqual({
      input_ids: ['int64', ['batch_size', 'encoder_sequence_length']],
      attention_mask: ['int64', ['batch_size', 'encoder_sequence_length']],
    });
    expect(shapes(sessions.encoder_model!.outputMetadata)).toEqual({
      last_hidden_state: ['float32', ['batch_size', 'encoder_sequence_length', D_MODEL]],
    });

    const presentShapes = Object.fromEntries(kvNames('present', ['decoder', 'encoder']).map((name) => [name, kv(name.includes('.encoder.') ? 'encoder_sequence_length_out' : 'past_decoder_sequence_length + 1')]));
    expect(sessions.decoder_model!.inputNames).toEqual(['encoder_attention_mask', 'input_ids', 'encoder_hidden_states']);
    expect(shapes(sessions.decoder_model!.inputMetadata)).toEqual({
      encoder_attention_mask: ['int64', ['batch_size', 'encoder_sequence_length']],
      input_ids: ['int64', ['batch_size', 'decoder_sequence_length']],
      encoder_hidden_states: ['float32', ['batch_size', 'encoder_sequence_length', D_MODEL]],
    });
    expect(sessions.decoder_model!.outputNames).toEqual(['logits', ...Array.from({ length: LAYERS }, (_, i) => kvNames('present', ['decoder', 'encoder']).filter((n) => n.startsWith(`present.${i}.`))).flat()]);
    expect(shapes(sessions.decoder_model!.outputMetadata)).toEqual({ logits: ['float32', ['batch_size', 'decoder_sequence_length', VOCAB]], ...presentShapes });

    const pastShapes = Object.fromEntries(pastNames().map((name) => [name, kv(name.includes('.encoder.') ? 'encoder_sequence_length_out' : 'past_decoder_sequence_length')]));
    // torch drops encoder_hidden_states from the with-past export (the cached cross-attention replaces it), and
    // Optimum its constant cross-attention outputs.
    expect(sessions.decoder_with_past_model!.inputNames).toEqual(['encoder_attention_mask', 'input_ids', ...pastNames()]);
    expect(shapes(sessions.decoder_with_past_model!.inputMetadata)).toEqual({
      encoder_attention_mask: ['int64', ['batch_size', 'encoder_sequence_length']],
      input_ids: ['int64', ['batch_size', 1]],
      ...pastShapes,
    });
    expect(sessions.decoder_with_past_model!.outputNames).toEqual(['logits', ...kvNames('present', ['decoder'])]);
    expect(shapes(sessions.decoder_with_past_model!.outputMetadata)).toMatchObject({ logits: ['float32', ['batch_size', 1, VOCAB]] });

    expect(sessions.decoder_model_merged!.inputNames).toEqual(['encoder_attention_mask', 'input_ids', 'encoder_hidden_states', ...pastNames(), 'use_cache_branch']);
    expect(shapes(sessions.decoder_model_merged!.inputMetadata)).toEqual({
      encoder_attention_mask: ['int64', ['batch_size', 'encoder_sequence_length']],
      input_ids: ['int64', ['batch_size', 'decoder_sequence_length']],
      encoder_hidden_states: ['float32', ['batch_size', 'encoder_sequence_length', D_MODEL]],
      ...pastShapes,
      use_cache_branch: ['bool', [1]],
    });
    expect(sessions.decoder_model_merged!.outputNames).toEqual(sessions.decoder_model!.outputNames);
  });

  it('masks padding in the encoder: a padded row equals the same text alone', async () => {
    const texts = ['Bu odun yanmaz.', 'Yarın sabah erkenden yola çıkacağız.'];
    const batch = await encode(texts);
    const alone = await encode([texts[0]!]);
    const length = alone.lengths[0]!;
    const padded = batch.hidden.data as Float32Array;
    const batchLength = batch.hidden.dims[1]!;
    expect(batchLength).toBeGreaterThan(length);
    expect(maxAbsDifference(padded.subarray(0, length * D_MODEL), (alone.hidden.data as Float32Array).subarray(0, length * D_MODEL))).toBeLessThan(1e-4);
  });

  it('caches: decoding step by step with past key values gives the logits of the whole prefix at once', async () => {
    const { hidden, mask } = await encode(['Kedi masanın altında uyuyor.', 'Saat kaç?']);
    const prefix = [built.specialTokens.decoderStart, 17, 42, 7];
    const rows = [prefix, prefix.map((id, i) => (i === 0 ? id : id + 100))];
    const full = await sessions.decoder_model!.run({ encoder_attention_mask: mask, input_ids: int64(rows), encoder_hidden_states: hidden });
    expect(full.logits!.dims).toEqual([2, prefix.length, VOCAB]);
    expect(full['present.0.encoder.key']!.dims).toEqual([2, HEADS, hidden.dims[1], HEAD_DIM]);

    let step = await sessions.decoder_model!.run({ encoder_attention_mask: mask, input_ids: int64(rows.map((r) => r.slice(0, 1))), encoder_hidden_states: hidden });
    const past: Record<string, ort.Tensor> = {};
    const stepLogits: Float32Array[] = [step.logits!.data as Float32Array];
    for (let t = 1; t < prefix.length; t++) {
      for (const name of pastNames()) {
        const present = name.replace('past_key_values', 'present');
        if (name.includes('.decoder.') || !past[name]) past[name] = step[present]!;
      }
      step = await sessions.decoder_with_past_model!.run({ encoder_attention_mask: mask, input_ids: int64(rows.map((r) => [r[t]!])), ...past });
      expect(step['present.1.decoder.value']!.dims).toEqual([2, HEADS, t + 1, HEAD_DIM]);
      stepLogits.push(step.logits!.data as Float32Array);
    }
    const fullLogits = full.logits!.data as Float32Array;
    for (let t = 0; t < prefix.length; t++) {
      for (let row = 0; row < 2; row++) {
        const expected = fullLogits.subarray((row * prefix.length + t) * VOCAB, (row * prefix.length + t + 1) * VOCAB);
        const actual = stepLogits[t]!.subarray(row * VOCAB, (row + 1) * VOCAB);
        expect(maxAbsDifference(actual, expected), `row ${row} position ${t}`).toBeLessThan(1e-3);
      }
    }
  });

  it("merged: use_cache_branch false is decoder_model, true is decoder_with_past_model with empty cross-attention outputs", async () => {
    const { hidden, mask } = await encode(['Bu odun yanmaz.']);
    const start = int64([[built.specialTokens.decoderStart]]);
    const emptyPast = Object.fromEntries(pastNames().map((name) => [name, new ort.Tensor('float32', new Float32Array(0), [1, HEADS, 0, HEAD_DIM])]));
    const first = await sessions.decoder_model!.run({ encoder_attention_mask: mask, input_ids: start, encoder_hidden_states: hidden });
    const mergedFirst = await sessions.decoder_model_merged!.run({
      encoder_attention_mask: mask,
      input_ids: start,
      encoder_hidden_states: hidden,
      ...emptyPast,
      use_cache_branch: new ort.Tensor('bool', [false], [1]),
    });
    for (const name of sessions.decoder_model!.outputNames) {
      expect(mergedFirst[name]!.dims, name).toEqual(first[name]!.dims);
      expect(maxAbsDifference(mergedFirst[name]!.data as Float32Array, first[name]!.data as Float32Array), name).toBe(0);
    }

    const past = Object.fromEntries(pastNames().map((name) => [name, first[name.replace('past_key_values', 'present')]!]));
    const next = int64([[25]]);
    const withPast = await sessions.decoder_with_past_model!.run({ encoder_attention_mask: mask, input_ids: next, ...past });
    const mergedNext = await sessions.decoder_model_merged!.run({
      encoder_attention_mask: mask,
      input_ids: next,
      encoder_hidden_states: hidden,
      ...past,
      use_cache_branch: new ort.Tensor('bool', [true], [1]),
    });
    for (const name of sessions.decoder_with_past_model!.outputNames) {
      expect(maxAbsDifference(mergedNext[name]!.data as Float32Array, withPast[name]!.data as Float32Array), name).toBe(0);
    }
    // Optimum's constant outputs for what decoder_with_past_model lacks: first dynamic axis 0, the next 1.
    for (const name of kvNames('present', ['encoder'])) expect(mergedNext[name]!.dims, name).toEqual([0, HEADS, 1, HEAD_DIM]);
  });
});

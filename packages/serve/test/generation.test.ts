// Translation with @vertexkit/serve on a Marian-shaped model against the reference: transformers.js loads the same
// directory offline and generates. Greedy token ids must be identical to transformers.js's own generate(); beam
// search (num_beams 4) to the reference port of transformers' BeamSearchScorer on transformers.js's forward
// passes (transformers.js 4.3.1 itself keeps one beam). For the merged decoder and the split pair, one request
// per sentence and all of them batched together. The texts are decoded by transformers.js's tokenizer
// code (@huggingface/tokenizers) the same way, so equal ids and equal texts also check the tokenization.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildMarianModelDir, disposeTransformersJsTranslators, generateWithTransformersJs, MARIAN_SPECIAL_SENTENCES, MARIAN_TEST_SENTENCES } from '@vertexkit/tool-marian-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTextGenerationHandler, type TextGenerationHandler } from '../src/index.js';

let root: string;
let dir: string;
const handlers: TextGenerationHandler[] = [];
const SENTENCES = [...MARIAN_TEST_SENTENCES, ...MARIAN_SPECIAL_SENTENCES];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-generation-'));
  dir = path.join(root, 'marian');
  await buildMarianModelDir({ dir });
});
afterAll(async () => {
  await Promise.all(handlers.map((handler) => handler.close()));
  await disposeTransformersJsTranslators();
  await fs.rm(root, { recursive: true, force: true });
});

async function handlerFor(decoder: 'merged' | 'split'): Promise<TextGenerationHandler> {
  const handler = createTextGenerationHandler({ modelDir: dir, decoder, threads: 1 });
  handlers.push(handler);
  await handler.load();
  return handler;
}

describe.each(['merged', 'split'] as const)('the %s decoder', (decoder) => {
  it('greedy: the same token ids and texts as transformers.js, one request per sentence and all batched together', async () => {
    const handler = await handlerFor(decoder);
    const options = { num_beams: 1, max_new_tokens: 64 };
    const reference = await generateWithTransformersJs({ dir, decoder, texts: SENTENCES, options });
    const params = handler.parseParameters(options);
    const alone = [];
    for (const text of SENTENCES) alone.push((await handler.runRequest([text], params))[0]!);
    const together = await handler.runRequest(SENTENCES, params);
    const ids = reference.map((r) => r.ids);
    expect(alone.map((sequences) => sequences[0]!.tokens)).toEqual(ids);
    expect(together.map((sequences) => sequences[0]!.tokens)).toEqual(ids);
    expect(together.map((sequences) => handler.postprocess(sequences, params))).toEqual(reference.map((r) => [r.text]));
    // Not a degenerate model: varied outputs of several tokens.
    expect(new Set(ids.map((i) => i.join())).size).toBeGreaterThan(SENTENCES.length * 0.9);
  });

  it('beam search (num_beams 4): the same ids, scores and order as transformers\' beam search, three return sequences', async () => {
    const handler = await handlerFor(decoder);
    const options = { num_beams: 4, max_new_tokens: 64, num_return_sequences: 3, length_penalty: 1 };
    const reference = await generateWithTransformersJs({ dir, decoder, texts: SENTENCES, options, beamSearch: 'transformers' });
    const params = handler.parseParameters(options);
    const together = await handler.runRequest(SENTENCES, params);
    expect(together.map((sequences) => sequences.map((s) => s.tokens))).toEqual(reference.map((r) => r.sequences.map((s) => s.ids)));
    together.forEach((sequences, i) => sequences.forEach((s, j) => expect(s.score).toBeCloseTo(reference[i]!.sequences[j]!.score!, 4)));
    // Beam search finds other answers than greedy for many of them: the test would notice a beam search that is greedy.
    const greedy = await handler.runRequest(SENTENCES, handler.parseParameters({ num_beams: 1, max_new_tokens: 64 }));
    expect(together.filter((sequences, i) => sequences[0]!.tokens.join() !== greedy[i]![0]!.tokens.join()).length).toBeGreaterThan(10);
  });
});

it('beam search with length_penalty 0.6, early_stopping true and no_repeat_ngram_size 2: the reference, on the split decoder', async () => {
  const handler = await handlerFor('split');
  const options = { num_beams: 4, max_new_tokens: 32, length_penalty: 0.6, early_stopping: true, no_repeat_ngram_size: 2 };
  const reference = await generateWithTransformersJs({ dir, decoder: 'split', texts: SENTENCES.slice(0, 30), options, beamSearch: 'transformers' });
  const got = await handler.runRequest(SENTENCES.slice(0, 30), handler.parseParameters(options));
  expect(got.map((sequences) => sequences[0]!.tokens)).toEqual(reference.map((r) => r.ids));
});

it('min_length and repetition_penalty in greedy decoding: the same ids as transformers.js', async () => {
  const handler = await handlerFor('merged');
  const options = { num_beams: 1, max_new_tokens: 20, min_length: 6, repetition_penalty: 1.3 };
  const reference = await generateWithTransformersJs({ dir, decoder: 'merged', texts: SENTENCES.slice(0, 40), options });
  const got = await handler.runRequest(SENTENCES.slice(0, 40), handler.parseParameters(options));
  expect(got.map((sequences) => sequences[0]!.tokens)).toEqual(reference.map((r) => r.ids));
});

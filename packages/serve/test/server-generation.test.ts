// A translation model behind the prediction server, as a client sees it: Vertex AI's request and answer shapes,
// transformers' pipeline shape, parameters checked like any other field, server-sent events for one instance,
// and requests that arrive while others decode joining them between steps.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildMarianModelDir, disposeTransformersJsTranslators, generateWithTransformersJs, MARIAN_TEST_SENTENCES } from '@vertexkit/tool-marian-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelHandler, createTextGenerationHandler } from '../src/index.js';
import { json, startServer, type ErrorBody } from './helpers/test-server.js';

let root: string;
let dir: string;
let greedy: Map<string, string>;
const TEXTS = MARIAN_TEST_SENTENCES.slice(0, 24);

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-server-generation-'));
  dir = path.join(root, 'opus-mt-tr-en');
  await buildMarianModelDir({ dir });
  const reference = await generateWithTransformersJs({ dir, texts: TEXTS, options: { num_beams: 1, max_new_tokens: 64 } });
  greedy = new Map(TEXTS.map((text, i) => [text, reference[i]!.text]));
});
afterAll(async () => {
  await disposeTransformersJsTranslators();
  await fs.rm(root, { recursive: true, force: true });
});

const GREEDY = { num_beams: 1, max_new_tokens: 64 };

describe('the predict route', () => {
  it('answers the seed service shape: a list of texts per instance; {"text": ...} instances too', async () => {
    const { post, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const response = await post({ instances: [TEXTS[0], { text: TEXTS[1] }], parameters: GREEDY });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ predictions: [[greedy.get(TEXTS[0]!)], [greedy.get(TEXTS[1]!)]] });
  });

  it('response_format "pipeline" (or the server option) answers transformers\' pipeline objects; num_return_sequences gives several', async () => {
    const { post, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1, responseFormat: 'pipeline' }) });
    await server.ready;
    const pipeline = await json<{ predictions: unknown[][] }>(await post({ instances: [TEXTS[0]], parameters: GREEDY }));
    expect(pipeline.predictions).toEqual([[{ translation_text: greedy.get(TEXTS[0]!) }]]);
    const strings = await json<{ predictions: unknown[][] }>(await post({ instances: [TEXTS[0]], parameters: { ...GREEDY, response_format: 'strings', num_beams: 4, num_return_sequences: 3 } }));
    expect(strings.predictions[0]).toHaveLength(3);
    for (const text of strings.predictions[0]!) expect(typeof text).toBe('string');
  });

  it.each([
    [{ num_beams: 'four' }, 'parameters.num_beams: expected a whole number from 1 to 16, got "four"'],
    [{ max_new_tokens: 0 }, 'parameters.max_new_tokens: expected a whole number from 1 to 511, got 0'],
    [{ response_format: 'xml' }, 'parameters.response_format: expected "strings" (a list of texts per instance) or "pipeline"'],
    [{ top_p: 2 }, 'parameters.top_p: expected a number above 0 and at most 1, e.g. 0.9, got 2'],
  ])('a malformed parameter %j answers 400 naming the field', async (parameters, message) => {
    const { post, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const response = await post({ instances: ['Bu odun yanmaz.'], parameters });
    expect(response.status).toBe(400);
    expect((await json<ErrorBody>(response)).error.message).toContain(message);
  });

  it('sampling with a seed gives the same text twice', async () => {
    const { post, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const body = { instances: [TEXTS[2]], parameters: { do_sample: true, seed: 11, temperature: 1.5, top_p: 0.9, max_new_tokens: 32 } };
    const first = await json(await post(body));
    expect(await json(await post(body))).toEqual(first);
  });
});

describe('continuous batching', () => {
  it('requests that arrive together decode together; a burst sent while others decode starts between steps; each answer is what it is alone', async () => {
    const handler = createTextGenerationHandler({ modelDir: dir, threads: 1 });
    await handler.load();
    try {
      const params = handler.parseParameters(GREEDY);
      const before = handler.stats();
      const send = (text: string) => handler.runRequest([text], params).then(([sequences]) => handler.postprocess(sequences!, params)[0]);
      const first = TEXTS.slice(0, 12).map(send);
      // The second burst goes while the first decodes: once its first answer is back.
      await Promise.race(first);
      const second = TEXTS.slice(12).map(send);
      expect(await Promise.all([...first, ...second])).toEqual(TEXTS.map((text) => greedy.get(text)));
      const after = handler.stats();
      expect(after.groupsStarted - before.groupsStarted).toBeGreaterThanOrEqual(2);
      // Each step ran many rows: the requests of a burst share every decoder step.
      expect((after.rowsStepped - before.rowsStepped) / (after.steps - before.steps)).toBeGreaterThan(4);
    } finally {
      await handler.close();
    }
  });

  it('over HTTP, requests staggered while others decode get what they get alone', async () => {
    const { post, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const answers = await Promise.all(
      TEXTS.map(async (text, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 2));
        return json<{ predictions: string[][] }>(await post({ instances: [text], parameters: GREEDY }));
      }),
    );
    expect(answers.map((answer) => answer.predictions[0]![0])).toEqual(TEXTS.map((text) => greedy.get(text)));
  });
});

describe('streaming', () => {
  it('Accept: text/event-stream with one instance: token events that add up to the text, then the prediction', async () => {
    const { url, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const response = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ instances: [TEXTS[3]], parameters: GREEDY }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as unknown }));
    const tokens = events.filter((e) => e.event === 'token').map((e) => (e.data as { text: string }).text);
    expect(tokens.length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ event: 'prediction', data: { predictions: [[greedy.get(TEXTS[3]!)]] } });
    expect(tokens.join('')).toBe(greedy.get(TEXTS[3]!));
  });

  it('streaming beam search or several instances: 400 with what to change', async () => {
    const { url, server } = await startServer({ handler: createTextGenerationHandler({ modelDir: dir, threads: 1 }) });
    await server.ready;
    const send = (body: unknown) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) });
    const two = await send({ instances: ['a', 'b'] });
    expect(two.status).toBe(400);
    expect((await json<ErrorBody>(two)).error.message).toContain('a streamed answer (Accept: text/event-stream) is for one instance, got 2');
    const beams = await send({ instances: ['a'], parameters: { num_beams: 4 } });
    expect(await beams.text()).toContain('event: error');
  });
});

describe('createModelHandler', () => {
  it('serves the translation directory as a translator (and says so in /openapi.json)', async () => {
    const handler = createModelHandler({ modelDir: dir, generation: { threads: 1 } });
    const { post, get, server } = await startServer({ handler });
    await server.ready;
    expect(handler.kind).toBe('text-generation');
    expect(await json(await post({ instances: [TEXTS[0]], parameters: GREEDY }))).toEqual({ predictions: [[greedy.get(TEXTS[0]!)]] });
    const openapi = await json<{ info: { title: string }; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>(await get('/openapi.json'));
    expect(openapi.info.title).toContain('translation');
    expect(Object.keys(openapi.components.schemas['Parameters']?.properties ?? {})).toEqual(expect.arrayContaining(['num_beams', 'max_new_tokens', 'response_format']));
  });
});

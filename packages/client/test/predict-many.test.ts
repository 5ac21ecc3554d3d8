// predictMany(): splitting by body size (in bytes, exactly at the limit and one over) and by count,
// order under concurrency with a server that answers out of order, progress, and partial failures.
import { describe, expect, test } from 'vitest';
import { PredictionError, createPredictionClient } from '../src/index.js';
import type { PredictManyProgress } from '../src/index.js';
import { rejectionOf, sendJson, sleep, useTestServer } from './helpers/http-server.js';

const server = useTestServer();

const sentInstances = () => server.requests.map((r) => (r.json as { instances: unknown[] }).instances);
const bodySizes = () => server.requests.map((r) => Buffer.byteLength(r.body));

/** `{"instances":[` + n strings of k ASCII characters + `]}`: 16 + n * (k + 2) + (n - 1) bytes. */
const bodyOf = (n: number, k: number) => 16 + n * (k + 2) + (n - 1);

describe('splitting', () => {
  const texts = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd'];

  test('a limit exactly the size of a two-instance body: two requests of two, each exactly at the limit', async () => {
    const limit = bodyOf(2, 8);
    expect(limit).toBe(37);
    const client = createPredictionClient<string, string>({ target: { url: server.url }, maxRequestBytes: limit, concurrency: 1 });
    const result = await client.predictMany(texts);
    expect(result.predictions).toEqual(texts);
    expect(result.requests).toBe(2);
    expect(sentInstances()).toEqual([texts.slice(0, 2), texts.slice(2)]);
    expect(bodySizes()).toEqual([37, 37]);
  });

  test('one byte less: one instance per request', async () => {
    const client = createPredictionClient<string, string>({ target: { url: server.url }, maxRequestBytes: bodyOf(2, 8) - 1, concurrency: 1 });
    const result = await client.predictMany(texts);
    expect(result.predictions).toEqual(texts);
    expect(sentInstances()).toEqual(texts.map((t) => [t]));
    expect(bodySizes()).toEqual([26, 26, 26, 26]);
  });

  test('the limit is in UTF-8 bytes, and parameters count', async () => {
    // "é" is 2 bytes: each instance "éééé" is 10 bytes as JSON; the envelope with parameters is 16 + 31 bytes.
    const params = { threshold: 0.5 };
    const envelope = `{"instances":[],"parameters":${JSON.stringify(params)}}`.length;
    expect(envelope).toBe(47);
    const client = createPredictionClient<string, string, typeof params>({ target: { url: server.url }, maxRequestBytes: envelope + 10 + 1 + 10, concurrency: 1 });
    await client.predictMany(['éééé', 'éééé', 'éééé'], { parameters: params });
    expect(sentInstances()).toEqual([['éééé', 'éééé'], ['éééé']]);
    expect(bodySizes()).toEqual([68, 57]);
    expect(server.requests.every((r) => JSON.stringify((r.json as { parameters: unknown }).parameters) === '{"threshold":0.5}')).toBe(true);
  });

  test('maxInstancesPerRequest', async () => {
    const client = createPredictionClient<number, number>({ target: { url: server.url }, concurrency: 1 });
    const numbers = Array.from({ length: 10 }, (_, i) => i);
    const result = await client.predictMany(numbers, { maxInstancesPerRequest: 3 });
    expect(sentInstances()).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(result).toEqual({ predictions: numbers, requests: 4, attempts: 4, deployedModelIds: [] });
  });

  test('an instance too large for any request: its index and size, nothing sent', async () => {
    const client = createPredictionClient({ target: { url: server.url }, maxRequestBytes: 100 });
    const big = 'x'.repeat(200);
    const error = (await rejectionOf(client.predictMany(['ok', big, 'ok', big]))) as PredictionError;
    expect(PredictionError.isInstance(error)).toBe(true);
    expect(error.code).toBe('INSTANCE_TOO_LARGE');
    expect(error.failedInstances).toEqual([1, 3]);
    expect(error.attempts).toBe(0);
    expect(error.message).toBe(
      'instances[1] is 202 bytes as JSON; with the request envelope (16 bytes) it cannot fit in one request of at most 100 bytes (maxRequestBytes) (and 1 more: instances 3). ' +
        'Shrink the instance (send a gs:// URI instead of the data) or raise maxRequestBytes if the server accepts more. Nothing was sent.',
    );
    expect(server.requests).toHaveLength(0);
  });

  test('predict() refuses a body over maxRequestBytes and points at predictMany()', async () => {
    const client = createPredictionClient({ target: { url: server.url }, maxRequestBytes: 30 });
    const error = (await rejectionOf(client.predict(['0123456789', '0123456789']))) as PredictionError;
    expect(error.code).toBe('REQUEST_TOO_LARGE');
    expect(error.message).toMatch(/^the request body is 41 bytes, over maxRequestBytes \(30\): use predictMany\(\)/);
    expect(server.requests).toHaveLength(0);
  });

  test('no instances: no request', async () => {
    const progress: PredictManyProgress[] = [];
    const result = await createPredictionClient({ target: { url: server.url } }).predictMany([], { onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ predictions: [], requests: 0, attempts: 0, deployedModelIds: [] });
    expect(server.requests).toHaveLength(0);
    expect(progress).toEqual([{ instancesDone: 0, instancesFailed: 0, instancesTotal: 0, requestsDone: 0, requestsFailed: 0, requestsTotal: 0 }]);
  });
});

describe('concurrency and order', () => {
  test('a server that answers later requests first: predictions still in input order, at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const finished: number[] = [];
    server.handle(async (request, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const { instances } = request.json as { instances: number[] };
      const first = instances[0] ?? 0;
      // The first requests wait longest, so answers come back in the reverse order within each wave.
      await sleep(Math.max(5, 200 - first * 10));
      inFlight -= 1;
      finished.push(first);
      sendJson(res, 200, { predictions: instances.map((x) => x * 10), deployedModelId: first % 8 ? 'dm-b' : 'dm-a' });
    });
    const client = createPredictionClient<number, number>({ target: { url: server.url } });
    const numbers = Array.from({ length: 40 }, (_, i) => i);
    const result = await client.predictMany(numbers, { maxInstancesPerRequest: 4, concurrency: 3 });
    expect(result.predictions).toEqual(numbers.map((x) => x * 10));
    expect(result.requests).toBe(10);
    expect(result.deployedModelIds.sort()).toEqual(['dm-a', 'dm-b']);
    expect(maxInFlight).toBe(3);
    expect(finished.slice(0, 3)).toEqual([8, 4, 0]);
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
  });

  test('progress: once before anything, then after every request', async () => {
    const progress: PredictManyProgress[] = [];
    const client = createPredictionClient({ target: { url: server.url }, concurrency: 1 });
    await client.predictMany([1, 2, 3, 4, 5], { maxInstancesPerRequest: 2, onProgress: (p) => progress.push(p) });
    const base = { instancesFailed: 0, instancesTotal: 5, requestsFailed: 0, requestsTotal: 3 };
    expect(progress).toEqual([
      { ...base, instancesDone: 0, requestsDone: 0 },
      { ...base, instancesDone: 2, requestsDone: 1 },
      { ...base, instancesDone: 4, requestsDone: 2 },
      { ...base, instancesDone: 5, requestsDone: 3 },
    ]);
  });
});

describe('failures', () => {
  test('one request rejected (400): the others still run; the error lists its instances and carries the rest', async () => {
    server.handle((request, res) => {
      const { instances } = request.json as { instances: string[] };
      const bad = instances.indexOf('bad');
      if (bad >= 0) return sendJson(res, 400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: `instances[${bad}]: expected a word` } });
      sendJson(res, 200, { predictions: instances.map((x) => x.toUpperCase()) });
    });
    const progress: PredictManyProgress[] = [];
    const client = createPredictionClient<string, string>({ target: { url: server.url }, concurrency: 2, retry: { initialDelayMs: 1 } });
    const words = ['a', 'b', 'c', 'bad', 'e', 'f', 'g', 'h'];
    const error = (await rejectionOf(client.predictMany(words, { maxInstancesPerRequest: 3, onProgress: (p) => progress.push(p) }))) as PredictionError;
    expect(PredictionError.isInstance(error)).toBe(true);
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe('instances[0]: expected a word');
    expect(error.failedInstances).toEqual([3, 4, 5]);
    expect(error.partialPredictions).toEqual(['A', 'B', 'C', undefined, undefined, undefined, 'G', 'H']);
    expect(error.requestErrors).toHaveLength(1);
    expect(error.requestErrors[0]?.failedInstances).toEqual([3, 4, 5]);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/^predictMany: 1 of 3 requests failed \(instances 3-5\); 3 of 8 instances have no prediction\. First failure \(instances 3-5\): HTTP 400 INVALID_ARGUMENT from /);
    expect(server.requests).toHaveLength(3);
    expect(progress.at(-1)).toEqual({ instancesDone: 5, instancesFailed: 3, instancesTotal: 8, requestsDone: 2, requestsFailed: 1, requestsTotal: 3 });
  });

  test('a failure that would fail every request (401) stops sending: unsent instances are listed too', async () => {
    server.handle((_r, res) => sendJson(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad key' } }));
    const client = createPredictionClient({ target: { url: server.url }, concurrency: 1 });
    const error = (await rejectionOf(client.predictMany([1, 2, 3, 4, 5, 6], { maxInstancesPerRequest: 2 }))) as PredictionError;
    expect(error.status).toBe(401);
    expect(error.failedInstances).toEqual([0, 1, 2, 3, 4, 5]);
    expect(error.message).toMatch(/^predictMany: 1 of 3 requests failed \(instances 0-1\), 2 not sent after that failure; 6 of 6 instances have no prediction\./);
    expect(server.requests).toHaveLength(1);
  });

  test('an answer with the wrong number of predictions is INVALID_RESPONSE', async () => {
    server.handle((_r, res) => sendJson(res, 200, { predictions: [1] }));
    const error = (await rejectionOf(createPredictionClient({ target: { url: server.url } }).predictMany([1, 2]))) as PredictionError;
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.requestErrors[0]?.message).toMatch(/answered 200 with 1 prediction for 2 instances; expected one per instance/);
  });

  test('abort: in-flight requests stop, nothing new starts, the finished ones are kept', async () => {
    server.handle(async (request, res) => {
      const { instances } = request.json as { instances: number[] };
      if ((instances[0] ?? 0) >= 2) await sleep(10_000);
      sendJson(res, 200, { predictions: instances });
    });
    const controller = new AbortController();
    const client = createPredictionClient<number, number>({ target: { url: server.url }, concurrency: 1 });
    const promise = client.predictMany([0, 1, 2, 3, 4, 5], {
      maxInstancesPerRequest: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.requestsDone === 1) setTimeout(() => controller.abort(), 50);
      },
    });
    const started = performance.now();
    const error = (await rejectionOf(promise)) as PredictionError;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('ABORTED');
    expect(error.failedInstances).toEqual([2, 3, 4, 5]);
    expect(error.partialPredictions?.slice(0, 2)).toEqual([0, 1]);
    expect(server.requests).toHaveLength(2);
  });
});

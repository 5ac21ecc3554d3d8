// Dynamic batching over real HTTP: requests queued behind a run share the next, batches respect
// maxBatchSize, big requests are split, a request to an idle model does not wait while one queued behind a
// run waits for company, and a full queue answers 429 while the server keeps serving.
import { describe, expect, test } from 'vitest';
import { createToyHandler, sleep, waitUntil } from './helpers/toy-handler.js';
import { json, startServer } from './helpers/test-server.js';
import type { ErrorBody } from './helpers/test-server.js';

describe('dynamic batching over HTTP', () => {
  test('8 single-instance requests queued behind a run share the next run', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxQueueDelayMs: 200 } });
    await server.ready;
    const release = toy.holdRuns();
    const first = post({ instances: ['first'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const words = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
    const responses = Promise.all(words.map((word) => post({ instances: [word] })));
    await waitUntil(() => words.every((word) => toy.parsed.includes(word)), 'the requests to be queued');
    release();
    expect(await (await first).json()).toEqual({ predictions: ['FIRST'] });
    expect(await Promise.all((await responses).map((response) => response.json()))).toEqual(words.map((word) => ({ predictions: [word.toUpperCase()] })));
    expect(toy.runs.map((batch) => [...batch].sort())).toEqual([['first'], [...words].sort()]);
  });

  test('maxBatchSize is respected, full batches do not wait for the delay, and runs never overlap', async () => {
    const toy = createToyHandler({ runDelayMs: 30 });
    // Were a full batch to wait for the hour of delay, the test would time out.
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 4, maxQueueDelayMs: 3_600_000 } });
    await server.ready;
    const release = toy.holdRuns();
    const first = post({ instances: ['first'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const responses = Promise.all(Array.from({ length: 8 }, (_, i) => post({ instances: [`w${i}`] })));
    await waitUntil(() => toy.parsed.length === 9, 'the requests to be queued');
    release();
    expect([(await first).status, ...(await responses).map((response) => response.status)]).toEqual(Array(9).fill(200));
    expect(toy.batchSizes).toEqual([1, 4, 4]);
    expect(toy.maxConcurrentRuns).toBe(1);
  });

  test('a request with more instances than maxBatchSize is split across runs, predictions in order', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 4, maxQueueDelayMs: 1 } });
    await server.ready;
    const instances = Array.from({ length: 10 }, (_, i) => `i${i}`);
    const response = await post({ instances, parameters: { suffix: '.' } });
    expect(await response.json()).toEqual({ predictions: instances.map((text) => `${text.toUpperCase()}.`) });
    expect(toy.batchSizes).toEqual([4, 4, 2]);
  });

  test('requests with different parameters share a run; each is postprocessed with its own', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 4, maxQueueDelayMs: 1000 } });
    await server.ready;
    const release = toy.holdRuns();
    const first = post({ instances: ['first'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const both = Promise.all([
      post({ instances: ['a1', 'a2'], parameters: { suffix: '-a' } }),
      post({ instances: ['b1', 'b2'], parameters: { suffix: '-b' } }),
    ]);
    await waitUntil(() => toy.parsed.length === 5, 'both requests to be queued');
    release();
    const [a, b] = await both;
    expect(await a.json()).toEqual({ predictions: ['A1-a', 'A2-a'] });
    expect(await b.json()).toEqual({ predictions: ['B1-b', 'B2-b'] });
    expect((await first).status).toBe(200);
    expect(toy.batchSizes).toEqual([1, 4]);
  });

  test('the delay knob: a request to an idle model does not wait; one queued behind a run waits for company', async () => {
    // An hour of delay: were the lone request to wait for it, the test would time out.
    const idle = createToyHandler();
    const patient = await startServer({ handler: idle.handler, batching: { maxQueueDelayMs: 3_600_000 } });
    await patient.server.ready;
    expect(await (await patient.post({ instances: ['alone'] })).json()).toEqual({ predictions: ['ALONE'] });

    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, batching: { maxQueueDelayMs: 1000 } });
    await server.ready;
    const release = toy.holdRuns();
    const first = post({ instances: ['first'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const second = post({ instances: ['second'] });
    await waitUntil(() => toy.parsed.includes('second'), 'the second request to be queued');
    release();
    expect((await first).status).toBe(200);
    // 'second' queued behind a run, so it waits up to a second for company: 'third', sent after that run, joins it.
    const third = post({ instances: ['third'] });
    expect((await Promise.all([second, third])).map((response) => response.status)).toEqual([200, 200]);
    expect(toy.runs).toEqual([['first'], ['second', 'third']]);

    const eager = createToyHandler();
    const immediate = await startServer({ handler: eager.handler, batching: { maxQueueDelayMs: 0 } });
    await immediate.server.ready;
    expect((await immediate.post({ instances: ['now'] })).status).toBe(200);
  });

  test('a full queue answers 429 with Retry-After and why, while health and other requests keep working', async () => {
    const toy = createToyHandler();
    const { post, get, server } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 2, maxQueueSize: 4, maxQueueDelayMs: 0 } });
    await server.ready;
    const release = toy.holdRuns();
    const running = post({ instances: ['r1', 'r2'] }); // taken by the first run, which is held
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const queued = post({ instances: ['q1', 'q2', 'q3', 'q4'] }); // fills the queue
    await waitUntil(() => toy.parsed.includes('q4'), 'the queue to fill');

    const refused = await post({ instances: ['late'] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = await json<ErrorBody>(refused);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toBe(
      'the server is at capacity: 4 instances are waiting for the model and the queue holds 4 (batching.maxQueueSize); retry after the Retry-After header',
    );
    const health = await get('/health');
    expect(health.status).toBe(200);

    release();
    expect(await (await running).json()).toEqual({ predictions: ['R1', 'R2'] });
    expect(await (await queued).json()).toEqual({ predictions: ['Q1', 'Q2', 'Q3', 'Q4'] });
    expect(await (await post({ instances: ['again'] })).json()).toEqual({ predictions: ['AGAIN'] });
    expect(toy.batchSizes).toEqual([2, 2, 2, 1]);
  });

  test('a client that hangs up takes its queued instances out of the queue', async () => {
    const toy = createToyHandler();
    const { post, url, server, logs } = await startServer({ handler: toy.handler, batching: { maxBatchSize: 1, maxQueueDelayMs: 0 } });
    await server.ready;
    const release = toy.holdRuns();
    const running = post({ instances: ['kept'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const controller = new AbortController();
    const abandoned = fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: ['gone'] }),
      signal: controller.signal,
    });
    await waitUntil(() => toy.parsed.includes('gone'), 'the second request to be queued');
    controller.abort();
    await expect(abandoned).rejects.toThrow();
    const hungUp = () => logs.find((line) => (line.httpRequest as { status?: number } | undefined)?.status === 499);
    await waitUntil(() => hungUp() !== undefined, 'the server to notice the hang-up');
    release();
    expect(await (await running).json()).toEqual({ predictions: ['KEPT'] });
    await sleep(50); // time for a run of 'gone', had it stayed queued
    expect(toy.runs).toEqual([['kept']]);
    const closing = performance.now();
    await server.close();
    // The client's spare connection (opened after the abort, never used) does not hold up the close.
    expect(performance.now() - closing).toBeLessThan(2000);
    expect(hungUp()?.message).toBe('POST /predict 499');
    expect(hungUp()?.severity).toBe('INFO');
    // Counted once: by the response's close listener, not again when the cancelled submission's error is answered.
    expect(logs.filter((line) => (line.httpRequest as { status?: number } | undefined)?.status === 499)).toHaveLength(1);
  });
});

// Retries (429 with Retry-After, 502/503/504, a reset connection, a refused one), no retry on 400, the
// per-attempt timeout and the caller's AbortSignal, against a real server on loopback.
import { describe, expect, test } from 'vitest';
import { createPredictionClient } from '../src/index.js';
import type { PredictionError, RetryEvent } from '../src/index.js';
import { backoffDelay } from '../src/lib/retry-options.js';
import { parseRetryAfter } from '../src/lib/parse-retry-after.js';
import { echoPredictions, rejectionOf, sendJson, startTestServer, useTestServer } from './helpers/http-server.js';
import type { Handler } from './helpers/http-server.js';

const server = useTestServer();

/** A handler that plays `script` (one entry per request, the last repeating). */
function scripted(...script: Handler[]): Handler {
  let i = 0;
  return (request, res, req) => script[Math.min(i++, script.length - 1)]!(request, res, req);
}
const answer = (status: number, headers: Record<string, string> = {}, message = `status ${status}`): Handler => (_r, res) =>
  sendJson(res, status, { error: { code: status, message, status: 'X' } }, headers);
const ok = echoPredictions((x) => `ok:${String(x)}`);
const hang: Handler = () => undefined;

function clientWith(retry: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number } = {}, events: RetryEvent[] = [], timeoutMs?: number) {
  return createPredictionClient<string, string>({
    target: { url: server.url },
    retry: { initialDelayMs: 5, ...retry, onRetry: (event) => events.push(event) },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

describe('retries', () => {
  test('429 with Retry-After: 1 waits exactly the second it asked for, then succeeds', async () => {
    server.handle(scripted(answer(429, { 'retry-after': '1' }, 'queue full'), ok));
    const events: RetryEvent[] = [];
    const result = await clientWith({}, events).predict(['a']);
    expect(result.predictions).toEqual(['ok:a']);
    expect(result.attempts).toBe(2);
    expect(events.map(({ attempt, delayMs, retryAfter, status }) => ({ attempt, delayMs, retryAfter, status }))).toEqual([
      { attempt: 1, delayMs: 1000, retryAfter: true, status: 429 },
    ]);
    expect(events[0]?.error.message).toContain('queue full');
    // It did wait (delayMs above is the wait it chose); no upper bound on the wall time, which a loaded machine stretches.
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  test('Retry-After as an HTTP date', async () => {
    server.handle(scripted(answer(503, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }), ok));
    const events: RetryEvent[] = [];
    await clientWith({}, events).predict(['a']);
    expect(events).toHaveLength(1);
    expect(events[0]!.retryAfter).toBe(true);
    // HTTP dates have whole seconds: 2 s ahead is between 1 and 2 s away.
    expect(events[0]!.delayMs).toBeGreaterThan(900);
    expect(events[0]!.delayMs).toBeLessThanOrEqual(2000);
  });

  test('503, 502 and 504 are retried with jittered exponential backoff; one request id for all attempts', async () => {
    server.handle(scripted(answer(503), answer(502), answer(504), ok));
    const events: RetryEvent[] = [];
    const result = await clientWith({ initialDelayMs: 20 }, events).predict(['a']);
    expect(result.attempts).toBe(4);
    expect(events.map((e) => [e.attempt, e.status, e.retryAfter])).toEqual([
      [1, 503, false],
      [2, 502, false],
      [3, 504, false],
    ]);
    events.forEach((e, i) => {
      expect(e.delayMs).toBeGreaterThanOrEqual(0);
      expect(e.delayMs).toBeLessThan(20 * 2 ** i);
    });
    const ids = new Set(server.requests.map((r) => r.headers['x-request-id']));
    expect(ids.size).toBe(1);
    expect(result.requestId).toBe([...ids][0]);
  });

  test('a connection reset (socket destroyed) is retried', async () => {
    server.handle(scripted((_r, _res, req) => req.socket.destroy(), ok));
    const events: RetryEvent[] = [];
    const result = await clientWith({}, events).predict(['a']);
    expect(result.predictions).toEqual(['ok:a']);
    expect(result.attempts).toBe(2);
    expect(events[0]?.status).toBeUndefined();
    expect((events[0]?.error as PredictionError).code).toBe('NETWORK_ERROR');
  });

  test('a refused connection fails after maxAttempts with NETWORK_ERROR and no status', async () => {
    const closed = await startTestServer();
    await closed.close();
    const client = createPredictionClient({ target: { url: closed.url }, retry: { maxAttempts: 3, initialDelayMs: 1 } });
    const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBeUndefined();
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(new RegExp(`^could not reach ${closed.url.replace(/[.]/g, '\\.')}: fetch failed: .*ECONNREFUSED.*\\[request id [0-9a-f-]{36}, 3 attempts\\]$`));
    expect(error.retryable).toBe(true);
  });

  test('400 is not retried', async () => {
    server.handle(answer(400, {}, 'instances[0]: expected a string'));
    const error = (await rejectionOf(clientWith({ maxAttempts: 5 }).predict(['a']))) as PredictionError;
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe('instances[0]: expected a string');
    expect(error.attempts).toBe(1);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  test('503 on every attempt: the last error, with the attempts made', async () => {
    server.handle(answer(503, {}, 'model loading'));
    const error = (await rejectionOf(clientWith({ maxAttempts: 3, initialDelayMs: 1 }).predict(['a']))) as PredictionError;
    expect([error.code, error.status, error.attempts, error.serverMessage]).toEqual(['HTTP_ERROR', 503, 3, 'model loading']);
    expect(server.requests).toHaveLength(3);
  });

  test('a Retry-After longer than maxDelayMs is not waited for', async () => {
    server.handle(answer(429, { 'retry-after': '120' }));
    const started = performance.now();
    const error = (await rejectionOf(clientWith({ maxDelayMs: 10_000 }).predict(['a']))) as PredictionError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(429);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('the server asked to retry after 120000 ms, longer than retry.maxDelayMs (10000 ms), so the client did not wait');
  });

  test('retry: false sends once', async () => {
    server.handle(answer(503));
    const client = createPredictionClient({ target: { url: server.url }, retry: false });
    expect(((await rejectionOf(client.predict(['a']))) as PredictionError).attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });
});

describe('timeout and abort', () => {
  test('an attempt that takes longer than timeoutMs fails with TIMEOUT and is not retried', async () => {
    server.handle(hang);
    const started = performance.now();
    const error = (await rejectionOf(clientWith({ maxAttempts: 3 }, [], 200).predict(['a']))) as PredictionError;
    const elapsed = performance.now() - started;
    expect(error.code).toBe('TIMEOUT');
    expect(error.status).toBeUndefined();
    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+\/predict within 200 ms \(timeoutMs\)/);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });

  test("the caller's abort stops the request in flight and is not retried", async () => {
    server.handle(hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user cancelled')), 100);
    const started = performance.now();
    const error = (await rejectionOf(clientWith({ maxAttempts: 3 }).predict(['a'], undefined, { signal: controller.signal }))) as PredictionError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('ABORTED');
    expect(error.attempts).toBe(1);
    expect((error.cause as Error).message).toBe('user cancelled');
    expect(server.requests).toHaveLength(1);
  });

  test('an abort during the backoff wait ends it at once', async () => {
    server.handle(answer(503, { 'retry-after': '5' }));
    const started = performance.now();
    const error = (await rejectionOf(clientWith().predict(['a'], undefined, { signal: AbortSignal.timeout(150) }))) as PredictionError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('ABORTED');
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  test('an already aborted signal sends nothing', async () => {
    const error = (await rejectionOf(clientWith().predict(['a'], undefined, { signal: AbortSignal.abort() }))) as PredictionError;
    expect([error.code, error.attempts]).toEqual(['ABORTED', 0]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('backoff and Retry-After parsing', () => {
  test('full jitter: uniform below min(maxDelayMs, initialDelayMs * 2^(attempt-1))', () => {
    const options = { initialDelayMs: 500, maxDelayMs: 3000 };
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options, top))).toEqual([499, 999, 1999, 2999, 2999]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(2, options, () => 0.5)).toBe(500);
  });

  test('Retry-After: seconds, HTTP dates, garbage', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

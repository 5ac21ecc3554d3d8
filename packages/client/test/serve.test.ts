// Against a real @vertexkit/serve server on loopback: the client and the server this repo ships agree on
// the request and answer shapes, the error body, the request id and the API key.
import { createPredictionServer } from '@vertexkit/serve';
import type { PredictionServer } from '@vertexkit/serve';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PredictionError, createPredictionClient } from '../src/index.js';
import { rejectionOf } from './helpers/http-server.js';

// The toy model: upper-cases each text.
const upper = (texts: string[]): Promise<string[]> => Promise.resolve(texts.map((text) => text.toUpperCase()));

async function startServe(extra: { apiKey?: string; bodyLimitBytes?: number } = {}): Promise<{ server: PredictionServer; url: string }> {
  const server = createPredictionServer({ handler: { parseInstance: String, run: upper }, port: 0, host: '127.0.0.1', logger: false, handleSignals: false, ...extra });
  const { url } = await server.listen();
  await server.ready;
  return { server, url };
}

describe('against @vertexkit/serve', () => {
  let serve: { server: PredictionServer; url: string };
  beforeAll(async () => {
    serve = await startServe({ bodyLimitBytes: 2_000 });
  });
  afterAll(async () => {
    await serve.server.close();
  });

  test('predict() sends instances and returns the predictions in order', async () => {
    const client = createPredictionClient<string, string>({ target: { url: `${serve.url}/predict` } });
    const result = await client.predict(['a', 'bc', 'déf']);
    expect(result.predictions).toEqual(['A', 'BC', 'DÉF']);
    expect(result.attempts).toBe(1);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.targetKind).toBe('url');
  });

  test('predictMany() splits into requests and keeps the input order', async () => {
    const client = createPredictionClient<string, string>({ target: { url: `${serve.url}/predict` } });
    const texts = Array.from({ length: 100 }, (_, i) => `text ${i}`);
    const progress: number[] = [];
    const result = await client.predictMany(texts, { maxInstancesPerRequest: 7, concurrency: 3, onProgress: (p) => progress.push(p.instancesDone) });
    expect(result.predictions).toEqual(texts.map((t) => t.toUpperCase()));
    expect(result.requests).toBe(15);
    expect(result.attempts).toBe(15);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toHaveLength(16);
  });

  test("a 413 from the server's body limit is not retried and carries serve's message", async () => {
    const client = createPredictionClient({ target: { url: `${serve.url}/predict` }, retry: { maxAttempts: 3, initialDelayMs: 1 } });
    const error = await rejectionOf(client.predict(['x'.repeat(3_000)]));
    expect(PredictionError.isInstance(error)).toBe(true);
    const e = error as PredictionError;
    expect(e.code).toBe('HTTP_ERROR');
    expect(e.status).toBe(413);
    expect(e.attempts).toBe(1);
    expect(e.serverStatus).toBe('INVALID_ARGUMENT');
    expect(e.serverMessage).toMatch(/2000/);
    expect(e.failedInstances).toEqual([0]);
    expect(e.message).toContain(`HTTP 413 INVALID_ARGUMENT from ${serve.url}/predict: ${e.serverMessage}`);
  });

  test("the request id the client sends is serve's x-request-id, in the error too", async () => {
    const client = createPredictionClient({ target: { url: `${serve.url}/nope` }, retry: false });
    const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
    expect(error.status).toBe(404);
    expect(error.serverStatus).toBe('NOT_FOUND');
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((error.body as { error: { requestId: string } }).error.requestId).toBe(error.requestId);
  });
});

describe('@vertexkit/serve with an API key', () => {
  let serve: { server: PredictionServer; url: string };
  beforeAll(async () => {
    serve = await startServe({ apiKey: 'sekret-key' });
  });
  afterAll(async () => {
    await serve.server.close();
  });

  test('target.apiKey is sent as x-api-key and accepted', async () => {
    const client = createPredictionClient<string, string>({ target: { url: `${serve.url}/predict`, apiKey: 'sekret-key' } });
    expect((await client.predict(['ok'])).predictions).toEqual(['OK']);
  });

  test('a Cloud Run target with apiKey sends the key and no ID token', async () => {
    const client = createPredictionClient<string, string>({ target: { cloudRunUrl: serve.url, apiKey: 'sekret-key' } });
    expect(client.url).toBe(`${serve.url}/predict`);
    expect((await client.predict(['run'])).predictions).toEqual(['RUN']);
  });

  test('without the key: 401 UNAUTHENTICATED, not retried, with a hint', async () => {
    const client = createPredictionClient({ target: { url: `${serve.url}/predict` }, retry: { maxAttempts: 4, initialDelayMs: 1 } });
    const error = (await rejectionOf(client.predict(['a']))) as PredictionError;
    expect(error.status).toBe(401);
    expect(error.attempts).toBe(1);
    expect(error.serverStatus).toBe('UNAUTHENTICATED');
    expect(error.message).toContain('pass target.apiKey');
  });
});

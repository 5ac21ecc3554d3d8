// Every error answer: exact status, google.rpc status name, message and request id; and a handler that
// fails costs only its own requests, never the server.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { createToyHandler, waitUntil } from './helpers/toy-handler.js';
import { json, startServer } from './helpers/test-server.js';
import type { ErrorBody, TestServer } from './helpers/test-server.js';

async function readyServer(options: Partial<Parameters<typeof startServer>[0]> = {}): Promise<TestServer & { toy: ReturnType<typeof createToyHandler> }> {
  const toy = createToyHandler();
  const started = await startServer({ handler: toy.handler, ...options });
  await started.server.ready;
  return { ...started, toy };
}

/** Status, headers and parsed error body, checking the envelope every error shares. */
async function errorOf(response: Response): Promise<{ status: number; message: string; body: ErrorBody; headers: Headers }> {
  const body = await json<ErrorBody>(response);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(['code', 'status', 'message', 'requestId']);
  expect(body.error.code).toBe(response.status);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { status: response.status, message: body.error.message, body, headers: response.headers };
}

describe('400: the request cannot be served as sent', () => {
  test('malformed JSON says where the parser stopped', async () => {
    const { post } = await readyServer();
    const error = await errorOf(await post('{"instances": ["a",]}'));
    expect(error.status).toBe(400);
    expect(error.body.error.status).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('malformed JSON: Unexpected token \']\', ..."es": ["a",]}" is not valid JSON');
    expect((await errorOf(await post('{"instances": ["a"] "parameters": {}}'))).message).toBe(
      "malformed JSON: Expected ',' or '}' after property value in JSON at position 20 (line 1 column 21)",
    );
  });

  test('the body shape, naming the path', async () => {
    const { post, toy } = await readyServer();
    const cases: [unknown, string][] = [
      [[1, 2], 'body: expected a JSON object like {"instances": [...]}, got an array of 2'],
      ['"text"', 'body: expected a JSON object like {"instances": [...]}, got the string "text"'],
      [{}, 'instances: expected an array of 1 or more instances, got nothing'],
      [{ instances: [] }, 'instances: expected an array of 1 or more instances, got an empty array'],
      [{ instances: 'one' }, 'instances: expected an array of 1 or more instances, got the string "one"'],
      [{ instances: { 0: 'a' } }, 'instances: expected an array of 1 or more instances, got an object'],
      [{ instances: ['a'], parameters: ['top_k', 3] }, 'parameters: expected an object, got an array of 2'],
      [{ instances: ['a'], parameters: 5 }, 'parameters: expected an object, got number 5'],
    ];
    for (const [body, message] of cases) {
      const error = await errorOf(await post(typeof body === 'string' ? body : JSON.stringify(body)));
      expect([error.status, error.message]).toEqual([400, message]);
    }
    expect(toy.runs).toEqual([]);
  });

  test("the handler's InvalidInputError: instances[i] and parameters paths; nothing runs", async () => {
    const { post, toy } = await readyServer();
    expect((await errorOf(await post({ instances: ['a', 'b', 'c', 42] }))).message).toBe('instances[3]: expected a string, got number');
    expect((await errorOf(await post({ instances: [null] }))).message).toBe('instances[0]: expected a string, got null');
    expect((await errorOf(await post({ instances: ['a'], parameters: { suffix: 1 } }))).message).toBe('parameters.suffix: expected a string');
    expect(toy.runs).toEqual([]);
  });

  test('an empty body, a body-less POST, a __proto__ key, more instances than the queue holds', async () => {
    const { post, url } = await readyServer({ batching: { maxBatchSize: 2, maxQueueSize: 4 } });
    expect((await errorOf(await post(''))).message).toBe('body: empty; send a JSON object like {"instances": [...]}');
    const bare = await errorOf(await fetch(`${url}/predict`, { method: 'POST' }));
    expect([bare.status, bare.message]).toEqual([400, 'body: expected a JSON object like {"instances": [...]}, got an empty body']);
    expect((await errorOf(await post('{"instances": ["a"], "parameters": {"__proto__": {"admin": true}}}'))).message).toBe(
      'body: "__proto__" is not allowed as a key',
    );
    // Spelled with escapes, it is the same key.
    expect((await errorOf(await post('{"instances": ["a"], "parameters": {"\\u005f_proto__": {"admin": true}}}'))).message).toBe(
      'body: "__proto__" is not allowed as a key',
    );
    expect((await errorOf(await post('{"instances": ["a"], "parameters": {"constructor": {"prototype": {}}}}'))).message).toBe(
      'body: "constructor" is not allowed as a key',
    );
    // The word alone is fine.
    expect((await post({ instances: ['__proto__ constructor'] })).status).toBe(200);
    expect((await errorOf(await post({ instances: ['1', '2', '3', '4', '5'] }))).message).toBe(
      'instances: 5 instances are more than this server queues at once (batching.maxQueueSize = 4); send at most 4 per request',
    );
  });
});

describe('413, 415, 404, 405', () => {
  test('413 over the body limit, with the limit and how to raise it', async () => {
    const { post } = await readyServer({ bodyLimitBytes: 100 });
    const body = JSON.stringify({ instances: ['x'.repeat(200)] });
    const error = await errorOf(await post(body));
    expect(error.status).toBe(413);
    expect(error.body.error.status).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `the request body of ${body.length} bytes is over this server's limit of 100 bytes (1.5 MiB by default, the Vertex AI public endpoint limit); ` +
        'send fewer instances per request, or raise bodyLimitBytes in createPredictionServer (Cloud Run accepts up to 32 MiB)',
    );
    expect((await post({ instances: ['fits'] })).status).toBe(200);
  });

  test('413 reaches a client still sending its oversized body and slow to read: the body is read before the connection closes', async () => {
    const { port } = await readyServer();
    const size = 4 * 1024 * 1024;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        new Promise<string>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          let got = '';
          socket.on('error', () => undefined);
          socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
          socket.end(Buffer.alloc(size, 'x'));
          // Read only after a while: an answer followed by a reset (unread bytes at close) would be gone by then.
          socket.pause();
          setTimeout(() => {
            socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
            socket.resume();
          }, 300);
          socket.on('close', () => resolve(got.split('\r\n', 1)[0] ?? ''));
        }),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 8 }, () => 'HTTP/1.1 413 Payload Too Large'));
  });

  test('413 by default above 1.5 MiB, also for a chunked body without Content-Length', async () => {
    const { port, post } = await readyServer();
    const big = JSON.stringify({ instances: ['x'.repeat(1_600_000)] });
    expect((await errorOf(await post(big))).status).toBe(413);
    // Chunked: the limit applies while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request({ port, host: '127.0.0.1', path: '/predict', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.write(big.slice(0, 1_000_000));
      request.end(big.slice(1_000_000));
    });
    expect(chunked.status).toBe(413);
    expect((JSON.parse(chunked.body) as ErrorBody).error.message).toMatch(/^the request body is over this server's limit of 1572864 bytes/);
    const justUnder = JSON.stringify({ instances: ['x'.repeat(1_572_864 - 20)] });
    expect(justUnder.length).toBe(1_572_864 - 20 + 18);
    expect((await post(justUnder)).status).toBe(200);
  });

  test('415 for a body that is not JSON', async () => {
    const { url } = await readyServer();
    const text = await errorOf(await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"instances": ["a"]}' }));
    expect([text.status, text.message]).toEqual([
      415,
      'content type "text/plain" is not supported; send the body as JSON with Content-Type: application/json',
    ]);
    const form = await errorOf(await fetch(`${url}/predict`, { method: 'POST', body: new URLSearchParams({ instances: 'a' }) }));
    expect(form.message).toBe(
      'content type "application/x-www-form-urlencoded;charset=UTF-8" is not supported; send the body as JSON with Content-Type: application/json',
    );
    // charset parameters are fine
    const withCharset = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"instances": ["a"]}',
    });
    expect(withCharset.status).toBe(200);
  });

  test('404 for an unknown route, before reading any body', async () => {
    const { get, post } = await readyServer();
    const error = await errorOf(await get('/nope?x=1'));
    expect([error.status, error.body.error.status, error.message]).toEqual([
      404,
      'NOT_FOUND',
      'no route for GET /nope; this server answers POST /predict and GET /health (see GET /docs)',
    ]);
    expect((await errorOf(await post('not json at all', { path: '/elsewhere' }))).status).toBe(404);
  });

  test('a path that is not valid percent-encoding answers 400 in the same error shape', async () => {
    const { url } = await readyServer();
    const error = await errorOf(await fetch(`${url}/%ZZ`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect([error.status, error.body.error.status]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(error.message).toMatch(/^path: "\/%ZZ" is not a valid URL path \(.*\); this server answers POST \/predict and GET \/health$/);
  });

  test('405 with an Allow header for a wrong method on a known route', async () => {
    const { get, url } = await readyServer();
    const onPredict = await errorOf(await get('/predict'));
    expect([onPredict.status, onPredict.body.error.status, onPredict.message]).toEqual([405, 'UNIMPLEMENTED', 'GET is not allowed on /predict; use POST']);
    expect(onPredict.headers.get('allow')).toBe('POST');
    const onHealth = await errorOf(await fetch(`${url}/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect([onHealth.status, onHealth.message, onHealth.headers.get('allow')]).toEqual([405, 'POST is not allowed on /health; use GET, HEAD', 'GET, HEAD']);
    expect((await fetch(`${url}/metrics`, { method: 'DELETE' })).headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${url}/health`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('500: a failing handler fails only its own requests', () => {
  test('run() throws: 500 with a generic message, the cause logged with the request id, the server still healthy', async () => {
    const { post, get, logs } = await readyServer();
    const response = await post({ instances: ['throw'] }, { headers: { 'x-request-id': 'req-throw-1' } });
    const error = await errorOf(response);
    expect([error.status, error.body.error.status, error.message]).toEqual([
      500,
      'INTERNAL',
      'the model failed on this request; the server logged the cause under request id req-throw-1',
    ]);
    const cause = logs.find((line) => line.severity === 'ERROR' && line.requestId === 'req-throw-1' && !('httpRequest' in line));
    expect(cause?.message).toBe('prediction failed: handler.run failed: kaboom: the toy model broke');
    expect(String(cause?.stack_trace)).toMatch(/^Error: kaboom: the toy model broke\n/);
    expect((await get('/health')).status).toBe(200);
    expect(await (await post({ instances: ['after'] })).json()).toEqual({ predictions: ['AFTER'] });
  });

  test('run() returns the wrong number of results: 500 for that batch only', async () => {
    // Two single-instance requests queued behind a run fill a batch of 2 and run together; a later request
    // runs on its own.
    const { post, logs, toy } = await readyServer({ batching: { maxBatchSize: 2, maxQueueDelayMs: 5000 } });
    const release = toy.holdRuns();
    const first = post({ instances: ['first'] });
    await waitUntil(() => toy.runs.length === 1, 'the first run');
    const shorts = Promise.all([
      post({ instances: ['short'] }, { headers: { 'x-request-id': 'short-a' } }),
      post({ instances: ['b'] }, { headers: { 'x-request-id': 'short-b' } }),
    ]);
    await waitUntil(() => toy.parsed.length === 3, 'both requests to be queued');
    release();
    const [shortA, shortB] = await shorts;
    expect((await first).status).toBe(200);
    const later = await post({ instances: ['c', 'd'] });
    expect(toy.runs.map((batch) => [...batch].sort())).toEqual([
      ['first'],
      ['b', 'short'],
      ['c', 'd'],
    ]);
    expect([shortA.status, shortB.status, later.status]).toEqual([500, 500, 200]);
    expect(await later.json()).toEqual({ predictions: ['C', 'D'] });
    const messages = logs.filter((line) => line.severity === 'ERROR' && !('httpRequest' in line)).map((line) => [line.requestId, line.message]);
    expect(messages.sort()).toEqual([
      ['short-a', 'prediction failed: handler.run failed: run() returned 1 result for a batch of 2; it must resolve to one result per item, in order'],
      ['short-b', 'prediction failed: handler.run failed: run() returned 1 result for a batch of 2; it must resolve to one result per item, in order'],
    ]);
  });

  test('parseInstance or postprocess throwing something other than InvalidInputError is a 500, not a crash', async () => {
    const { post, server, logs } = await startServer({
      handler: {
        parseInstance: (instance: unknown) => (instance as { text: string }).text.trim(),
        run: (batch: string[]) => Promise.resolve(batch),
        postprocess: (raw: string) => {
          if (raw === 'explode') throw new RangeError('postprocess exploded');
          return raw;
        },
      },
    });
    await server.ready;
    const parse = await errorOf(await post({ instances: [{ text: 'ok' }, 'no text field'] }));
    expect(parse.status).toBe(500);
    expect(logs.some((line) => typeof line.message === 'string' && line.message.startsWith('prediction failed: handler.parseInstance threw: '))).toBe(true);
    const post500 = await errorOf(await post({ instances: [{ text: 'explode' }] }));
    expect(post500.status).toBe(500);
    expect(logs.some((line) => line.message === 'prediction failed: handler.postprocess threw: postprocess exploded')).toBe(true);
    expect(await (await post({ instances: [{ text: ' fine ' }] })).json()).toEqual({ predictions: ['fine'] });
  });
});

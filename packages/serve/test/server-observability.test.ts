// What operators see: request ids, Cloud Logging lines, Prometheus metrics, the OpenAPI document and
// docs page; and the optional API key.
import crypto from 'node:crypto';
import vm from 'node:vm';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createApiKeyCheck } from '../src/lib/server/api-key.js';
import { createToyHandler } from './helpers/toy-handler.js';
import { json, startServer } from './helpers/test-server.js';
import type { ErrorBody } from './helpers/test-server.js';

async function readyServer(options: Partial<Parameters<typeof startServer>[0]> = {}) {
  const toy = createToyHandler();
  const started = await startServer({ handler: toy.handler, ...options });
  await started.server.ready;
  return { ...started, toy };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request id', () => {
  test('x-request-id, then the trace id of x-cloud-trace-context or traceparent, else a UUID; echoed and in error bodies', async () => {
    const { post, get } = await readyServer();
    const given = await post({ instances: ['a'] }, { headers: { 'x-request-id': 'client-id-42' } });
    expect(given.headers.get('x-request-id')).toBe('client-id-42');

    const cloudTrace = await get('/health', { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' });
    expect(cloudTrace.headers.get('x-request-id')).toBe('105445aa7843bc8bf206b12000100000');
    const w3c = await get('/health', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(w3c.headers.get('x-request-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const both = await get('/health', { 'x-request-id': 'mine', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(both.headers.get('x-request-id')).toBe('mine');

    const generated = await get('/health');
    expect(generated.headers.get('x-request-id')).toMatch(UUID);
    const unsafe = await get('/health', { 'x-request-id': 'has spaces <script>' });
    expect(unsafe.headers.get('x-request-id')).toMatch(UUID);

    const error = await post({ instances: [] }, { headers: { 'x-request-id': 'bad-request-7' } });
    expect(error.headers.get('x-request-id')).toBe('bad-request-7');
    expect((await json<ErrorBody>(error)).error.requestId).toBe('bad-request-7');
  });
});

describe('logs', () => {
  test('one JSON line per request that Cloud Logging understands: severity, message, httpRequest, requestId', async () => {
    const { post, logs } = await readyServer();
    const body = JSON.stringify({ instances: ['log me'] });
    const response = await post(body, { headers: { 'x-request-id': 'log-1', 'user-agent': 'vk-test/1.0' } });
    const text = await response.text();
    const lines = logs.filter((line) => line.requestId === 'log-1');
    expect(lines).toHaveLength(1);
    const line = lines[0] as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(['httpRequest', 'message', 'requestId', 'severity', 'time']);
    expect(line.severity).toBe('INFO');
    expect(line.message).toBe('POST /predict 200');
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
    const httpRequest = line.httpRequest as Record<string, unknown>;
    expect(httpRequest).toEqual({
      requestMethod: 'POST',
      requestUrl: '/predict',
      status: 200,
      latency: expect.stringMatching(/^\d+\.\d{6}s$/) as unknown,
      requestSize: String(body.length),
      responseSize: String(text.length),
      userAgent: 'vk-test/1.0',
      remoteIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    });
    expect(Number.parseFloat(String(httpRequest.latency))).toBeLessThan(5);
    // Nothing of pino's own shape is left.
    expect(logs.every((l) => !('level' in l) && !('msg' in l) && !('pid' in l) && !('hostname' in l))).toBe(true);
  });

  test('severities: probes at DEBUG, 4xx INFO, 429/503 WARNING, 500 ERROR', async () => {
    const { post, get, logs } = await readyServer();
    await get('/health', { 'x-request-id': 'probe' });
    await post({ instances: [] }, { headers: { 'x-request-id': 'bad' } });
    await post({ instances: ['throw'] }, { headers: { 'x-request-id': 'boom' } });
    const requestLine = (id: string) => logs.find((line) => line.requestId === id && 'httpRequest' in line);
    expect(requestLine('probe')?.severity).toBe('DEBUG');
    expect(requestLine('bad')?.severity).toBe('INFO');
    expect(requestLine('boom')?.severity).toBe('ERROR');
  });

  test('with GOOGLE_CLOUD_PROJECT set, request lines carry the trace and span for Cloud Trace', async () => {
    const { get, logs } = await readyServer({ env: { GOOGLE_CLOUD_PROJECT: 'my-project' } });
    await get('/health', { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/255;o=1' });
    const line = logs.find((l) => 'httpRequest' in l);
    expect(line?.['logging.googleapis.com/trace']).toBe('projects/my-project/traces/105445aa7843bc8bf206b12000100000');
    expect(line?.['logging.googleapis.com/spanId']).toBe('00000000000000ff');
    expect(line?.['logging.googleapis.com/trace_sampled']).toBe(true);
  });

  test('logger: false is silent and still serves', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler, logger: false });
    await server.ready;
    expect((await post({ instances: ['quiet'] })).status).toBe(200);
  });
});

describe('metrics', () => {
  test('GET /metrics: requests by route and status, latency, batch sizes, queue depth, model runs, in a registry of its own', async () => {
    const { post, get } = await readyServer({ batching: { maxBatchSize: 8, maxQueueDelayMs: 0 } });
    await post({ instances: ['a', 'b', 'c'] });
    await post({ instances: ['d'] });
    await post({ instances: [] });
    await get('/nowhere');
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('vertexkit_serve_http_requests_total{method="POST",route="/predict",status="200"}')).toBe(2);
    expect(value('vertexkit_serve_http_requests_total{method="POST",route="/predict",status="400"}')).toBe(1);
    expect(value('vertexkit_serve_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(value('vertexkit_serve_http_request_duration_seconds_count{method="POST",route="/predict"}')).toBe(3);
    expect(value('vertexkit_serve_batch_size_count')).toBe(2);
    expect(value('vertexkit_serve_batch_size_sum')).toBe(4);
    expect(value('vertexkit_serve_batch_size_bucket{le="1"}')).toBe(1);
    expect(value('vertexkit_serve_batch_size_bucket{le="4"}')).toBe(2);
    expect(value('vertexkit_serve_batch_size_bucket{le="8"}')).toBe(2);
    expect(value('vertexkit_serve_queue_depth')).toBe(0);
    expect(value('vertexkit_serve_model_run_duration_seconds_count{outcome="ok"}')).toBe(2);
    expect(value('vertexkit_serve_model_ready')).toBe(1);
    expect(text).toMatch(/^# TYPE vertexkit_serve_process_cpu_seconds_total counter$/m);
    expect(await globalRegistry.metrics()).not.toContain('vertexkit_serve_');
  });

  test('failed runs are counted apart; two servers keep their own numbers', async () => {
    const first = await readyServer({ batching: { maxQueueDelayMs: 0 } });
    const second = await readyServer({ batching: { maxQueueDelayMs: 0 } });
    await first.post({ instances: ['throw'] });
    const firstText = await (await first.get('/metrics')).text();
    const secondText = await (await second.get('/metrics')).text();
    expect(firstText).toContain('vertexkit_serve_model_run_duration_seconds_count{outcome="error"} 1');
    expect(firstText).toContain('vertexkit_serve_http_requests_total{method="POST",route="/predict",status="500"} 1');
    expect(secondText).not.toContain('status="500"');
  });
});

describe('OpenAPI and docs', () => {
  test('/openapi.json describes the predict and health routes with their schemas', async () => {
    const { get } = await readyServer({
      predictRoute: '/v1/models/m:predict',
      openApi: { title: 'Sentiment', version: '2.1.0', instanceSchema: { type: 'string' }, exampleRequest: { instances: ['great film'] } },
    });
    const response = await get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const document = (await response.json()) as {
      openapi: string;
      info: unknown;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }>; securitySchemes?: unknown };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'Sentiment', version: '2.1.0' });
    expect(Object.keys(document.paths)).toEqual(['/v1/models/m:predict', '/health', '/metrics']);
    const predict = document.paths['/v1/models/m:predict']?.post;
    expect(predict?.operationId).toBe('predict');
    expect(Object.keys(predict?.responses ?? {})).toEqual(['200', '400', '413', '415', '429', '500', '503']);
    expect(predict?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictRequest' }, example: { instances: ['great film'] } } },
    });
    expect(document.paths['/health']?.get?.operationId).toBe('health');
    expect(document.components.schemas.PredictRequest?.properties.instances).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 1024,
      items: { $ref: '#/components/schemas/Instance' },
    });
    expect(document.components.schemas.Instance).toEqual({ type: 'string' });
    expect(Object.keys(document.components.schemas)).toEqual(['PredictRequest', 'PredictResponse', 'Instance', 'Parameters', 'Prediction', 'Health', 'Error']);
    expect(document.components.securitySchemes).toBeUndefined();
  });

  test('/docs is a self-contained page rendered on the server: everything escaped, a try-it form, a CSP that allows only its own script', async () => {
    const { get } = await readyServer({ openApi: { title: 'Toy </script><b>model', exampleRequest: { instances: ["it's <b>"] } } });
    const response = await get('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<title>Toy &#60;/script&#62;&#60;b&#62;model</title>');
    expect(html).toContain('<h1>Toy &#60;/script&#62;&#60;b&#62;model</h1>');
    // Nothing from the document or the options can open or close an element.
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).not.toContain('<b>');
    expect(html).not.toMatch(/(src|href)="https?:/);
    // The example is a shell-quoted curl argument, and the try-it form's starting body.
    expect(html).toContain(`-d &#39;{&#34;instances&#34;:[&#34;it&#39;\\&#39;&#39;s &#60;b&#62;&#34;]}&#39;`);
    expect(html).toMatch(/<form id="try-it" data-path="\/predict" hidden>/);
    expect(html).toContain('<textarea id="try-body" spellcheck="false" aria-label="request body">{\n  &#34;instances&#34;: [\n    &#34;it&#39;s &#60;b&#62;&#34;\n  ]\n}</textarea>');
    const script = /<script>(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(script).toContain("fetch(form.getAttribute('data-path'), { method: 'POST'");
    // It parses as JavaScript (compiled, not run: there is no DOM here).
    expect(() => new vm.Script(script)).not.toThrow();
    const csp = response.headers.get('content-security-policy') ?? '';
    const scriptHash = crypto.createHash('sha256').update(script).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${scriptHash}'`);
    const style = /<style>(.*?)<\/style>/s.exec(html)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${crypto.createHash('sha256').update(style).digest('base64')}'`);
    expect(html).not.toMatch(/ style="/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });
});

describe('API key', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('off by default: no key needed', async () => {
    const { post } = await readyServer();
    expect((await post({ instances: ['open'] })).status).toBe(200);
  });

  test('on: x-api-key or Bearer; 401 otherwise; health, docs and openapi.json stay open; metrics need it', async () => {
    const key = 'k3y-0123456789abcdef';
    const { post, get } = await readyServer({ apiKey: key });
    const missing = await post({ instances: ['a'] });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const missingBody = await json<ErrorBody>(missing);
    expect(missingBody.error.status).toBe('UNAUTHENTICATED');
    expect(missingBody.error.message).toBe('this server requires an API key; send it in the x-api-key header or as Authorization: Bearer <key>');
    const wrong = await post({ instances: ['a'] }, { headers: { 'x-api-key': 'k3y-0123456789abcdeF' } });
    expect([wrong.status, (await json<ErrorBody>(wrong)).error.message]).toEqual([401, 'the API key is not valid for this server']);
    expect((await post({ instances: ['a'] }, { headers: { authorization: `Basic ${key}` } })).status).toBe(401);

    expect(await (await post({ instances: ['a'] }, { headers: { 'x-api-key': key } })).json()).toEqual({ predictions: ['A'] });
    expect(await (await post({ instances: ['b'] }, { headers: { authorization: `Bearer ${key}` } })).json()).toEqual({ predictions: ['B'] });

    expect((await get('/health')).status).toBe(200);
    expect((await get('/docs')).status).toBe(200);
    const document = (await (await get('/openapi.json')).json()) as { components: { securitySchemes: unknown } };
    expect(document.components.securitySchemes).toEqual({
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${key}` })).status).toBe(200);
  });

  test('the comparison is timing-safe: fixed-length digests through crypto.timingSafeEqual, for any presented length', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    const check = createApiKeyCheck('the-right-key');
    expect(check('the-right-key')).toBe(true);
    expect(check('x')).toBe(false);
    expect(check('the-right-key-but-longer-than-expected')).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(4);
    for (const [a, b] of spy.mock.calls) {
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    }
  });
});

// createPredictionServer: the platform contracts (Vertex AI's AIP_* variables, Cloud Run's PORT),
// readiness while the model loads, the predict round trip, and option validation.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { createPredictionServer } from '../src/lib/server/create-prediction-server.js';
import { PredictionServerError } from '../src/lib/server/errors.js';
import { resolveServerOptions } from '../src/lib/server/options.js';
import type { PredictionServerOptions } from '../src/lib/server/options.js';
import { createToyHandler } from './helpers/toy-handler.js';
import { json, startServer } from './helpers/test-server.js';
import type { ErrorBody } from './helpers/test-server.js';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('platform contracts', () => {
  test('Vertex AI: AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE (with its ":predict" colon) win over PORT', async () => {
    const port = await freePort();
    const toy = createToyHandler();
    const base = '/v1/endpoints/123/deployedModels/456';
    const { url, get, post, server } = await startServer({
      handler: toy.handler,
      port: undefined,
      env: { AIP_HTTP_PORT: String(port), PORT: '1', AIP_HEALTH_ROUTE: base, AIP_PREDICT_ROUTE: `${base}:predict` },
    });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    await server.ready;
    const health = await get(base);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const predicted = await post({ instances: ['vertex'] }, { path: `${base}:predict` });
    expect(predicted.status).toBe(200);
    expect(await predicted.json()).toEqual({ predictions: ['VERTEX'] });
    // The colon is literal, not a route parameter, and the defaults are not served.
    expect((await post({ instances: ['x'] }, { path: `${base}:other` })).status).toBe(404);
    expect((await post({ instances: ['x'] })).status).toBe(404);
    expect((await get('/health')).status).toBe(404);
  });

  test('Cloud Run: PORT, with the default /health and /predict routes', async () => {
    const port = await freePort();
    const toy = createToyHandler();
    const { url, get, post, server } = await startServer({ handler: toy.handler, port: undefined, env: { PORT: String(port) } });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    await server.ready;
    expect(await (await get('/health')).json()).toEqual({ status: 'ok' });
    expect(await (await post({ instances: ['run'] })).json()).toEqual({ predictions: ['RUN'] });
  });

  test('defaults and precedence: explicit options, then AIP_*, then PORT, then 8080 on 0.0.0.0', () => {
    const { handler } = createToyHandler();
    const resolve = (options: Partial<PredictionServerOptions>) => resolveServerOptions({ handler, ...options } as PredictionServerOptions<never, never, never, never>);
    expect(resolve({ env: {} })).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      healthRoute: '/health',
      predictRoute: '/predict',
      batching: { maxBatchSize: 32, maxQueueDelayMs: 5, maxQueueSize: 1024 },
      bodyLimitBytes: 1_572_864,
      shutdownGraceMs: 10_000,
      handleSignals: true,
      exitOnShutdown: true,
      exitOnLoadFailure: true,
    });
    expect(resolve({ env: { PORT: '9000' } }).port).toBe(9000);
    expect(resolve({ env: { PORT: '9000', AIP_HTTP_PORT: '7080' } }).port).toBe(7080);
    expect(resolve({ env: { AIP_HTTP_PORT: '7080' }, port: 3000 }).port).toBe(3000);
    expect(resolve({ env: { AIP_PREDICT_ROUTE: '/p', AIP_HEALTH_ROUTE: '/h' }, predictRoute: '/mine' })).toMatchObject({ predictRoute: '/mine', healthRoute: '/h' });
    expect(resolve({ env: {}, handleSignals: false })).toMatchObject({ handleSignals: false, exitOnShutdown: false, exitOnLoadFailure: false });
    expect(resolve({ env: {}, exitOnShutdown: false })).toMatchObject({ exitOnShutdown: false, exitOnLoadFailure: false });
    expect(resolve({ env: {}, exitOnLoadFailure: false })).toMatchObject({ exitOnShutdown: true, exitOnLoadFailure: false });
  });
});

describe('readiness', () => {
  test('health and predict answer 503 while the model loads, then 200', async () => {
    const toy = createToyHandler({ holdLoad: true });
    const { get, post, server, logs } = await startServer({ handler: toy.handler });
    expect(server.status).toBe('loading');

    const loadingHealth = await get('/health');
    expect(loadingHealth.status).toBe(503);
    expect(await loadingHealth.json()).toEqual({ status: 'loading' });
    const loadingPredict = await post({ instances: ['early'] });
    expect(loadingPredict.status).toBe(503);
    expect(loadingPredict.headers.get('retry-after')).toBe('5');
    const body = await json<ErrorBody>(loadingPredict);
    expect(body.error).toEqual({
      code: 503,
      status: 'UNAVAILABLE',
      message: 'the model is loading; retry after 5 s (GET /health answers 200 once it is ready)',
      requestId: loadingPredict.headers.get('x-request-id'),
    });
    expect(toy.runs).toEqual([]);

    toy.releaseLoad();
    await server.ready;
    expect(server.status).toBe('ready');
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('{"status":"ok"}');
    expect(logs.map((line) => line.message)).toContain('loading the model');
    expect(logs.some((line) => line.severity === 'INFO' && /^model loaded in \d+\.\d\d s; ready for predictions$/.test(line.message))).toBe(true);
  });

  test('with exitOnLoadFailure off, a failed load keeps the server answering: health 503 "failed" with the error, predict 503, an ERROR log line', async () => {
    const toy = createToyHandler({ holdLoad: true });
    const { get, post, server, logs } = await startServer({ handler: toy.handler });
    toy.failLoad(new Error('model.onnx: no such file'));
    await expect(server.ready).rejects.toThrow('model.onnx: no such file');
    expect(server.status).toBe('failed');

    const health = await get('/health');
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'failed', error: 'model.onnx: no such file' });
    const predict = await post({ instances: ['x'] });
    expect(predict.status).toBe(503);
    expect((await json<ErrorBody>(predict)).error.message).toBe(
      'the model failed to load, so this server cannot predict; the cause is in its logs and at GET /health',
    );
    const failure = logs.find((line) => line.severity === 'ERROR');
    expect(failure?.message).toBe('the model failed to load: model.onnx: no such file; /health answers 503 until the process is restarted');
    expect(String(failure?.stack_trace)).toMatch(/^Error: model\.onnx: no such file\n\s+at /);
  });

  test('a handler without load() is ready as soon as it listens', async () => {
    const { server, get } = await startServer({ handler: { parseInstance: (x: unknown) => x, run: (batch: unknown[]) => Promise.resolve(batch) } });
    await server.ready;
    expect((await get('/health')).status).toBe(200);
  });
});

describe('predict', () => {
  test('instances and parameters in, predictions out, in order, with nothing else in the body', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler });
    await server.ready;
    const response = await post({ instances: ['b', 'a', 'c'], parameters: { suffix: '!' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe('{"predictions":["B!","A!","C!"]}');
    expect(toy.runs).toEqual([['b', 'a', 'c']]);
  });

  test('a handler without parseParameters and postprocess returns the raw results; null parameters are fine', async () => {
    const { post, server } = await startServer({
      handler: {
        parseInstance: (instance: unknown) => instance,
        run: (batch: unknown[]) => Promise.resolve(batch.map((instance) => ({ echo: instance }))),
      },
    });
    await server.ready;
    const response = await post({ instances: [{ text: 'x' }, 7], parameters: null });
    expect(await response.json()).toEqual({ predictions: [{ echo: { text: 'x' } }, { echo: 7 }] });
  });

  test('parameters reach postprocess per request; parseParameters sees undefined when they are absent', async () => {
    const toy = createToyHandler();
    const { post, server } = await startServer({ handler: toy.handler });
    await server.ready;
    expect(await (await post({ instances: ['x'] })).json()).toEqual({ predictions: ['X'] });
    expect(await (await post({ instances: ['x'], parameters: {} })).json()).toEqual({ predictions: ['X'] });
  });
});

describe('options', () => {
  const { handler } = createToyHandler();
  const errorOf = (options: Record<string, unknown>): PredictionServerError => {
    try {
      createPredictionServer({ handler, env: {}, ...options });
    } catch (error) {
      expect(PredictionServerError.isInstance(error), String(error)).toBe(true);
      expect((error as PredictionServerError).code).toBe('INVALID_OPTION');
      return error as PredictionServerError;
    }
    throw new Error('expected createPredictionServer to throw');
  };

  test('bad numbers name the option, the value and the fix', () => {
    expect(errorOf({ port: 70000 }).message).toBe('port: 70000 is not a port; pass an integer from 0 (any free port) to 65535');
    expect(errorOf({ port: 80.5 }).option).toBe('port');
    expect(errorOf({ env: { AIP_HTTP_PORT: 'eighty' } }).message).toBe(
      'AIP_HTTP_PORT: "eighty" is not a port; set it to an integer from 1 to 65535, or unset it (default 8080)',
    );
    expect(errorOf({ env: { PORT: '-1' } }).option).toBe('PORT');
    expect(errorOf({ batching: { maxBatchSize: 0 } }).message).toBe('batching.maxBatchSize: 0 is not a positive integer; pass 1 or more (default 32)');
    expect(errorOf({ batching: { maxQueueDelayMs: Number.NaN } }).message).toBe(
      'batching.maxQueueDelayMs: NaN is not a delay; pass 0 or more milliseconds (default 5)',
    );
    expect(errorOf({ batching: { maxQueueSize: 8 } }).message).toBe(
      'batching.maxQueueSize: 8 is smaller than batching.maxBatchSize (32), so a full batch could never form; pass 32 or more',
    );
    expect(errorOf({ bodyLimitBytes: '1mb' }).message).toBe(
      'bodyLimitBytes: "1mb" is not a positive integer; pass a size in bytes (default 1572864, 1.5 MiB)',
    );
    expect(errorOf({ shutdownGraceMs: -5 }).message).toBe(
      "shutdownGraceMs: -5 is not a duration; pass 0 or more milliseconds (default 10000, Cloud Run's SIGTERM window)",
    );
  });

  test('routes must start with "/", differ from each other, and leave the server its own', () => {
    expect(errorOf({ predictRoute: 'predict' }).message).toBe('predictRoute: "predict" is not a route; pass a path starting with "/", e.g. "/predict"');
    expect(errorOf({ env: { AIP_HEALTH_ROUTE: 'health' } }).message).toBe(
      'AIP_HEALTH_ROUTE: "health" is not a route; pass a path starting with "/", e.g. "/health"',
    );
    expect(errorOf({ predictRoute: '/same', healthRoute: '/same' }).message).toBe(
      'predictRoute: "/same" is also the health route (healthRoute); give them different paths, e.g. /predict and /health',
    );
    expect(errorOf({ env: { AIP_PREDICT_ROUTE: '/x', AIP_HEALTH_ROUTE: '/x' } }).message).toBe(
      'AIP_PREDICT_ROUTE: "/x" is also the health route (AIP_HEALTH_ROUTE); give them different paths, e.g. /predict and /health',
    );
    expect(errorOf({ healthRoute: '/metrics' }).message).toBe('healthRoute: "/metrics" is taken by the server itself; pick another path, e.g. "/health"');
    expect(errorOf({ predictRoute: '/predict?x=1' }).message).toBe(
      'predictRoute: "/predict?x=1" is not a route; a path cannot contain spaces, "?", "#" or "*"',
    );
  });

  test('the handler, the API key, unknown options', () => {
    expect(errorOf({ handler: { run: () => Promise.resolve([]) } }).message).toBe(
      'handler: expected a PredictionHandler with parseInstance() and run() methods (missing parseInstance)',
    );
    expect(errorOf({ handler: undefined }).message).toBe('handler: expected a PredictionHandler with parseInstance() and run() methods, got nothing');
    expect(errorOf({ handler: { ...handler, close: 'soon' } }).message).toBe('handler.close: expected a function or nothing, got the string "soon"');
    expect(errorOf({ apiKey: '' }).message).toBe(
      'apiKey: an empty string cannot be sent in a header; pass a non-empty key without spaces, or leave apiKey undefined to turn authentication off',
    );
    expect(errorOf({ maxBatchSize: 8 }).message).toBe('maxBatchSize: unknown option; did you mean batching.maxBatchSize?');
    expect(errorOf({ batching: { maxBatch: 8 } }).message).toBe('batching.maxBatch: unknown option; known: maxBatchSize, maxQueueDelayMs, maxQueueSize');
    expect(errorOf({ logger: 'debug' }).message).toBe("logger: expected pino options like { level: 'info' } or false, got the string \"debug\"");
    expect(errorOf({ handleSignals: 'yes' }).message).toBe('handleSignals: expected true or false, got the string "yes"');
    expect(errorOf({ exitOnLoadFailure: 1 }).message).toBe('exitOnLoadFailure: expected true or false, got number 1');
  });

  test('listen() on a port in use rejects with LISTEN_FAILED naming the port and the setting to change; ready rejects too', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { handler: toy } = createToyHandler();
      for (const [options, setting] of [
        [{ port }, 'the port option'],
        [{ port: undefined, env: { PORT: String(port) } }, 'PORT'],
        [{ port: undefined, env: { AIP_HTTP_PORT: String(port) } }, 'AIP_HTTP_PORT'],
      ] as const) {
        const server = createPredictionServer({ handler: toy, host: '127.0.0.1', env: {}, handleSignals: false, logger: false, ...options });
        const error = await server.listen().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(PredictionServerError.isInstance(error), String(error)).toBe(true);
        expect((error as PredictionServerError).code).toBe('LISTEN_FAILED');
        expect((error as PredictionServerError).message).toBe(
          `port ${port} on 127.0.0.1 is already in use by another process; stop that process, or set ${setting} to a free port`,
        );
        await expect(server.ready).rejects.toBe(error);
        expect(server.status).toBe('closed');
        await server.close();
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('listen() twice is an error', async () => {
    const toy = createToyHandler();
    const { server } = await startServer({ handler: toy.handler });
    await server.ready;
    await expect(server.listen()).rejects.toThrow('listen() was already called (the server is ready)');
  });
});

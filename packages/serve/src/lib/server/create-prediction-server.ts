import type { AddressInfo, Socket } from 'node:net';
import { LogController, fastify } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ExampleRequest, ModelDescription, PredictionHandler } from '../handler.js';
import { InvalidInputError } from '../handler.js';
import { createApiKeyCheck, presentedApiKey } from './api-key.js';
import { cloudLoggingOptions, httpRequestLog, projectIdFrom, traceLogFields } from './cloud-logging.js';
import { DOCS_PAGE_CSP, renderDocsPage } from './docs-page.js';
import { DynamicBatcher } from './dynamic-batcher.js';
import { PredictionServerError, describeValue } from './errors.js';
import { HttpError, sendError } from './http-error.js';
import { createServerMetrics } from './metrics.js';
import { buildOpenApiDocument, summarizeApi } from './openapi.js';
import type { ApiSummary, JsonObject, OpenApiParams } from './openapi.js';
import { FIXED_ROUTES, resolveServerOptions } from './options.js';
import type { PredictionServerOptions, ResolvedServerOptions } from './options.js';
import { requestIdFrom, traceContextFrom } from './request-id.js';

/** Where the server is in its life. */
export type ServerStatus =
  /** Created; `listen()` not called yet. */
  | 'created'
  /** Listening; `handler.load()` in progress: health and predict answer 503. */
  | 'loading'
  /** Model loaded: health 200, predictions served. */
  | 'ready'
  /** `handler.load()` failed: health answers 503 `failed` with the error, predict 503. */
  | 'failed'
  /** `close()` or a signal: no new connections; requests in flight and queued finish. */
  | 'draining'
  /** Closed, `handler.close()` done. */
  | 'closed';

/** What {@link createPredictionServer} returns. */
export interface PredictionServer {
  /**
   * Bind the port at once (platforms probe TCP from the start), then load the model in the background.
   * Resolves when bound, with a URL to reach the server from this machine (`http://127.0.0.1:PORT` when
   * bound to 0.0.0.0). Await {@link PredictionServer.ready} for the model.
   *
   * @throws PredictionServerError `LISTEN_FAILED` when the port is taken or not allowed, or the host is not
   *   this machine's, saying which setting to change.
   */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Drain and stop: refuse new connections, let requests in flight and queued finish (up to
   * `shutdownGraceMs`, after which what is left gets 503 and connections close), then `handler.close()`.
   * Never exits the process. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /**
   * Resolves once `handler.load()` (started by `listen()`) resolved; rejects with its error if it failed
   * (the process exits instead when `exitOnLoadFailure` is on), or with `listen()`'s error.
   */
  readonly ready: Promise<void>;
  /** The fastify instance, to add routes of your own before `listen()`. */
  readonly app: FastifyInstance;
  /** Where the server is in its life. */
  readonly status: ServerStatus;
}

interface RouteConfig {
  /** Answered without the API key. */
  open?: boolean;
  /** Probes and scrapers: request lines at DEBUG so they don't flood the logs. */
  quiet?: boolean;
}

const LOADING_RETRY_AFTER_S = 5;
const BUSY_RETRY_AFTER_S = 1;
const UNUSED_CONNECTION_GRACE_MS = 500;

/**
 * A prediction server for Vertex AI custom containers and Cloud Run: `POST {"instances": [...],
 * "parameters": {...}}` to the predict route answers `{"predictions": [...]}`, with instances from
 * concurrent requests batched into shared model runs.
 *
 * - The port, predict and health routes follow the platform's variables (`AIP_HTTP_PORT`,
 *   `AIP_PREDICT_ROUTE`, `AIP_HEALTH_ROUTE` on Vertex AI; `PORT` on Cloud Run).
 * - `listen()` binds at once and loads the model in the background; health answers 503 until it is loaded.
 * - SIGTERM drains: in-flight and queued requests finish within `shutdownGraceMs`, then the process exits 0.
 * - A model that fails to load is one ERROR line and exit code 1 (`exitOnLoadFailure`), so the platform sees
 *   a failed start instead of a server answering 503 forever.
 * - JSON log lines for Cloud Logging, Prometheus metrics at `/metrics`, OpenAPI at `/openapi.json`, docs at `/docs`.
 *
 * @example
 * ```ts
 * import { createPredictionServer } from '@vertexkit/serve';
 *
 * const server = createPredictionServer({
 *   handler: {
 *     parseInstance: (instance) => String(instance),
 *     run: async (texts) => texts.map((text) => text.length),
 *   },
 * });
 * const { url } = await server.listen(); // POST {"instances": ["hi"]} to `${url}/predict` -> {"predictions": [2]}
 * ```
 *
 * @throws PredictionServerError `INVALID_OPTION` naming the option, the value and the fix.
 */
export function createPredictionServer<Instance = unknown, Raw = unknown, Prediction = unknown, Params = unknown>(
  options: PredictionServerOptions<Instance, Raw, Prediction, Params>,
): PredictionServer {
  const settings = resolveServerOptions(options as PredictionServerOptions<never, never, never, never>);
  const handler: PredictionHandler<Instance, Raw, Prediction, Params> = options.handler;
  const { predictRoute, healthRoute } = settings;

  let status: ServerStatus = 'created';
  let loadError: unknown;
  let loading: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let removeSignalHandlers: (() => void) | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nobody has to await `ready`: a failed load is reported by health and the logs, not by a crash.
  ready.catch(() => undefined);

  const metrics = createServerMetrics(settings.batching.maxBatchSize);
  const batcher = new DynamicBatcher<Instance, Raw>({
    ...settings.batching,
    run: (batch) => handler.run(batch),
    onBatch: (event) => {
      metrics.batchSize.observe(event.size);
      metrics.modelRunDuration.observe({ outcome: event.error === undefined ? 'ok' : 'error' }, event.durationMs / 1000);
    },
    onQueueDepth: (depth) => metrics.queueDepth.set(depth),
  });

  const projectId = projectIdFrom(settings.env);
  const app = fastify({
    logger: settings.logger === false ? false : cloudLoggingOptions(settings.logger),
    bodyLimit: settings.bodyLimitBytes,
    genReqId: (raw) => requestIdFrom(raw.headers),
    // One request line per request, ours (with Cloud Logging's httpRequest), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // Requests that arrive on open connections while draining reach our routes, which answer 503 in
    // our error shape (health: {"status": "draining"}); fastify still adds Connection: close.
    return503OnClosing: false,
    // A path that is not valid percent-encoding (`/%ZZ`) never reaches a route or the error handler: answer it in
    // our error shape too.
    frameworkErrors: (error, request, reply) => {
      // No hook ran: the request id header is set here.
      reply.header('x-request-id', request.id);
      sendError(reply, new HttpError(400, `path: ${JSON.stringify(request.url)} is not a valid URL path (${error.message}); this server answers POST ${settings.predictRoute} and GET ${settings.healthRoute}`));
    },
    ...(projectId
      ? {
          childLoggerFactory: (logger: FastifyBaseLogger, bindings, childOptions, raw) => {
            const trace = traceLogFields(traceContextFrom(raw.headers), projectId);
            return logger.child(trace ? { ...bindings, ...trace } : bindings, childOptions);
          },
        }
      : {}),
  });
  const log = app.log;

  // Node's closeIdleConnections() skips connections that never carried a request (clients and load
  // balancers open them ahead of need); draining closes those itself, or close() would wait for them.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  // Static paths and their methods, for 405 + Allow on a known path (fastify answers 404 for those).
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const pattern = route.url;
    if (pattern.replaceAll('::', '').includes(':') || pattern.includes('*')) return;
    const path = pattern.replaceAll('::', ':');
    const methods = methodsByPath.get(path) ?? new Set<string>();
    for (const method of [route.method].flat()) {
      methods.add(method);
      if (method === 'GET') methods.add('HEAD');
    }
    methodsByPath.set(path, methods);
  });

  // Only JSON bodies: anything else is 415 on every route.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  const checkApiKey = settings.apiKey === undefined ? undefined : createApiKeyCheck(settings.apiKey);
  // When each request arrived, for the 499s of hang-ups during upload (onRequestAbort has no reply to ask). A
  // request decorator, which fastify declares on every request up front, rather than a WeakMap keyed by request.
  app.decorateRequest(RECEIVED_AT, 0);
  app.addHook('onRequest', (request, reply, done) => {
    receivedAt(request, performance.now());
    reply.header('x-request-id', request.id);
    if (request.is404) {
      // Answered here, before any body is read: a 404 or 405 should not depend on the body.
      sendError(reply, notFoundOrNotAllowed(request));
      return;
    }
    if (checkApiKey && !routeConfig(request).open) {
      const key = presentedApiKey(request.headers);
      if (!checkApiKey(key)) {
        const message =
          key === undefined
            ? 'this server requires an API key; send it in the x-api-key header or as Authorization: Bearer <key>'
            : 'the API key is not valid for this server';
        sendError(reply, new HttpError(401, message, { 'www-authenticate': 'Bearer' }));
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    recordRequest(request, reply.statusCode, reply.elapsedTime, reply);
    // While draining, a keep-alive connection whose last request just finished is idle: close it, or
    // the server would wait for the client to hang up. One with a request pipelined behind is busy and
    // stays open until that one is answered (with Connection: close, as fastify sets while closing).
    if (status === 'draining') setImmediate(() => app.server.closeIdleConnections());
    done();
  });
  // A client that hangs up gets no response and so no onResponse: record it as 499, as load balancers
  // do. This hook covers hang-ups while the body uploads; predict() covers those while waiting.
  app.addHook('onRequestAbort', (request, done) => {
    const started = receivedAt(request);
    recordRequest(request, 499, started === 0 ? 0 : performance.now() - started, undefined);
    done();
  });

  /**
   * One log line (with Cloud Logging's httpRequest) and the request metrics, per request. `answered`: the reply
   * that was sent (its Content-Length is the logged size); none for hang-ups.
   */
  function recordRequest(request: FastifyRequest, statusCode: number, latencyMs: number, answered: FastifyReply | undefined): void {
    const { url, config } = request.routeOptions;
    const route = url?.replaceAll('::', ':') ?? 'unmatched';
    metrics.requests.record(request.method, route, statusCode, latencyMs / 1000);
    const quiet = (config as RouteConfig | undefined)?.quiet === true;
    const level = quiet ? 'debug' : statusCode === 503 || statusCode === 429 ? 'warn' : statusCode >= 500 ? 'error' : 'info';
    // Building the line costs about 1% of the event loop at thousands of requests/s: not for nothing.
    if (!logs(request.log, level)) return;
    request.log[level]({ httpRequest: httpRequestLog(request, statusCode, latencyMs, answered?.getHeader('content-length')) }, `${request.method} ${request.url} ${statusCode}`);
  }

  /** Whether `logger` writes `level` lines; fastify's logger for `logger: false` writes none and cannot say so. */
  function logs(logger: FastifyBaseLogger, level: 'debug' | 'info' | 'warn' | 'error'): boolean {
    if (settings.logger === false) return false;
    const isLevelEnabled = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
    return typeof isLevelEnabled === 'function' ? isLevelEnabled.call(logger, level) : true;
  }

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Refused before it was read: read it to the end (and drop it) before answering. A connection closed with
      // unread bytes is reset by the kernel, and a client still sending can lose the answer with it.
      await drainRequest(request.raw);
      reply.header('connection', 'close');
    }
    return sendError(reply, toHttpError(error, request));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, notFoundOrNotAllowed(request)));

  // --- routes -------------------------------------------------------------------------------------

  app.get(routePattern(healthRoute), { config: { open: true, quiet: true } satisfies RouteConfig }, (_request, reply) => {
    switch (status) {
      case 'ready':
        return reply.send({ status: 'ok' });
      case 'failed':
        return reply.code(503).send({ status: 'failed', error: errorMessage(loadError) });
      case 'draining':
      case 'closed':
        return reply.code(503).send({ status: 'draining' });
      default:
        return reply.code(503).send({ status: 'loading' });
    }
  });

  app.post(routePattern(predictRoute), { onRequest: predictGate }, predict);

  app.get(FIXED_ROUTES.metrics, { config: { quiet: true } satisfies RouteConfig }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // The document describes the generic request shape until the model is loaded; then the handler says
  // what its model takes (a model directory knows its labels) and the document is built again.
  const openApiParams: OpenApiParams = {
    predictRoute,
    healthRoute,
    apiKeyRequired: settings.apiKey !== undefined,
    maxQueueSize: settings.batching.maxQueueSize,
    bodyLimitBytes: settings.bodyLimitBytes,
    openApi: settings.openApi,
    describedLater: typeof handler.describe === 'function',
  };
  let apiDocs = buildApiDocs(openApiParams);
  app.get(FIXED_ROUTES.openApi, { config: { open: true, quiet: true } satisfies RouteConfig }, (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(apiDocs.json),
  );
  app.get(FIXED_ROUTES.docs, { config: { open: true, quiet: true } satisfies RouteConfig }, (request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', DOCS_PAGE_CSP)
      .send(renderDocsPage({ document: apiDocs.document, api: apiDocs.api, baseUrl: baseUrlOf(request) })),
  );

  /** Ask the handler about its model, once loaded; a describe() that throws leaves the generic document. */
  function describeModel(): void {
    if (typeof handler.describe !== 'function') return;
    let model: unknown;
    try {
      model = handler.describe();
    } catch (error) {
      log.error({ err: error }, `handler.describe() threw: ${errorMessage(error)}; ${FIXED_ROUTES.openApi} and ${FIXED_ROUTES.docs} describe instances, parameters and predictions as any JSON`);
      apiDocs = buildApiDocs({ ...openApiParams, describedLater: false });
      return;
    }
    if (!isPlainObject(model)) {
      log.error(`handler.describe() returned ${describeValue(model)}, not a ModelDescription object; ${FIXED_ROUTES.openApi} and ${FIXED_ROUTES.docs} describe instances, parameters and predictions as any JSON`);
      apiDocs = buildApiDocs({ ...openApiParams, describedLater: false });
      return;
    }
    const { description, problems } = checkModelDescription(model);
    for (const problem of problems) log.warn(`handler.describe(): ${problem}; left out of ${FIXED_ROUTES.openApi} and ${FIXED_ROUTES.docs}`);
    apiDocs = buildApiDocs({ ...openApiParams, model: description });
  }

  /** The docs' host as the client used it (Cloud Run's service URL, a port-forward), when it is a plain host[:port]. */
  function baseUrlOf(request: FastifyRequest): string {
    const host = request.headers.host ?? '';
    const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim();
    const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : 'http';
    if (/^([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host)) return `${scheme}://${host}`;
    const address = app.server.address();
    return `http://localhost:${address && typeof address === 'object' ? address.port : settings.port}`;
  }

  // --- predict ------------------------------------------------------------------------------------

  function predictGate(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    // Checked before the body is read: no point parsing 1.5 MB the model cannot take yet.
    switch (status) {
      case 'ready':
        done();
        return;
      case 'failed':
        sendError(reply, new HttpError(503, `the model failed to load, so this server cannot predict; the cause is in its logs and at GET ${healthRoute}`));
        return;
      case 'draining':
      case 'closed':
        sendError(
          reply,
          new HttpError(503, 'the server is shutting down; retry and another instance will answer', {
            'retry-after': String(BUSY_RETRY_AFTER_S),
            connection: 'close',
          }),
        );
        return;
      default:
        sendError(
          reply,
          new HttpError(503, `the model is loading; retry after ${LOADING_RETRY_AFTER_S} s (GET ${healthRoute} answers 200 once it is ready)`, {
            'retry-after': String(LOADING_RETRY_AFTER_S),
          }),
        );
    }
  }

  async function predict(request: FastifyRequest, reply: FastifyReply): Promise<{ predictions: Prediction[] } | FastifyReply> {
    const body = request.body;
    if (!isPlainObject(body)) {
      throw new HttpError(400, `body: expected a JSON object like {"instances": [...]}, got ${body === undefined ? 'an empty body' : describeValue(body)}`);
    }
    const { instances, parameters } = body;
    if (!Array.isArray(instances) || instances.length === 0) {
      throw new HttpError(400, `instances: expected an array of 1 or more instances, got ${describeValue(instances)}`);
    }
    const { maxQueueSize } = settings.batching;
    if (instances.length > maxQueueSize) {
      throw new HttpError(
        400,
        `instances: ${instances.length} instances are more than this server queues at once (batching.maxQueueSize = ${maxQueueSize}); send at most ${maxQueueSize} per request`,
      );
    }
    if (parameters !== undefined && parameters !== null && !isPlainObject(parameters)) {
      throw new HttpError(400, `parameters: expected an object, got ${describeValue(parameters)}`);
    }

    const params = callHandler(request, 'parseParameters', () =>
      handler.parseParameters ? handler.parseParameters(parameters ?? undefined) : (parameters ?? undefined),
    ) as Params;
    const parsed = instances.map((instance, index) => callHandler(request, 'parseInstance', () => handler.parseInstance(instance, index)));
    if (handler.streamRequest && acceptsEventStream(request)) {
      if (parsed.length !== 1) {
        throw new HttpError(400, `instances: a streamed answer (Accept: text/event-stream) is for one instance, got ${parsed.length}; send one, or accept application/json`);
      }
      return streamPrediction(request, reply, parsed[0] as Instance, params);
    }

    // A client that hangs up takes its waiting instances out of the queue. The response emits 'close' when the
    // connection goes before the answer was written, and also after it was (writableFinished): the listener
    // stays on for that, which costs less than once() and off() on every request.
    const response = reply.raw;
    const onHangUp = (cancel: () => void): void => {
      response.on('close', () => {
        if (response.writableFinished) return;
        cancel();
        // No response will be written, so no onResponse: record the request here.
        recordRequest(request, 499, reply.elapsedTime, undefined);
      });
    };
    let raws: Raw[];
    try {
      if (handler.runRequest) {
        const abort = new AbortController();
        onHangUp(() => abort.abort());
        raws = await handler.runRequest(parsed, params, abort.signal);
      } else {
        const ticket = batcher.enqueue(parsed);
        onHangUp(ticket.cancel);
        raws = await ticket.results;
      }
    } catch (error) {
      throw batchError(error, request);
    }

    const predictions = handler.postprocess
      ? raws.map((raw, index) =>
          callHandler(request, 'postprocess', () => handler.postprocess?.(raw, params, parsed[index] as Instance) as Prediction),
        )
      : (raws as unknown as Prediction[]);
    return { predictions };
  }

  /**
   * Server-sent events for one instance: `event: token` with `{"text": ...}` for each piece as the handler
   * produces it, then `event: prediction` with `{"predictions": [...]}` (what the JSON answer would hold), or
   * `event: error` with `{"error": {...}}` if it fails after the stream began.
   */
  async function streamPrediction(request: FastifyRequest, reply: FastifyReply, instance: Instance, params: Params): Promise<FastifyReply> {
    const abort = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once('close', onClose);
    const events = handler.streamRequest!(instance, params, abort.signal);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': String(request.id),
      // Proxies (and Cloud Run's front end) must pass each event on as it comes.
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown): void => {
      reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let status = 200;
    try {
      for (;;) {
        const next = await events.next();
        if (next.done) {
          const raw = next.value;
          const prediction = handler.postprocess ? handler.postprocess(raw, params, instance) : (raw as unknown as Prediction);
          send('prediction', { predictions: [prediction] });
          break;
        }
        send('token', { text: next.value });
      }
    } catch (error) {
      status = InvalidInputError.isInstance(error) ? 400 : 500;
      if (status === 500) request.log.error({ err: error }, `prediction failed: handler.streamRequest failed: ${errorMessage(error)}`);
      const message = status === 400 ? (error as Error).message : `the model failed on this request; the server logged the cause under request id ${request.id}`;
      if (!abort.signal.aborted) send('error', { error: { code: status, message } });
    } finally {
      reply.raw.off('close', onClose);
      reply.raw.end();
      recordRequest(request, abort.signal.aborted ? 499 : status, reply.elapsedTime, undefined);
    }
    return reply;
  }

  /** Run a handler hook: its InvalidInputError is a 400; anything else it throws is a bug, a 500. */
  function callHandler<T>(request: FastifyRequest, hook: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (InvalidInputError.isInstance(error)) throw new HttpError(400, error.message);
      throw internalError(request, `handler.${hook} threw`, error);
    }
  }

  function batchError(error: unknown, request: FastifyRequest): HttpError {
    if (PredictionServerError.isInstance(error)) {
      switch (error.code) {
        case 'QUEUE_FULL':
          return new HttpError(
            429,
            `the server is at capacity: ${batcher.queued} instances are waiting for the model and the queue holds ${settings.batching.maxQueueSize} (batching.maxQueueSize); retry after the Retry-After header`,
            { 'retry-after': String(BUSY_RETRY_AFTER_S) },
          );
        case 'CANCELLED':
          return new HttpError(499, 'the client closed the request before its predictions were ready');
        case 'SHUTTING_DOWN':
          return new HttpError(503, 'the server is shutting down and could not run these instances in time; retry and another instance will answer', {
            'retry-after': String(BUSY_RETRY_AFTER_S),
            connection: 'close',
          });
        default:
          break;
      }
    }
    return internalError(request, 'handler.run failed', error);
  }

  function internalError(request: FastifyRequest, what: string, error: unknown): HttpError {
    request.log.error(
      { err: error, ...(error instanceof Error && error.stack ? { stack_trace: error.stack } : {}) },
      `prediction failed: ${what}: ${errorMessage(error)}`,
    );
    return new HttpError(500, `the model failed on this request; the server logged the cause under request id ${request.id}`);
  }

  // --- errors -------------------------------------------------------------------------------------

  function toHttpError(error: FastifyError, request: FastifyRequest): HttpError {
    if (error instanceof HttpError) return error;
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE': {
        const length = request.headers['content-length'];
        const size = length && /^\d+$/.test(length) ? `of ${length} bytes ` : '';
        return new HttpError(
          413,
          `the request body ${size}is over this server's limit of ${settings.bodyLimitBytes} bytes (1.5 MiB by default, the Vertex AI public endpoint limit); ` +
            'send fewer instances per request, or raise bodyLimitBytes in createPredictionServer (Cloud Run accepts up to 32 MiB)',
        );
      }
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
        const type = request.headers['content-type'];
        const what = type ? `content type ${JSON.stringify(type)} is not supported` : 'a body without a Content-Type header is not supported';
        return new HttpError(415, `${what}; send the body as JSON with Content-Type: application/json`);
      }
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new HttpError(400, 'body: its length does not match the Content-Length header');
      default:
        break;
    }
    const statusCode = error.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return new HttpError(statusCode, error.message);
    request.log.error({ err: error, ...(error.stack ? { stack_trace: error.stack } : {}) }, `request failed: ${error.message}`);
    return new HttpError(500, `internal error; the server logged the cause under request id ${request.id}`);
  }

  function notFoundOrNotAllowed(request: FastifyRequest): HttpError {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = methodsByPath.get(path);
    if (allowed && !allowed.has(request.method)) {
      const allow = [...allowed].join(', ');
      return new HttpError(405, `${request.method} is not allowed on ${path}; use ${allow}`, { allow });
    }
    return new HttpError(
      404,
      `no route for ${request.method} ${path}; this server answers POST ${predictRoute} and GET ${healthRoute} (see GET ${FIXED_ROUTES.docs})`,
    );
  }

  // --- life cycle ---------------------------------------------------------------------------------

  async function load(): Promise<void> {
    status = 'loading';
    const started = performance.now();
    log.info('loading the model');
    try {
      await handler.load?.();
    } catch (error) {
      loadError = error;
      if (status === 'loading') status = 'failed';
      // Exiting is what lets the platform see it: Cloud Run fails the revision, Vertex AI the deployment.
      // A server left up would pass the TCP probe and answer 503 until someone restarts it.
      const exiting = settings.exitOnLoadFailure && status === 'failed';
      log.error(
        { err: error, ...(error instanceof Error && error.stack ? { stack_trace: error.stack } : {}) },
        `the model failed to load: ${errorMessage(error)}; ` +
          (exiting ? 'exiting with code 1 (exitOnLoadFailure)' : `${healthRoute} answers 503 until the process is restarted`),
      );
      rejectReady(error);
      if (exiting) exitAfterFlush(1);
      return;
    }
    if (status === 'loading') {
      describeModel();
      status = 'ready';
      metrics.modelReady.set(1);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    log.info({ loadSeconds: Number(seconds) }, `model loaded in ${seconds} s; ready for predictions`);
    resolveReady();
  }

  async function listen(): Promise<{ url: string; port: number }> {
    if (status !== 'created') throw new Error(`listen() was already called (the server is ${status})`);
    status = 'loading';
    try {
      await app.listen({ port: settings.port, host: settings.host });
    } catch (error) {
      status = 'closed';
      const failure = listenError(error, settings);
      rejectReady(failure);
      throw failure;
    }
    const { port } = app.server.address() as AddressInfo;
    if (settings.handleSignals) removeSignalHandlers = installSignalHandlers();
    loading = load();
    return { url: `http://${reachableHost(settings.host)}:${port}`, port };
  }

  function installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        log.warn(`${signal} received again while draining; exiting now`);
        if (settings.exitOnShutdown) exitAfterFlush(1);
        return;
      }
      log.info(`${signal} received; draining for up to ${settings.shutdownGraceMs} ms, then closing`);
      close().then(
        () => {
          if (settings.exitOnShutdown) exitAfterFlush(0);
        },
        () => {
          if (settings.exitOnShutdown) exitAfterFlush(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  /** Exit once the last log lines are written (pino may buffer), or after a second at most. */
  function exitAfterFlush(code: number): void {
    const flush = (log as { flush?: (callback: () => void) => void }).flush;
    if (typeof flush !== 'function') process.exit(code);
    setTimeout(() => process.exit(code), 1000).unref();
    try {
      flush.call(log, () => process.exit(code));
    } catch {
      process.exit(code);
    }
  }

  function close(): Promise<void> {
    closing ??= shutdown();
    return closing;
  }

  async function shutdown(): Promise<void> {
    const started = status !== 'created';
    status = 'draining';
    metrics.modelReady.set(0);
    log.info({ queued: batcher.queued }, 'draining: no new connections; finishing requests in flight and queued');
    batcher.flush();

    const appClosed = app.close();
    // Connections that have not sent a byte yet: give a request already on its way a moment to arrive
    // (it gets a clean 503, not a reset), then close them so they do not hold the drain open.
    const sweep = setTimeout(() => {
      for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
    }, UNUSED_CONNECTION_GRACE_MS);
    const drained = (async () => {
      await appClosed;
      await batcher.whenIdle();
      await loading;
    })();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      drained.then(() => 'drained' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), settings.shutdownGraceMs);
      }),
    ]);
    clearTimeout(timer);
    clearTimeout(sweep);
    if (outcome === 'timeout') {
      const dropped = batcher.rejectWaiting(new PredictionServerError('SHUTTING_DOWN', 'the server closed before these instances ran'));
      // Let the 503s just queued reach their sockets before the sockets go.
      await new Promise((resolve) => setImmediate(resolve));
      app.server.closeAllConnections();
      log.warn(
        { droppedInstances: dropped, running: batcher.running },
        `shutdown grace of ${settings.shutdownGraceMs} ms ran out: answered 503 to ${dropped} queued instances and closed the remaining connections`,
      );
      await appClosed;
    }

    removeSignalHandlers?.();
    try {
      if (started) await handler.close?.();
    } catch (error) {
      log.error({ err: error }, `handler.close() failed: ${errorMessage(error)}`);
      status = 'closed';
      throw error;
    }
    status = 'closed';
    log.info('closed');
  }

  return {
    listen,
    close,
    ready,
    app,
    get status() {
      return status;
    },
  };
}

/** The fields of a handler's description that have the right types, and what is wrong with the others. */
function checkModelDescription(value: Record<string, unknown>): { description: ModelDescription; problems: string[] } {
  const description: ModelDescription = {};
  const problems: string[] = [];
  const wrong = (key: string, expected: string): void => {
    problems.push(`${key} is ${describeValue(value[key])}, not ${expected}`);
  };
  for (const key of ['name', 'task', 'summary'] as const) {
    const field = value[key];
    if (typeof field === 'string') description[key] = field;
    else if (field !== undefined) wrong(key, 'a string');
  }
  const details = value.details;
  if (isPlainObject(details) && Object.values(details).every((detail) => typeof detail === 'string')) {
    description.details = details as Record<string, string>;
  } else if (details !== undefined) {
    wrong('details', 'an object of strings');
  }
  for (const key of ['instanceSchema', 'parametersSchema', 'predictionSchema'] as const) {
    const field = value[key];
    if (isPlainObject(field)) description[key] = field;
    else if (field !== undefined) wrong(key, 'a JSON Schema object');
  }
  const example = value.exampleRequest;
  if (isPlainObject(example) && Array.isArray(example.instances) && (example.parameters === undefined || isPlainObject(example.parameters))) {
    description.exampleRequest = example as unknown as ExampleRequest;
  } else if (example !== undefined) {
    wrong('exampleRequest', 'a request body like {"instances": [...]}');
  }
  return { description, problems };
}

/** The OpenAPI document, its JSON and what the docs page shows, built once per description. */
function buildApiDocs(params: OpenApiParams): { document: JsonObject; json: string; api: ApiSummary } {
  const document = buildOpenApiDocument(params);
  return { document, json: JSON.stringify(document), api: summarizeApi(params) };
}

/** What binding the port failed on, in words that say which setting to change; other errors as they are. */
function listenError(error: unknown, settings: ResolvedServerOptions): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const { port, host, portSource } = settings;
  const setting =
    portSource === 'port' ? 'the port option' : portSource === 'default' ? 'PORT (AIP_HTTP_PORT on Vertex AI)' : portSource;
  const where = `port ${port} on ${host}`;
  let message: string;
  switch (code) {
    case 'EADDRINUSE':
      message = `${where} is already in use by another process; stop that process, or set ${setting} to a free port`;
      break;
    case 'EACCES':
      message = `${where}: permission denied (ports below 1024 need privileges); set ${setting} to a port from 1024, e.g. 8080`;
      break;
    case 'EADDRNOTAVAIL':
      message = `${where}: ${host} is not an address of this machine; set host to 0.0.0.0 (every interface, as Cloud Run and Vertex AI need) or 127.0.0.1`;
      break;
    default:
      return error;
  }
  return new PredictionServerError('LISTEN_FAILED', message, { cause: error });
}

/** The fastify route pattern for a literal path: `:` is a parameter marker there, `::` a literal colon (Vertex's `...:predict`). */
function routePattern(path: string): string {
  return path.replaceAll(':', '::');
}

/** The request decoration holding when the request arrived (performance.now()). */
const RECEIVED_AT = Symbol('vertexkit.receivedAt');

/** Reads (or, with `at`, sets) when `request` arrived. */
function receivedAt(request: FastifyRequest, at?: number): number {
  const decorated = request as unknown as Record<typeof RECEIVED_AT, number>;
  if (at !== undefined) decorated[RECEIVED_AT] = at;
  return decorated[RECEIVED_AT];
}

function routeConfig(request: FastifyRequest): RouteConfig {
  return (request.routeOptions.config ?? {}) as RouteConfig;
}

function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * JSON.parse with the parser's own words on malformed input (V8 says where: `... in JSON at position
 * 12 (line 1 column 13)`), refusing `__proto__` keys (and `constructor` keys holding a `prototype`): a handler
 * that `Object.assign`s parameters would otherwise have its prototype replaced.
 *
 * Only a body that could hold such a key (the words, or any `\u` escape, which could spell them) is parsed a
 * second time to look. The hint is three `includes()`, a vectorized scan: an `/i` regex here, and
 * secure-json-parse's exact patterns (fastify's body parser), each cost more than the JSON.parse itself on
 * 3.6 KB emails (15% of the event loop at 8,000 req/s, bench:serve).
 */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new HttpError(400, 'body: empty; send a JSON object like {"instances": [...]}');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${errorMessage(error)}`);
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    JSON.parse(text, (key, nested: unknown) => {
      if (key === '__proto__' || (key === 'constructor' && isPlainObject(nested) && 'prototype' in nested)) {
        throw new HttpError(400, `body: ${JSON.stringify(key)} is not allowed as a key`);
      }
      return nested;
    });
  }
  return value;
}

/** True when the request asks for server-sent events (and does not prefer JSON). */
function acceptsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

/** Most of an oversized body read (and dropped) before answering it 413, and how long that may take. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5000;

/** Resolves once `request` has been read to its end, or {@link DRAIN_MAX_BYTES} or {@link DRAIN_MAX_MS} are reached. */
function drainRequest(request: FastifyRequest['raw']): Promise<void> {
  if (request.readableEnded || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', done);
      request.off('error', done);
      request.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    request.on('data', onData);
    request.once('end', done);
    request.once('error', done);
    request.once('close', done);
    request.resume();
  });
}

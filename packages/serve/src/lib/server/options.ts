import type { FastifyServerOptions } from 'fastify';
import type { ExampleRequest, JsonSchema, PredictionHandler } from '../handler.js';
import { resolveBatchingOptions } from './dynamic-batcher.js';
import { describeValue, formatValue, invalidOption } from './errors.js';

/** Dynamic batching settings; see {@link DynamicBatcher}. */
export interface BatchingOptions {
  /** Most instances in one model run. Default 32. */
  maxBatchSize?: number;
  /**
   * Longest the oldest waiting instance waits for others before a smaller batch runs, when it queued
   * behind a model run. Default 5 ms: next to a model run of tens of milliseconds, a few ms buys much
   * larger batches under load. The wait ends sooner once the clients that run answered have sent their next
   * requests (as many instances wait as waited when it ended plus as many as it ran). Instances that reach an
   * idle model run at once (with whatever arrived in the same turn of the event loop), without waiting; 0
   * never waits at all.
   */
  maxQueueDelayMs?: number;
  /**
   * Most instances waiting for the model (not counting the batch running). When full, new requests get
   * 429 with Retry-After instead of growing memory and latency without bound. Default 1024.
   */
  maxQueueSize?: number;
}

/**
 * Logger settings: pino options (as fastify takes them) merged over the Cloud Logging defaults
 * (`severity` instead of pino's numeric level, `message` instead of `msg`, ISO `time`, no pid/hostname).
 * `stream` sends the JSON lines somewhere else than stdout (anything with `write(line)`).
 */
export type PredictionServerLoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/**
 * What `/openapi.json` and `/docs` say about the model; everything is optional. Each field, when set, wins
 * over what the handler says of itself (`handler.describe()`, a `ModelDescription`).
 */
export interface OpenApiOptions {
  /** Title of the API. Default: the handler's model name and task, e.g. `spam-filter (text classification)`, else `Prediction server`. */
  title?: string;
  /** Version of the API (e.g. the model version). Default `1.0.0`. */
  version?: string;
  /** A sentence or two on what the model predicts. Default: the handler's summary and details. */
  description?: string;
  /** JSON Schema of one instance. Default: the handler's, else any JSON value. */
  instanceSchema?: JsonSchema;
  /** JSON Schema of `parameters`. Default: the handler's, else any object. */
  parametersSchema?: JsonSchema;
  /** JSON Schema of one prediction. Default: the handler's, else any JSON value. */
  predictionSchema?: JsonSchema;
  /** The request of the docs' curl example and "try it" form. Default: the handler's, else `{"instances": ["hello world"]}`. */
  exampleRequest?: ExampleRequest;
}

/** Options for {@link createPredictionServer}. */
export interface PredictionServerOptions<Instance = unknown, Raw = unknown, Prediction = unknown, Params = unknown> {
  /** The model: parses instances, runs batches, post-processes results. */
  handler: PredictionHandler<Instance, Raw, Prediction, Params>;
  /** TCP port. Default: env `AIP_HTTP_PORT` (Vertex AI), else `PORT` (Cloud Run), else 8080. 0 picks a free port. */
  port?: number;
  /** Interface to bind. Default `0.0.0.0`, as both Vertex AI and Cloud Run require. */
  host?: string;
  /** Readiness route (GET). Default: env `AIP_HEALTH_ROUTE`, else `/health`. */
  healthRoute?: string;
  /** Prediction route (POST). Default: env `AIP_PREDICT_ROUTE`, else `/predict`. */
  predictRoute?: string;
  /** Where the `AIP_*` and `PORT` variables are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Dynamic batching across concurrent requests. */
  batching?: BatchingOptions;
  /**
   * Largest request body accepted, in bytes; larger ones get 413. Default 1_572_864 (1.5 MiB), the
   * request limit of Vertex AI public endpoints. Cloud Run accepts up to 32 MiB over HTTP/1.
   */
  bodyLimitBytes?: number;
  /**
   * When set, every route except the health route, `/openapi.json` and `/docs` requires this key in
   * the `x-api-key` header or as `Authorization: Bearer <key>`; anything else gets 401. Off by default
   * (Vertex AI endpoints and private Cloud Run services authenticate callers with IAM before us).
   */
  apiKey?: string;
  /** Pino options merged over the Cloud Logging defaults, or `false` for no logs. Default: INFO to stdout. */
  logger?: PredictionServerLoggerOptions | false;
  /**
   * How long `close()` (and SIGTERM) waits for requests in flight and queued before dropping them
   * (503) and closing connections. Default 10_000 ms, Cloud Run's SIGTERM-to-SIGKILL window; lower it
   * if `handler.close()` needs time of its own.
   */
  shutdownGraceMs?: number;
  /** `listen()` installs SIGTERM/SIGINT handlers that drain and close the server. Default true. */
  handleSignals?: boolean;
  /**
   * After a signal-triggered shutdown, exit the process (code 0, or 1 if shutdown failed); a second
   * signal exits at once with code 1. Default: the value of `handleSignals`. `close()` never exits.
   */
  exitOnShutdown?: boolean;
  /**
   * When `handler.load()` fails, log one ERROR line and exit the process with code 1, instead of staying
   * up with health answering 503 `failed` until someone restarts it. A Cloud Run revision or a Vertex AI
   * deployment whose container exits at start fails, as it should, rather than waiting out its health
   * checks. Default: the value of `exitOnShutdown` (true when the server owns the process's signals).
   */
  exitOnLoadFailure?: boolean;
  /** What `/openapi.json` and `/docs` say about the model. */
  openApi?: OpenApiOptions;
}

/** Options after defaults and environment are applied and every value checked. */
export interface ResolvedServerOptions {
  port: number;
  /** Where the port came from, for messages: `port`, `AIP_HTTP_PORT`, `PORT` or `default`. */
  portSource: 'port' | 'AIP_HTTP_PORT' | 'PORT' | 'default';
  host: string;
  healthRoute: string;
  predictRoute: string;
  env: NodeJS.ProcessEnv;
  batching: { maxBatchSize: number; maxQueueDelayMs: number; maxQueueSize: number };
  bodyLimitBytes: number;
  apiKey: string | undefined;
  logger: PredictionServerLoggerOptions | false;
  shutdownGraceMs: number;
  handleSignals: boolean;
  exitOnShutdown: boolean;
  exitOnLoadFailure: boolean;
  openApi: OpenApiOptions;
}

/** Routes the server answers itself; the predict and health routes must not take them. */
export const FIXED_ROUTES = Object.freeze({ metrics: '/metrics', openApi: '/openapi.json', docs: '/docs' });

export const DEFAULT_BODY_LIMIT_BYTES = 1_572_864;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

const KNOWN_OPTIONS = [
  'handler',
  'port',
  'host',
  'healthRoute',
  'predictRoute',
  'env',
  'batching',
  'bodyLimitBytes',
  'apiKey',
  'logger',
  'shutdownGraceMs',
  'handleSignals',
  'exitOnShutdown',
  'exitOnLoadFailure',
  'openApi',
];
const KNOWN_BATCHING = ['maxBatchSize', 'maxQueueDelayMs', 'maxQueueSize'];

/** Apply defaults and the environment, and check every option; throws `INVALID_OPTION` naming the option. */
export function resolveServerOptions(options: PredictionServerOptions<never, never, never, never>): ResolvedServerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption('options', `expected an object like { handler }, got ${describeValue(options)}`);
  }
  checkKnownKeys('', options, KNOWN_OPTIONS);
  checkHandler(options.handler);

  const env = options.env ?? process.env;
  if (typeof env !== 'object' || env === null) {
    throw invalidOption('env', `expected an object of environment variables, got ${describeValue(env)}`);
  }

  const { port, source: portSource } = options.port !== undefined ? { port: checkPort('port', options.port), source: 'port' as const } : portFromEnv(env);
  const host = options.host ?? '0.0.0.0';
  if (typeof host !== 'string' || host.trim() === '') {
    throw invalidOption('host', `${formatValue(host)} is not a host; pass an interface address such as "0.0.0.0" (default) or "127.0.0.1"`);
  }

  const healthRoute = routeOption('healthRoute', 'AIP_HEALTH_ROUTE', options.healthRoute, env, '/health');
  const predictRoute = routeOption('predictRoute', 'AIP_PREDICT_ROUTE', options.predictRoute, env, '/predict');
  if (healthRoute.value === predictRoute.value) {
    throw invalidOption(
      predictRoute.source,
      `${formatValue(predictRoute.value)} is also the health route (${healthRoute.source}); give them different paths, e.g. /predict and /health`,
    );
  }

  if (options.batching !== undefined && (typeof options.batching !== 'object' || options.batching === null || Array.isArray(options.batching))) {
    throw invalidOption('batching', `expected an object like { maxBatchSize: 32 }, got ${describeValue(options.batching)}`);
  }
  if (options.batching) checkKnownKeys('batching.', options.batching, KNOWN_BATCHING);
  const batching = resolveBatchingOptions(options.batching ?? {}, 'batching.');

  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (typeof bodyLimitBytes !== 'number' || !Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes < 1) {
    throw invalidOption(
      'bodyLimitBytes',
      `${formatValue(bodyLimitBytes)} is not a positive integer; pass a size in bytes (default ${DEFAULT_BODY_LIMIT_BYTES}, 1.5 MiB)`,
    );
  }

  const apiKey = options.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.length === 0 || /\s/.test(apiKey))) {
    throw invalidOption(
      'apiKey',
      `${typeof apiKey === 'string' ? (apiKey.length === 0 ? 'an empty string' : 'a key with whitespace') : describeValue(apiKey)} cannot be sent in a header; pass a non-empty key without spaces, or leave apiKey undefined to turn authentication off`,
    );
  }

  const logger = options.logger ?? {};
  if (logger !== false && (typeof logger !== 'object' || logger === null || Array.isArray(logger))) {
    throw invalidOption('logger', `expected pino options like { level: 'info' } or false, got ${describeValue(logger)}`);
  }

  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  if (typeof shutdownGraceMs !== 'number' || !Number.isFinite(shutdownGraceMs) || shutdownGraceMs < 0) {
    throw invalidOption(
      'shutdownGraceMs',
      `${formatValue(shutdownGraceMs)} is not a duration; pass 0 or more milliseconds (default ${DEFAULT_SHUTDOWN_GRACE_MS}, Cloud Run's SIGTERM window)`,
    );
  }

  const handleSignals = booleanOption('handleSignals', options.handleSignals, true);
  const exitOnShutdown = booleanOption('exitOnShutdown', options.exitOnShutdown, handleSignals);
  const exitOnLoadFailure = booleanOption('exitOnLoadFailure', options.exitOnLoadFailure, exitOnShutdown);

  const openApi = options.openApi ?? {};
  if (typeof openApi !== 'object' || openApi === null || Array.isArray(openApi)) {
    throw invalidOption('openApi', `expected an object like { title: 'Sentiment' }, got ${describeValue(openApi)}`);
  }

  return {
    port,
    portSource,
    host,
    healthRoute: healthRoute.value,
    predictRoute: predictRoute.value,
    env,
    batching,
    bodyLimitBytes,
    apiKey,
    logger,
    shutdownGraceMs,
    handleSignals,
    exitOnShutdown,
    exitOnLoadFailure,
    openApi,
  };
}

function checkHandler(handler: unknown): void {
  const h = handler as Record<string, unknown> | null | undefined;
  if (typeof h !== 'object' || h === null || typeof h.parseInstance !== 'function' || typeof h.run !== 'function') {
    const missing =
      typeof h === 'object' && h !== null
        ? ` (missing ${['parseInstance', 'run'].filter((name) => typeof h[name] !== 'function').join(' and ')})`
        : `, got ${describeValue(h)}`;
    throw invalidOption('handler', `expected a PredictionHandler with parseInstance() and run() methods${missing}`);
  }
  for (const name of ['load', 'parseParameters', 'postprocess', 'close', 'describe']) {
    if (h[name] !== undefined && typeof h[name] !== 'function') {
      throw invalidOption(`handler.${name}`, `expected a function or nothing, got ${describeValue(h[name])}`);
    }
  }
}

function checkKnownKeys(prefix: string, object: object, known: string[]): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const batchingKey = prefix === '' && KNOWN_BATCHING.includes(key) ? `; did you mean batching.${key}?` : '';
    throw invalidOption(`${prefix}${key}`, `unknown option${batchingKey || `; known: ${known.join(', ')}`}`);
  }
}

function checkPort(source: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw invalidOption(source, `${formatValue(value)} is not a port; pass an integer from 0 (any free port) to 65535`);
  }
  return value;
}

function portFromEnv(env: NodeJS.ProcessEnv): { port: number; source: 'AIP_HTTP_PORT' | 'PORT' | 'default' } {
  for (const name of ['AIP_HTTP_PORT', 'PORT'] as const) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = raw.trim();
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
      throw invalidOption(name, `${formatValue(raw)} is not a port; set it to an integer from 1 to 65535, or unset it (default 8080)`);
    }
    return { port: Number(value), source: name };
  }
  return { port: 8080, source: 'default' };
}

function routeOption(
  option: string,
  envName: string,
  value: unknown,
  env: NodeJS.ProcessEnv,
  fallback: string,
): { value: string; source: string } {
  let source = option;
  let route: unknown = value;
  if (route === undefined) {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') {
      source = envName;
      route = fromEnv;
    } else {
      route = fallback;
    }
  }
  if (typeof route !== 'string' || !route.startsWith('/')) {
    throw invalidOption(source, `${formatValue(route)} is not a route; pass a path starting with "/", e.g. "${fallback}"`);
  }
  if (/[\s?#*]/.test(route)) {
    throw invalidOption(source, `${formatValue(route)} is not a route; a path cannot contain spaces, "?", "#" or "*"`);
  }
  for (const fixed of Object.values(FIXED_ROUTES)) {
    if (route === fixed) {
      throw invalidOption(source, `${formatValue(route)} is taken by the server itself; pick another path, e.g. "${fallback}"`);
    }
  }
  return { value: route, source };
}

function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(option, `expected true or false, got ${describeValue(value)}`);
  return value;
}

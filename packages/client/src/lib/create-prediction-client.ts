import { bodyBytes, buildBody, encodeInstances } from './encode-instances.js';
import { predictMany } from './predict-many.js';
import type { PredictManyOptions, PredictManyResult } from './predict-many.js';
import { PredictionError, describeValue, invalidArgument } from './prediction-error.js';
import type { PredictionTarget } from './prediction-target.js';
import { resolveTarget } from './resolve-target.js';
import type { TargetKind } from './resolve-target.js';
import { resolveRetryOptions } from './retry-options.js';
import type { RetryOptions } from './retry-options.js';
import { sendPredictionRequest } from './send-prediction-request.js';
import type { PredictResult, RequestSettings } from './send-prediction-request.js';

/** Options of {@link createPredictionClient}. */
export interface PredictionClientOptions {
  /** Where predictions come from: `{ url }`, `{ cloudRunUrl }`, `{ vertexEndpoint }` or `{ project, location, endpointId }`. */
  target: PredictionTarget;
  /** Longest one attempt may take, token included. Default 60_000 ms, the Vertex AI prediction timeout. */
  timeoutMs?: number;
  /** Retries on 429, 502, 503, 504 and connection failures; `false` for a single attempt. Default 5 attempts. */
  retry?: RetryOptions | false;
  /**
   * Largest request body in bytes. `predict()` refuses a larger one; `predictMany()` splits under it.
   * Default 1_572_864 (1.5 MB: Vertex AI's limit, and @vertexkit/serve's default body limit).
   */
  maxRequestBytes?: number;
  /** `predictMany()`: most instances in one request. Default 64. */
  maxInstancesPerRequest?: number;
  /** `predictMany()`: requests in flight at once. Default 4. */
  concurrency?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The transport. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** Per-call options of {@link PredictionClient.predict}. */
export interface PredictOptions {
  /** Aborts the request (and its retries); `predict()` rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** A client for one prediction target; see {@link createPredictionClient}. */
export interface PredictionClient<Instance = unknown, Prediction = unknown, Params = unknown> {
  /** The URL requests are POSTed to. */
  readonly url: string;
  /** Which kind of target it is. */
  readonly targetKind: TargetKind;
  /**
   * Predict `instances` in one request: `{"instances": [...], "parameters": {...}}` ->
   * `{"predictions": [...]}`, one per instance, in order. Retried on 429, 502, 503, 504 and connection
   * failures. Throws {@link PredictionError}.
   */
  predict(instances: readonly Instance[], parameters?: Params, options?: PredictOptions): Promise<PredictResult<Prediction>>;
  /**
   * Predict any number of instances: split into requests under `maxRequestBytes` and
   * `maxInstancesPerRequest`, sent `concurrency` at a time, predictions returned in input order.
   * Throws {@link PredictionError} with `failedInstances` and `partialPredictions`.
   */
  predictMany(instances: readonly Instance[], options?: PredictManyOptions<Params>): Promise<PredictManyResult<Prediction>>;
}

/** Default {@link PredictionClientOptions.maxRequestBytes}: 1.5 MB, the request limit of Vertex AI public endpoints. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_572_864;
/** Default {@link PredictionClientOptions.timeoutMs}: Vertex AI's prediction timeout. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default {@link PredictionClientOptions.maxInstancesPerRequest}. */
export const DEFAULT_MAX_INSTANCES_PER_REQUEST = 64;
/** Default {@link PredictionClientOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 4;

const KNOWN_OPTIONS = ['target', 'timeoutMs', 'retry', 'maxRequestBytes', 'maxInstancesPerRequest', 'concurrency', 'headers', 'fetch'];
const KNOWN_MANY_OPTIONS = ['parameters', 'maxRequestBytes', 'maxInstancesPerRequest', 'concurrency', 'onProgress', 'signal'];

function positiveInteger(path: string, value: unknown, fallback: number, what: string, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && (Number.isSafeInteger(value) || (allowInfinity && value === Infinity)) && value >= 1) return value;
  throw invalidArgument(path, `${describeValue(value)} is not ${what}; pass an integer >= 1 (default ${fallback})`);
}

function checkSignal(path: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw invalidArgument(path, `expected an AbortSignal (e.g. AbortSignal.timeout(5000) or controller.signal), got ${describeValue(signal)}`);
}

/**
 * A prediction client for a Vertex AI endpoint, a Cloud Run service or any URL, with one typed
 * `predict()` over all three, `predictMany()` for large inputs, retries and clear errors.
 *
 * Nothing is sent and nothing loaded until the first call. google-auth-library is imported only when a
 * Google target first needs a token, and never for `{ url }` or a Cloud Run target with an API key.
 *
 * @example
 * ```ts
 * const client = createPredictionClient<string, { label: string }>({
 *   target: { vertexEndpoint: 'projects/my-project/locations/us-central1/endpoints/1234567890' },
 * });
 * const { predictions, deployedModelId } = await client.predict(['free money now']);
 * ```
 *
 * @throws PredictionError `INVALID_ARGUMENT` naming the option and the fix.
 */
export function createPredictionClient<Instance = unknown, Prediction = unknown, Params = unknown>(
  options: PredictionClientOptions,
): PredictionClient<Instance, Prediction, Params> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument('options', `expected an object like { target: { url: 'http://127.0.0.1:8080/predict' } }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) throw invalidArgument(key, `is not an option of createPredictionClient; known options: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const target = resolveTarget(options.target);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalidArgument('timeoutMs', `${describeValue(timeoutMs)} is not a duration; pass milliseconds > 0 (default ${DEFAULT_TIMEOUT_MS}, Vertex AI's limit)`);
  }
  const maxRequestBytes = positiveInteger('maxRequestBytes', options.maxRequestBytes, DEFAULT_MAX_REQUEST_BYTES, 'a size in bytes');
  const maxInstancesPerRequest = positiveInteger('maxInstancesPerRequest', options.maxInstancesPerRequest, DEFAULT_MAX_INSTANCES_PER_REQUEST, 'a count', true);
  const concurrency = positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY, 'a count');
  const headers = options.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw invalidArgument('headers', 'expected an object of header names to string values');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw invalidArgument('fetch', `expected a fetch function, got ${describeValue(fetchImpl)}`);
  const settings: RequestSettings = { target, timeoutMs, retry: resolveRetryOptions(options.retry), headers, fetch: fetchImpl };

  return {
    url: target.url,
    targetKind: target.kind,

    async predict(instances, parameters, callOptions = {}) {
      const signal = checkSignal('options.signal', callOptions.signal);
      const encoded = encodeInstances(instances, parameters);
      const bytes = bodyBytes(encoded, 0, instances.length);
      if (bytes > maxRequestBytes) {
        throw new PredictionError(
          'REQUEST_TOO_LARGE',
          `the request body is ${bytes.toLocaleString('en-US')} bytes, over maxRequestBytes (${maxRequestBytes.toLocaleString('en-US')}): ` +
            'use predictMany(), which splits the instances into requests under the limit, or raise maxRequestBytes if the server accepts more. Nothing was sent.',
          { url: target.url, failedInstances: Array.from({ length: instances.length }, (_, i) => i) },
        );
      }
      return sendPredictionRequest<Prediction>(settings, { body: buildBody(encoded, 0, instances.length), instanceCount: instances.length, firstIndex: 0, signal });
    },

    async predictMany(instances, manyOptions = {}) {
      if (typeof manyOptions !== 'object' || manyOptions === null) {
        throw invalidArgument('options', `expected predictMany options like { concurrency: 4 }, got ${describeValue(manyOptions)}`);
      }
      for (const key of Object.keys(manyOptions)) {
        if (!KNOWN_MANY_OPTIONS.includes(key)) throw invalidArgument(`options.${key}`, `is not an option of predictMany; known options: ${KNOWN_MANY_OPTIONS.join(', ')}`);
      }
      if (manyOptions.onProgress !== undefined && typeof manyOptions.onProgress !== 'function') {
        throw invalidArgument('options.onProgress', `expected a function, got ${describeValue(manyOptions.onProgress)}`);
      }
      const signal = checkSignal('options.signal', manyOptions.signal);
      return predictMany<Prediction>(settings, instances, {
        parameters: manyOptions.parameters,
        maxRequestBytes: positiveInteger('options.maxRequestBytes', manyOptions.maxRequestBytes, maxRequestBytes, 'a size in bytes'),
        maxInstancesPerRequest: positiveInteger('options.maxInstancesPerRequest', manyOptions.maxInstancesPerRequest, maxInstancesPerRequest, 'a count', true),
        concurrency: positiveInteger('options.concurrency', manyOptions.concurrency, concurrency, 'a count'),
        onProgress: manyOptions.onProgress,
        signal,
      });
    },
  };
}

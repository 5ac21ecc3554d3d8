import { parseErrorBody } from './parse-error-body.js';
import { parseRetryAfter } from './parse-retry-after.js';
import { PredictionError, RETRYABLE_STATUSES } from './prediction-error.js';
import type { PredictionErrorCode } from './prediction-error.js';
import type { ResolvedTarget, TargetKind } from './resolve-target.js';
import { backoffDelay } from './retry-options.js';
import type { ResolvedRetryOptions } from './retry-options.js';
import { VERSION } from './version.js';

/** What one prediction request returned. */
export interface PredictResult<Prediction = unknown> {
  /** One prediction per instance, in the order of the instances. */
  predictions: Prediction[];
  /** Vertex AI: the id of the deployed model that served the request (from the body, or the rawPredict header). */
  deployedModelId?: string;
  /** Vertex AI `:predict`: resource name of the model behind the deployed model. */
  model?: string;
  /** Vertex AI `:predict`: display name of that model. */
  modelDisplayName?: string;
  /** Vertex AI `:predict`: version id of that model. */
  modelVersionId?: string;
  /** Request-level metadata some models return. */
  metadata?: unknown;
  /** The request id (the server's `x-request-id`, else the one the client sent). */
  requestId: string;
  /** Attempts it took, retries included. */
  attempts: number;
}

/** Settings shared by every request of a client. */
export interface RequestSettings {
  target: ResolvedTarget;
  /** Longest one attempt may take (token, request and response). */
  timeoutMs: number;
  retry: ResolvedRetryOptions;
  /** Extra headers on every request. */
  headers: Record<string, string>;
  /** The transport. Default: global `fetch`. */
  fetch: typeof globalThis.fetch;
}

/** One request: a serialised `{"instances": [...]}` body and the caller's indexes of its instances. */
export interface PreparedRequest {
  body: string;
  /** How many instances the body holds (to check the answer). */
  instanceCount: number;
  /** Index of the first instance in the caller's array (instances of one request are consecutive). */
  firstIndex: number;
  signal: AbortSignal | undefined;
}

const USER_AGENT = `vertexkit-client/${VERSION}`;

const indexes = (request: PreparedRequest): number[] => Array.from({ length: request.instanceCount }, (_, i) => request.firstIndex + i);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A ms delay that ends early (rejecting with the signal's reason) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The errno-style code and message of a fetch failure (fetch wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++, e = e.cause) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
  }
  return parts.join(': ') || String(error);
}

function hintFor(kind: TargetKind, status: number): string | undefined {
  if (status === 401) {
    if (kind === 'vertex') return 'the access token was rejected; check the credentials google-auth-library found (gcloud auth application-default print-access-token)';
    if (kind === 'cloud-run') return "Cloud Run rejected the ID token: its audience must be the service URL (target.audience), and it must come from a service account or user";
    return 'the server wants credentials: pass target.apiKey, or headers';
  }
  if (status === 403) {
    if (kind === 'vertex') return 'the caller needs the Vertex AI User role (roles/aiplatform.user) on the project';
    if (kind === 'cloud-run') return 'the caller needs the Cloud Run Invoker role (roles/run.invoker) on the service';
  }
  if (status === 404) {
    if (kind === 'vertex') return 'check the project, location and endpoint id: the endpoint must exist in that region and have a model deployed';
    return "check the URL's path (the predict route)";
  }
  if (status === 413) return "the body is over the server's limit: lower maxRequestBytes and use predictMany()";
  if (status === 429) return 'rate limited after every retry: lower the concurrency, or ask for more quota';
  return undefined;
}

/** Attributes of a Vertex AI `:predict` answer beside `predictions`. */
const RESPONSE_FIELDS = ['deployedModelId', 'model', 'modelDisplayName', 'modelVersionId'] as const;

/**
 * POST one prediction request, with retries (429, 502, 503, 504 and connection failures; exponential
 * backoff with full jitter, or the server's `Retry-After`), a per-attempt timeout and the caller's
 * signal. Throws a {@link PredictionError}.
 */
export async function sendPredictionRequest<Prediction>(settings: RequestSettings, request: PreparedRequest): Promise<PredictResult<Prediction>> {
  const { target, retry } = settings;
  const url = target.url;
  const failed = indexes(request);
  // One id for all attempts of a request: the server's log lines of every attempt share it.
  const sentRequestId = globalThis.crypto.randomUUID();
  const caller = request.signal;

  const fail = (code: PredictionErrorCode, message: string, attempts: number, extra: ConstructorParameters<typeof PredictionError>[2] = {}) =>
    new PredictionError(code, message, { url, attempts, failedInstances: failed, requestId: sentRequestId, ...extra });
  const aborted = (attempts: number) =>
    fail('ABORTED', `the request to ${url} was aborted by the caller's signal${attempts > 1 ? ` (after ${plural(attempts, 'attempt')})` : ''}`, attempts, {
      cause: caller?.reason,
    });

  for (let attempt = 1; ; attempt++) {
    if (caller?.aborted) throw aborted(attempt - 1);
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    let failure: PredictionError;
    let retryAfterMs: number | undefined;
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        'x-request-id': sentRequestId,
        ...settings.headers,
        ...target.headers,
        'content-type': 'application/json',
      };
      if (target.authorize) headers.authorization = await raceSignal(target.authorize(), signal);
      const response = await settings.fetch(url, { method: 'POST', headers, body: request.body, signal });
      const text = await response.text();
      const requestId = response.headers.get('x-request-id') ?? undefined;
      if (response.ok) return parseAnswer<Prediction>(text, response, request, { url, attempts: attempt, requestId: requestId ?? sentRequestId, failed, rawPredict: target.rawPredict });
      const parsed = parseErrorBody(text);
      const status = response.status;
      const id = requestId ?? parsed.requestId ?? sentRequestId;
      const hint = hintFor(target.kind, status);
      failure = fail(
        'HTTP_ERROR',
        `HTTP ${status}${parsed.status ? ` ${parsed.status}` : response.statusText ? ` ${response.statusText}` : ''} from ${url}: ` +
          `${parsed.message ?? '(no message)'}${hint ? ` (${hint})` : ''} [request id ${id}, ${plural(attempt, 'attempt')}]`,
        attempt,
        { status, serverMessage: parsed.message, serverStatus: parsed.status, requestId: id, body: parsed.body },
      );
      if (!RETRYABLE_STATUSES.has(status)) throw failure;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    } catch (error) {
      if (caller?.aborted) throw aborted(attempt);
      if (PredictionError.isInstance(error)) {
        if (error.url === undefined) {
          // From the token source: AUTH_FAILED (not retried; google-auth-library retries its own calls).
          throw new PredictionError(error.code, error.message, { cause: error.cause, url, attempts: attempt, failedInstances: failed, requestId: sentRequestId });
        }
        throw error;
      }
      if (timeout.aborted) {
        throw fail('TIMEOUT', `no answer from ${url} within ${settings.timeoutMs} ms (timeoutMs) [request id ${sentRequestId}, ${plural(attempt, 'attempt')}]`, attempt, {
          cause: error,
        });
      }
      failure = fail('NETWORK_ERROR', `could not reach ${url}: ${describeNetworkError(error)} [request id ${sentRequestId}, ${plural(attempt, 'attempt')}]`, attempt, {
        cause: error,
      });
    }

    if (attempt >= retry.maxAttempts) throw failure;
    if (retryAfterMs !== undefined && retryAfterMs > retry.maxDelayMs) {
      throw new PredictionError(
        failure.code,
        `${failure.message}; the server asked to retry after ${retryAfterMs} ms, longer than retry.maxDelayMs (${retry.maxDelayMs} ms), so the client did not wait`,
        {
          status: failure.status,
          serverMessage: failure.serverMessage,
          serverStatus: failure.serverStatus,
          requestId: failure.requestId,
          url,
          attempts: attempt,
          failedInstances: failed,
          body: failure.body,
        },
      );
    }
    const delayMs = retryAfterMs ?? backoffDelay(attempt, retry);
    retry.onRetry?.({ attempt, delayMs, retryAfter: retryAfterMs !== undefined, status: failure.status, error: failure, url });
    try {
      await sleep(delayMs, caller);
    } catch {
      throw aborted(attempt);
    }
  }
}

interface AnswerContext {
  url: string;
  attempts: number;
  requestId: string;
  failed: number[];
  rawPredict: boolean;
}

function parseAnswer<Prediction>(text: string, response: Response, request: PreparedRequest, context: AnswerContext): PredictResult<Prediction> {
  const invalid = (problem: string, cause?: unknown) =>
    new PredictionError('INVALID_RESPONSE', `${context.url} answered ${response.status} with ${problem} [request id ${context.requestId}]`, {
      url: context.url,
      status: response.status,
      attempts: context.attempts,
      requestId: context.requestId,
      failedInstances: context.failed,
      body: text.length > 4096 ? text.slice(0, 4096) : text,
      cause,
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`a body that is not JSON (${text.length > 80 ? `${JSON.stringify(text.slice(0, 77))}...` : JSON.stringify(text)})`, error);
  }
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const predictions = body.predictions;
  if (!Array.isArray(predictions)) throw invalid('no "predictions" array; expected {"predictions": [...]}');
  if (predictions.length !== request.instanceCount) {
    throw invalid(`${plural(predictions.length, 'prediction')} for ${plural(request.instanceCount, 'instance')}; expected one per instance`);
  }
  const result: PredictResult<Prediction> = { predictions: predictions as Prediction[], requestId: context.requestId, attempts: context.attempts };
  for (const field of RESPONSE_FIELDS) {
    const value = body[field];
    if (typeof value === 'string') result[field] = value;
  }
  if (body.metadata !== undefined) result.metadata = body.metadata;
  if (context.rawPredict && result.deployedModelId === undefined) {
    const header = response.headers.get('x-vertex-ai-deployed-model-id');
    if (header) result.deployedModelId = header;
  }
  return result;
}

// One prediction request of a local batch prediction run, and what its outcome means for the run:
// - 2xx with one prediction per instance: the predictions.
// - 408, 429, 502, 503, 504, a connection error or a timeout: transient, retried with exponential backoff and
//   jitter (async-retry, as @vertexkit/storage retries); still failing after the retries, the run stops
//   (JOB_STATE_FAILED, resumable): the server is gone or overloaded, which no instance is to blame for.
// - 500 after the retries: the model failed on these instances; the batch is halved until each failing instance
//   is alone, and that one is recorded in errors_stats (its neighbours are predicted).
// - 413 with more than one instance: the batch is split in two and each half sent (a batch too large for the
//   server's body limit says nothing about its instances).
// - 401, 403, 404, 405: the server or route is wrong (every request would fail the same way): the run stops.
// - any other 4xx: refused; halved in the same way, each refused instance recorded with the server's message.
import retry from 'async-retry';
import { isRpcStatus, rpcStatusOfHttp, type RpcStatus } from './rpc-status.js';

/** How transient failures are retried. */
export interface BatchRetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. Default 5. */
  retries: number;
  /** First backoff delay in milliseconds. Default 200. */
  minDelayMs: number;
  /** Largest backoff delay in milliseconds. Default 10,000. */
  maxDelayMs: number;
}

/** What became of a request. */
export type PredictOutcome =
  | { kind: 'predicted'; predictions: unknown[] }
  | { kind: 'refused'; status: RpcStatus; message: string }
  | { kind: 'too-large'; message: string }
  | { kind: 'fatal'; message: string };

/** A failure worth another attempt; `http` and `serverMessage` when the server answered. */
class Transient extends Error {
  http: number | undefined;
  serverMessage: string | undefined;
  constructor(message: string, http?: number, serverMessage?: string) {
    super(message);
    this.http = http;
    this.serverMessage = serverMessage;
  }
}

/** Sends `instances` once, retrying transient failures; never throws (but for an aborted signal). */
export async function sendPredictRequest(params: {
  url: string;
  headers: Record<string, string>;
  instances: unknown[];
  parameters: unknown;
  retry: BatchRetryPolicy;
  timeoutMs: number;
  signal: AbortSignal;
  onRetry: (reason: string) => void;
  /** Retry a 500 (default true). False for the halves of a batch that kept failing: its retries are spent. */
  retryModelFailures?: boolean;
}): Promise<PredictOutcome> {
  const body = JSON.stringify(params.parameters === undefined ? { instances: params.instances } : { instances: params.instances, parameters: params.parameters });
  // async-retry's backoff sleep cannot be interrupted: on abort, stop waiting for it (the next attempt bails).
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(params.signal.reason as Error);
    if (params.signal.aborted) onAbort();
    else params.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([attempts(params, body), aborted]);
  } finally {
    params.signal.removeEventListener('abort', onAbort!);
  }
}

async function attempts(params: Parameters<typeof sendPredictRequest>[0], body: string): Promise<PredictOutcome> {
  try {
    return await retry(
      async (bail) => {
        if (params.signal.aborted) {
          bail(params.signal.reason as Error);
          return undefined as never;
        }
        let response: Response;
        try {
          response = await fetch(params.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', ...params.headers },
            body,
            signal: AbortSignal.any([params.signal, AbortSignal.timeout(params.timeoutMs)]),
          });
        } catch (error) {
          if (params.signal.aborted) {
            bail(params.signal.reason as Error);
            return undefined as never;
          }
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          const why = (error as Error).name === 'TimeoutError' ? `no answer within ${params.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
          throw new Transient(`POST ${params.url}: ${why}`);
        }
        const text = await response.text();
        if (response.ok) return predicted(text, params.instances.length, params.url);
        const { status, message } = errorOf(response.status, text);
        if ([408, 429, 502, 503, 504].includes(response.status) || (response.status === 500 && params.retryModelFailures !== false)) {
          throw new Transient(`POST ${params.url}: HTTP ${response.status} ${message}`, response.status, message);
        }
        if (response.status === 500) return { kind: 'refused', status: 'INTERNAL', message };
        if (response.status === 413) return { kind: 'too-large', message };
        if ([401, 403, 404, 405].includes(response.status)) {
          return { kind: 'fatal', message: `POST ${params.url} answered HTTP ${response.status}: ${message}; ${response.status === 404 || response.status === 405 ? 'is this the predict route (server.predictUrl, or containerSpec.predictRoute)?' : 'does the server need credentials (server.headers)?'}` };
        }
        return { kind: 'refused', status, message };
      },
      {
        retries: params.retry.retries,
        factor: 2,
        minTimeout: params.retry.minDelayMs,
        maxTimeout: params.retry.maxDelayMs,
        randomize: true,
        onRetry: (error: unknown) => params.onRetry((error as Error).message),
      },
    );
  } catch (error) {
    if (params.signal.aborted) throw params.signal.reason;
    // A model that keeps failing on a batch (500) fails those instances; anything else stops the run.
    if (error instanceof Transient && error.http === 500) return { kind: 'refused', status: 'INTERNAL', message: error.serverMessage ?? 'HTTP 500' };
    return { kind: 'fatal', message: `${(error as Error).message} (after ${params.retry.retries} retries)` };
  }
}

function predicted(text: string, expected: number, url: string): PredictOutcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'refused', status: 'INTERNAL', message: `the server answered 2xx with a body that is not JSON: ${text.slice(0, 200)}` };
  }
  const predictions = (body as { predictions?: unknown } | null)?.predictions;
  if (!Array.isArray(predictions)) {
    return { kind: 'fatal', message: `POST ${url} answered without a "predictions" list (keys: ${JSON.stringify(Object.keys(body ?? {}))}); a Vertex AI prediction server answers {"predictions": [...]}` };
  }
  if (predictions.length !== expected) {
    return { kind: 'refused', status: 'INTERNAL', message: `the server answered ${predictions.length} predictions for ${expected} instances` };
  }
  return { kind: 'predicted', predictions };
}

/** The status and message of an error response: `{"error": {"status", "message"}}` (Google's, and @vertexkit/serve's), FastAPI's `{"detail"}`, or the text. */
function errorOf(httpStatus: number, text: string): { status: RpcStatus; message: string } {
  let status = rpcStatusOfHttp(httpStatus);
  let message = text.trim().slice(0, 1000) || `HTTP ${httpStatus}`;
  try {
    const body = JSON.parse(text) as { error?: { status?: unknown; message?: unknown } | string; detail?: unknown; message?: unknown };
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      if (isRpcStatus(error.status)) status = error.status;
      if (typeof error.message === 'string') message = error.message;
    } else if (typeof error === 'string') {
      message = error;
    } else if (body.detail !== undefined) {
      message = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
    } else if (typeof body.message === 'string') {
      message = body.message;
    }
  } catch {
    // not JSON: the text is the message
  }
  return { status, message };
}

/** What went wrong, as a stable code callers can switch on. */
export type PredictionErrorCode =
  /** The server answered with an HTTP error status (see {@link PredictionError.status}). */
  | 'HTTP_ERROR'
  /** The connection failed or broke (refused, reset, DNS) on every attempt; `status` is undefined. */
  | 'NETWORK_ERROR'
  /** One attempt took longer than `timeoutMs`. Not retried: a prediction that timed out once usually does again. */
  | 'TIMEOUT'
  /** The caller's `AbortSignal` fired. Never retried. */
  | 'ABORTED'
  /** The server answered 2xx with something other than `{"predictions": [...]}`, one per instance. */
  | 'INVALID_RESPONSE'
  /** No access token or ID token could be obtained (Application Default Credentials or the injected source). */
  | 'AUTH_FAILED'
  /** A `predict()` request body is larger than `maxRequestBytes`. */
  | 'REQUEST_TOO_LARGE'
  /** One instance alone does not fit in `maxRequestBytes`, so `predictMany()` cannot send it. */
  | 'INSTANCE_TOO_LARGE'
  /** An option or argument is wrong; the message names it and the fix. */
  | 'INVALID_ARGUMENT';

const MARKER = Symbol.for('vertexkit.client.PredictionError');

/** Fields of a {@link PredictionError}; all but `code` optional. */
export interface PredictionErrorOptions {
  /** HTTP status of the last answer; undefined when no answer arrived. */
  status?: number | undefined;
  /** The server's own error message (from `{"error": {"message"}}` and similar bodies), verbatim. */
  serverMessage?: string | undefined;
  /** The server's status name, e.g. `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED` (Google's error bodies). */
  serverStatus?: string | undefined;
  /** The request id: the server's `x-request-id` (or the id in its error body), else the one the client sent. */
  requestId?: string | undefined;
  /** The URL the request went to. */
  url?: string | undefined;
  /** Attempts made, retries included. 0 when nothing was sent. */
  attempts?: number;
  /** Indexes (into the caller's `instances`) that have no prediction because of this error. */
  failedInstances?: readonly number[];
  /** `predictMany()`: every failed request's own error, in input order. */
  requestErrors?: readonly PredictionError[];
  /** `predictMany()`: the predictions obtained before it failed, at their input index (holes elsewhere). */
  partialPredictions?: readonly unknown[];
  /** The response body (parsed JSON, or text cut to 4 kB) of an HTTP error. */
  body?: unknown;
  /** The underlying error (from fetch, the auth library, JSON.parse, ...). */
  cause?: unknown;
}

/**
 * The one error type thrown by `@vertexkit/client`.
 *
 * Carries the HTTP status, the server's message, the request id, the URL, the attempts made and which
 * instances failed. Use {@link PredictionError.isInstance} rather than `instanceof`: it also works when
 * two copies of the package are installed side by side.
 *
 * @example
 * ```ts
 * try {
 *   await client.predictMany(texts);
 * } catch (error) {
 *   if (!PredictionError.isInstance(error)) throw error;
 *   console.error(error.status, error.serverMessage, error.requestId, error.failedInstances);
 * }
 * ```
 */
export class PredictionError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'PredictionError';
  /** Stable error code. */
  readonly code: PredictionErrorCode;
  /** HTTP status of the last answer; undefined for network errors, timeouts, aborts and local checks. */
  readonly status: number | undefined;
  /** The server's error message, verbatim (also part of `message`). */
  readonly serverMessage: string | undefined;
  /** The server's status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...), when its body had one. */
  readonly serverStatus: string | undefined;
  /** The request id, to find the request in the server's logs. */
  readonly requestId: string | undefined;
  /** The URL the request went to. */
  readonly url: string | undefined;
  /** Attempts made, retries included (0 when the error came before anything was sent). */
  readonly attempts: number;
  /** Indexes into the caller's `instances` that got no prediction, ascending. */
  readonly failedInstances: readonly number[];
  /** `predictMany()`: the error of every failed request, in input order (empty otherwise). */
  readonly requestErrors: readonly PredictionError[];
  /**
   * `predictMany()`: the predictions of the requests that succeeded, at their input index, `undefined`
   * at every index in {@link PredictionError.failedInstances}; retry just those. Undefined otherwise.
   */
  readonly partialPredictions: readonly unknown[] | undefined;
  /** The body of an HTTP error answer: parsed JSON, or the text (cut to 4 kB). */
  readonly body: unknown;

  constructor(code: PredictionErrorCode, message: string, options: PredictionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.serverMessage = options.serverMessage;
    this.serverStatus = options.serverStatus;
    this.requestId = options.requestId;
    this.url = options.url;
    this.attempts = options.attempts ?? 0;
    this.failedInstances = Object.freeze([...(options.failedInstances ?? [])]);
    this.requestErrors = Object.freeze([...(options.requestErrors ?? [])]);
    this.partialPredictions = options.partialPredictions;
    this.body = options.body;
  }

  /** True when `error` is a `PredictionError`, from this or any other copy of the package. */
  static isInstance(error: unknown): error is PredictionError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /**
   * True when sending the same request again later may succeed: rate limits, unavailable servers,
   * timeouts and broken connections (after the client's own retries gave up).
   */
  get retryable(): boolean {
    if (this.code === 'NETWORK_ERROR' || this.code === 'TIMEOUT') return true;
    return this.code === 'HTTP_ERROR' && this.status !== undefined && RETRYABLE_STATUSES.has(this.status);
  }
}

/** Statuses retried with backoff: rate limited, bad gateway, unavailable, gateway timeout. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** An INVALID_ARGUMENT error naming the option or argument at `path`. */
export function invalidArgument(path: string, problem: string): PredictionError {
  return new PredictionError('INVALID_ARGUMENT', `${path}: ${problem}`);
}

/** A short, safe description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  if (typeof value === 'symbol') return value.toString();
  return 'undefined';
}

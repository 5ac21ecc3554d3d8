/** What went wrong, as a stable code callers can switch on. */
export type StorageErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'CHECKSUM_MISMATCH'
  | 'INVALID_URI'
  | 'INVALID_ARGUMENT'
  | 'INVALID_DATA'
  | 'PRECONDITION_FAILED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'ABORTED'
  | 'UNKNOWN';

const MARKER = Symbol.for('vertexkit.storage.StorageError');

/** Options for {@link StorageError}. */
export interface StorageErrorOptions {
  /** The `gs://`, `file://` or local location the operation was working on. */
  location?: string;
  /** The operation, e.g. `read`, `write`, `list`, `copy`. */
  operation?: string;
  /** The underlying error (from `@google-cloud/storage`, `node:fs`, the network, ...). */
  cause?: unknown;
  /** How many attempts were made before giving up (retried operations only). */
  attempts?: number;
}

/**
 * The one error type thrown by `@vertexkit/storage`.
 *
 * Every error carries a {@link StorageErrorCode}, the location it concerns and the underlying cause.
 * Use {@link StorageError.isInstance} rather than `instanceof`: it also works when two copies of the
 * package are installed side by side.
 */
export class StorageError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'StorageError';
  /** Stable error code. */
  readonly code: StorageErrorCode;
  /** The location the failing operation concerned, if any. */
  readonly location: string | undefined;
  /** The operation that failed, if known. */
  readonly operation: string | undefined;
  /** Attempts made (1 when the operation was not retried). */
  readonly attempts: number;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
    this.operation = options.operation;
    this.attempts = options.attempts ?? 1;
  }

  /** True when `error` is a `StorageError`, from this or any other copy of the package. */
  static isInstance(error: unknown): error is StorageError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** True when retrying the same operation later may succeed. */
  get retryable(): boolean {
    return this.code === 'UNAVAILABLE' || this.code === 'RESOURCE_EXHAUSTED' || this.code === 'CHECKSUM_MISMATCH';
  }
}

const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSIENT_MESSAGE = /socket hang up|ECONNRESET|premature close|network timeout|other side closed|^terminated$|^fetch failed$|aborted/i;

/** The errno-style code of an error or of the errors that caused it (fetch wraps socket errors). */
function errnoOf(error: Record<string, unknown>): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as Record<string, unknown>).code;
    if (typeof code === 'string') return code;
    e = (e as Record<string, unknown>).cause;
  }
  return undefined;
}

function statusOf(error: Record<string, unknown>): number | undefined {
  for (const value of [error.code, error.status, (error.response as Record<string, unknown> | undefined)?.status]) {
    if (typeof value === 'number' && value >= 100 && value < 600) return value;
  }
  return undefined;
}

function codeFromStatus(status: number): StorageErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 409) return 'ALREADY_EXISTS';
  if (status === 412) return 'PRECONDITION_FAILED';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 408 || status >= 500) return 'UNAVAILABLE';
  if (status === 400) return 'INVALID_ARGUMENT';
  return 'UNKNOWN';
}

const HINTS: Partial<Record<StorageErrorCode, string>> = {
  NOT_FOUND: 'check the bucket and path (list the parent prefix to see what is there)',
  PERMISSION_DENIED:
    'grant the caller roles/storage.objectViewer (read) or roles/storage.objectAdmin (write) on the bucket',
  UNAUTHENTICATED:
    'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or pass credentials/keyFilename to createStorage()',
  UNAVAILABLE: 'the service or network failed; the operation was retried and can be run again',
  RESOURCE_EXHAUSTED: 'requests are being rate limited; lower the concurrency or retry later',
};

/** Turn any error thrown by a backend into a {@link StorageError} with a code, location and hint. */
export function toStorageError(error: unknown, operation: string, location?: string): StorageError {
  if (StorageError.isInstance(error)) return error;
  const err = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message = typeof err.message === 'string' ? err.message : String(error);
  let code: StorageErrorCode = 'UNKNOWN';
  const status = statusOf(err);
  const errno = errnoOf(err);
  if (status !== undefined) code = codeFromStatus(status);
  else if (errno === 'ENOENT') code = 'NOT_FOUND';
  else if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS') code = 'PERMISSION_DENIED';
  else if (errno === 'EEXIST') code = 'ALREADY_EXISTS';
  else if (errno === 'EISDIR' || errno === 'ENOTDIR') code = 'INVALID_ARGUMENT';
  else if (errno === 'ABORT_ERR' || err.name === 'AbortError') code = 'ABORTED';
  else if ((errno !== undefined && TRANSIENT_ERRNO.has(errno)) || TRANSIENT_MESSAGE.test(message)) code = 'UNAVAILABLE';
  else if (/default credentials|invalid_grant|unauthenticated|could not refresh access token/i.test(message))
    code = 'UNAUTHENTICATED';
  const hint = location !== undefined && !location.startsWith('gs://') && code === 'NOT_FOUND' ? 'check the path' : HINTS[code];
  const where = location === undefined ? '' : ` ${location}`;
  return new StorageError(code, `${operation}${where} failed: ${message}${hint ? ` (${hint})` : ''}`, {
    cause: error,
    operation,
    ...(location === undefined ? {} : { location }),
  });
}

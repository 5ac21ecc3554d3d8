/** What went wrong in the server or its batcher, as a stable code callers can switch on. */
export type PredictionServerErrorCode =
  /** An option of `createPredictionServer` or `DynamicBatcher` is invalid; `option` names it. */
  | 'INVALID_OPTION'
  /** The batcher's queue is full: answered 429 with Retry-After. */
  | 'QUEUE_FULL'
  /** One request holds more instances than the queue can ever hold: answered 400. */
  | 'TOO_MANY_INSTANCES'
  /** The caller gave up (client disconnected) before its instances ran. */
  | 'CANCELLED'
  /** The server is draining and dropped work it could not finish within the grace period. */
  | 'SHUTTING_DOWN'
  /** The handler broke its contract, e.g. `run()` returned the wrong number of results. */
  | 'HANDLER_CONTRACT'
  /** `listen()` could not bind: the port is in use or needs privileges, or the host is not this machine's. */
  | 'LISTEN_FAILED';

const MARKER = Symbol.for('vertexkit.serve.PredictionServerError');

/**
 * The error type thrown by `createPredictionServer` (bad options), `listen()` (the port cannot be bound) and by {@link DynamicBatcher}
 * (queue full, cancelled, shutting down, handler contract broken).
 *
 * Use {@link PredictionServerError.isInstance} rather than `instanceof`: it also works when two copies
 * of the package are installed side by side.
 */
export class PredictionServerError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'PredictionServerError';
  /** Stable error code. */
  readonly code: PredictionServerErrorCode;
  /** For `INVALID_OPTION`: the option's path, e.g. `batching.maxBatchSize` or `AIP_HTTP_PORT`. */
  readonly option: string | undefined;

  constructor(code: PredictionServerErrorCode, message: string, options: { option?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.option = options.option;
  }

  /** True when `error` is a `PredictionServerError`, from this or any other copy of the package. */
  static isInstance(error: unknown): error is PredictionServerError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** `option: message`, as an `INVALID_OPTION` error. */
export function invalidOption(option: string, message: string): PredictionServerError {
  return new PredictionServerError('INVALID_OPTION', `${option}: ${message}`, { option });
}

/** A short description of a value for error messages: `the string "abc"`, `an empty array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** A value as written in an error message: `0`, `"abc"`, `null`, `an object`. */
export function formatValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
    default:
      return describeValue(value);
  }
}

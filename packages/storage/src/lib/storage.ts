import type { StorageOptions as GcsClientOptions, Storage as GcsClient } from '@google-cloud/storage';
import type { Backend } from './backend.js';
import { createGcsBackend } from './gcs-backend.js';
import { localBackend } from './local-backend.js';
import { StorageError } from './errors.js';
import { parseLocation, type Location, type LocationLike } from './location.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';

/** Options for {@link createStorage}. All optional: by default, Application Default Credentials are used. */
export interface StorageOptions {
  /** Google Cloud project; defaults to the one Application Default Credentials name. */
  projectId?: string;
  /** Path to a service account key file. */
  keyFilename?: string;
  /** Service account credentials as an object. */
  credentials?: GcsClientOptions['credentials'];
  /**
   * Cloud Storage API endpoint. Leave unset to use Google's, or the `STORAGE_EMULATOR_HOST` environment
   * variable when it is set (as `@google-cloud/storage` does).
   */
  apiEndpoint?: string;
  /** Retry policy for transient failures. */
  retry?: Partial<RetryPolicy>;
  /** Default number of files transferred at once by directory operations. Default 16. */
  concurrency?: number;
  /** An existing `@google-cloud/storage` client to use instead of creating one. */
  client?: GcsClient;
}

/**
 * A configured storage handle: credentials, endpoint, retry policy and concurrency for every call that is
 * given it as `storage`. Calls without one use {@link defaultStorage}.
 */
export interface Storage {
  /** The retry policy in force. */
  readonly retry: RetryPolicy;
  /** Default number of concurrent file transfers. */
  readonly concurrency: number;
  /** @internal The backend that serves a location. */
  backendFor(location: Location): Backend;
}

/**
 * Create a storage handle with explicit credentials or settings.
 *
 * `@google-cloud/storage` is loaded on the first `gs://` call only, so local-only use stays light.
 *
 * @example
 * ```ts
 * const storage = createStorage({ keyFilename: './key.json', retry: { retries: 8 } });
 * await uploadDirectory({ from: './model', to: 'gs://my-bucket/models/v1', storage });
 * ```
 */
export function createStorage(options: StorageOptions = {}): Storage {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StorageError('INVALID_ARGUMENT', `concurrency: ${concurrency} is not a positive integer; pass 1 or more (default 16)`, {
      operation: 'createStorage',
    });
  }
  for (const key of ['retries', 'minDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(retry[key]) || retry[key] < 0) {
      throw new StorageError('INVALID_ARGUMENT', `retry.${key}: ${retry[key]} is not a non-negative number`, {
        operation: 'createStorage',
      });
    }
  }
  let gcs: Backend | undefined;
  return {
    retry,
    concurrency,
    backendFor(location) {
      if (location.scheme === 'file') return localBackend;
      gcs ??= createGcsBackend({
        projectId: options.projectId,
        keyFilename: options.keyFilename,
        credentials: options.credentials,
        apiEndpoint: options.apiEndpoint,
        client: options.client,
        retry,
      });
      return gcs;
    },
  };
}

let defaultInstance: Storage | undefined;

/** The shared handle used when a call is not given `storage`: Application Default Credentials, default retries. */
export function defaultStorage(): Storage {
  defaultInstance ??= createStorage();
  return defaultInstance;
}

/** @internal Options every call accepts. */
export interface CallOptions {
  /** Storage handle to use; defaults to {@link defaultStorage}. */
  storage?: Storage | undefined;
  /** Cancels the operation. */
  signal?: AbortSignal | undefined;
}

/**
 * The object or file a single-object call works on (`stat`, `exists`, `deleteFile`): `from`, as in
 * `readText`, `copy` and every other call that takes a source. `location` is its deprecated old name,
 * still accepted; giving both, naming different objects, is an `INVALID_ARGUMENT` error.
 */
export type SourceParam =
  | {
      /** The object or file: `gs://bucket/key`, `file:///path` or a local path. */
      from: LocationLike;
      /** @deprecated Renamed `from` (the name every other call uses); `location` still works. */
      location?: LocationLike | undefined;
    }
  | {
      /** The object or file: `gs://bucket/key`, `file:///path` or a local path. */
      from?: LocationLike | undefined;
      /** @deprecated Renamed `from` (the name every other call uses); `location` still works. */
      location: LocationLike;
    };

/**
 * @internal Resolve a {@link SourceParam}: `from`, else the deprecated `location`; both, naming
 * different objects, is an error naming both (which one did the caller mean?).
 */
export function resolveSource(
  params: SourceParam & CallOptions,
  operation: string,
): { loc: Location; backend: Backend; storage: Storage } {
  const given = typeof params === 'object' && params !== null ? params : undefined;
  if (given?.from !== undefined && given.location !== undefined && given.from !== given.location) {
    const from = parseParam(given, 'from');
    const location = parseParam(given, 'location');
    if (from.uri !== location.uri) {
      const shown = (value: LocationLike): string => JSON.stringify(typeof value === 'string' ? value : value.uri);
      throw new StorageError(
        'INVALID_ARGUMENT',
        `${operation}: from (${shown(given.from)}) and location (${shown(given.location)}) name different objects; pass from only (location is its deprecated old name)`,
        { location: from.uri, operation },
      );
    }
  }
  return resolveParam(params, given?.from === undefined && given?.location !== undefined ? 'location' : 'from');
}

/** @internal Resolve a location and the backend serving it. */
export function resolve(location: LocationLike, storage: Storage | undefined): { loc: Location; backend: Backend; storage: Storage } {
  const s = storage ?? defaultStorage();
  const loc = parseLocation(location);
  return { loc, backend: s.backendFor(loc), storage: s };
}

/**
 * @internal Resolve `params[field]`, with an error naming the field when the caller passed something
 * else (a common slip: `readText('gs://b/x')` instead of `readText({ from: 'gs://b/x' })`).
 */
export function resolveParam<K extends string>(
  params: Partial<Record<K, LocationLike>> & CallOptions,
  field: K,
): { loc: Location; backend: Backend; storage: Storage } {
  const loc = parseParam(params, field);
  const s = params.storage ?? defaultStorage();
  return { loc, backend: s.backendFor(loc), storage: s };
}

/**
 * @internal Parse `params[field]` as {@link resolveParam} does, without picking a backend: every error
 * starts with the field's name (`from: "gs:/b/x" is not a Cloud Storage URI ...`).
 */
export function parseParam<K extends string>(params: Partial<Record<K, LocationLike>>, field: K): Location {
  if (typeof params !== 'object' || params === null) {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `expected a params object like { ${field}: 'gs://bucket/path' }, got ${typeof params === 'string' ? `the string "${String(params)}"` : String(params)}`,
      { operation: field },
    );
  }
  const value = params[field];
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null || !('scheme' in value))) {
    throw new StorageError(
      'INVALID_URI',
      `${field}: ${value === undefined ? 'missing' : JSON.stringify(value)}; pass gs://bucket/path, file:///path or a local path`,
      { operation: field },
    );
  }
  try {
    return parseLocation(value);
  } catch (error) {
    if (!StorageError.isInstance(error) || error.code !== 'INVALID_URI') throw error;
    throw new StorageError('INVALID_URI', `${field}: ${error.message}`, {
      ...(error.location === undefined ? {} : { location: error.location }),
      operation: error.operation ?? 'parse',
      cause: error,
    });
  }
}

import retry from 'async-retry';
import { StorageError, toStorageError } from './errors.js';

/** How transient failures (429, 5xx, connection resets, corrupted transfers) are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. Default 5. */
  retries: number;
  /** First backoff delay in milliseconds. Default 200. */
  minDelayMs: number;
  /** Largest backoff delay in milliseconds. Default 10,000. */
  maxDelayMs: number;
}

/** The default {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Run an idempotent operation, retrying retryable {@link StorageError}s with exponential backoff and jitter.
 * Each attempt must start from scratch (re-open its source): partial progress is never resumed.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: string,
  location: string,
  attempt: (attemptNumber: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let attempts = 0;
  try {
    return await retry(
      async (bail, n) => {
        attempts = n;
        signal?.throwIfAborted();
        try {
          return await attempt(n);
        } catch (error) {
          const err = toStorageError(error, operation, location);
          if (!err.retryable || signal?.aborted) bail(err);
          throw err;
        }
      },
      {
        retries: policy.retries,
        factor: 2,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        randomize: true,
      },
    );
  } catch (error) {
    const err = toStorageError(error, operation, location);
    if (attempts <= 1) return Promise.reject(err);
    return Promise.reject(
      new StorageError(err.code, `${err.message} (after ${attempts} attempts)`, {
        cause: err.cause ?? err,
        attempts,
        ...(err.location === undefined ? {} : { location: err.location }),
        ...(err.operation === undefined ? {} : { operation: err.operation }),
      }),
    );
  }
}

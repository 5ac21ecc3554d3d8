import { describeValue, invalidArgument } from './prediction-error.js';

/** When and how often a failed request is sent again. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. Default 5. */
  maxAttempts?: number;
  /** Backoff before the first retry (before jitter); it doubles each retry. Default 500 ms. */
  initialDelayMs?: number;
  /**
   * Cap of one backoff. A `Retry-After` longer than this is not waited for: the error is thrown at once,
   * so the caller decides. Default 30_000 ms.
   */
  maxDelayMs?: number;
  /** Called before each retry with what failed and how long the client waits; for logs. */
  onRetry?: (event: RetryEvent) => void;
}

/** What {@link RetryOptions.onRetry} receives. */
export interface RetryEvent {
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** Whether `delayMs` came from the server's `Retry-After` header. */
  retryAfter: boolean;
  /** HTTP status of the failed attempt; undefined for a connection failure. */
  status: number | undefined;
  /** The failure. */
  error: Error;
  /** The request URL. */
  url: string;
}

/** {@link RetryOptions} with defaults applied. */
export interface ResolvedRetryOptions {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

/** Default retry policy. */
export const DEFAULT_RETRY: Readonly<Omit<ResolvedRetryOptions, 'onRetry'>> = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
});

/** Apply defaults to `retry` (false: one attempt) and check every value. */
export function resolveRetryOptions(retry: RetryOptions | false | undefined): ResolvedRetryOptions {
  if (retry === false) return { ...DEFAULT_RETRY, maxAttempts: 1, onRetry: undefined };
  if (retry !== undefined && (typeof retry !== 'object' || retry === null || Array.isArray(retry))) {
    throw invalidArgument('retry', `expected { maxAttempts, initialDelayMs, maxDelayMs, onRetry } or false, got ${describeValue(retry)}`);
  }
  const { maxAttempts = DEFAULT_RETRY.maxAttempts, initialDelayMs = DEFAULT_RETRY.initialDelayMs, maxDelayMs = DEFAULT_RETRY.maxDelayMs, onRetry } = retry ?? {};
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw invalidArgument('retry.maxAttempts', `${describeValue(maxAttempts)} is not a count of attempts; pass an integer >= 1 (1 = no retries, default ${DEFAULT_RETRY.maxAttempts})`);
  }
  for (const [name, value] of [['initialDelayMs', initialDelayMs], ['maxDelayMs', maxDelayMs]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalidArgument(`retry.${name}`, `${describeValue(value)} is not a duration; pass 0 or more milliseconds`);
    }
  }
  if (onRetry !== undefined && typeof onRetry !== 'function') {
    throw invalidArgument('retry.onRetry', `expected a function, got ${describeValue(onRetry)}`);
  }
  return { maxAttempts, initialDelayMs, maxDelayMs, onRetry };
}

/**
 * Exponential backoff with full jitter: a uniform random wait in [0, min(maxDelayMs, initialDelayMs *
 * 2^(attempt-1))). Full jitter spreads clients that failed together (a 429 burst) instead of having them
 * retry in lockstep.
 */
export function backoffDelay(attempt: number, options: Pick<ResolvedRetryOptions, 'initialDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

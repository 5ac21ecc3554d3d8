import { JobsError } from './jobs-error.js';
import { isTerminalState, type JobState } from './job-state.js';

/** Which kind of Vertex AI job a handle stands for. */
export type JobKind = 'customJob' | 'hyperparameterTuningJob' | 'batchPredictionJob';

/** A job as last seen: the fields every kind has, and the whole resource. */
export interface JobSnapshot {
  /** Resource name (`projects/p/locations/l/customJobs/123`), or `local/<id>` for the local runner. */
  name: string;
  kind: JobKind;
  displayName: string;
  state: JobState;
  labels: Record<string, string>;
  createTime?: Date;
  startTime?: Date;
  endTime?: Date;
  /** A failed job's error (google.rpc.Status). */
  error?: { code: number; message: string };
  /** The resource as the service returned it (proto JSON shape). */
  resource: Record<string, unknown>;
}

/** What `wait()` reports while it waits. */
export type JobProgressEvent =
  /** The job moved to another state (the first poll also reports, with `previous` undefined). */
  | { type: 'state'; state: JobState; previous: JobState | undefined; elapsedMs: number; job: JobSnapshot }
  /** A poll that saw no change: a heartbeat for a spinner. */
  | { type: 'poll'; state: JobState; elapsedMs: number };

/** Options of {@link JobHandle.wait}. */
export interface WaitOptions {
  /** Give up (JobsError TIMEOUT; the job goes on) after this long. Default: no limit. */
  timeoutMs?: number;
  /** Time between polls. Default 10 s for Vertex AI (its quota is 600 reads a minute), 200 ms locally. */
  pollIntervalMs?: number;
  onProgress?: (event: JobProgressEvent) => void;
  /** Stops waiting (JobsError ABORTED; the job goes on: call `cancel()` to stop it). */
  signal?: AbortSignal;
}

/**
 * A submitted job, on Vertex AI or run by the local runner: the same calls and states for both.
 *
 * @example
 * ```ts
 * const job = await jobs.submitCustomJob(spec);
 * const done = await job.wait({ onProgress: (event) => event.type === 'state' && console.log(event.state) });
 * ```
 */
export interface JobHandle {
  readonly name: string;
  readonly kind: JobKind;
  /** The job's current state and fields, fetched now. */
  get(): Promise<JobSnapshot>;
  /**
   * Resolves with the job once it has SUCCEEDED; rejects with a JobsError JOB_FAILED (with the service's
   * error message), JOB_CANCELLED, TIMEOUT or ABORTED.
   */
  wait(options?: WaitOptions): Promise<JobSnapshot>;
  /** Asks the job to stop; it goes through JOB_STATE_CANCELLING to JOB_STATE_CANCELLED. */
  cancel(): Promise<void>;
}

/** The polling loop behind every handle's `wait()`. */
export async function waitForJob(
  get: () => Promise<JobSnapshot>,
  options: WaitOptions & { defaultPollIntervalMs: number },
): Promise<JobSnapshot> {
  const started = Date.now();
  const interval = options.pollIntervalMs ?? options.defaultPollIntervalMs;
  const deadline = options.timeoutMs === undefined ? Infinity : started + options.timeoutMs;
  let previous: JobState | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new JobsError('ABORTED', 'stopped waiting for the job: the signal was aborted (the job goes on)', { cause: options.signal.reason });
    const job = await get();
    const elapsedMs = Date.now() - started;
    if (job.state !== previous) {
      options.onProgress?.({ type: 'state', state: job.state, previous, elapsedMs, job });
      previous = job.state;
    } else {
      options.onProgress?.({ type: 'poll', state: job.state, elapsedMs });
    }
    if (isTerminalState(job.state)) return settle(job);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new JobsError('TIMEOUT', `${job.name} is still ${job.state} after ${Math.round(elapsedMs / 1000)} s (timeoutMs ${options.timeoutMs}); the job goes on: wait again, or cancel it`, { resource: job.name });
    }
    await sleep(Math.min(interval, remaining), options.signal);
  }
}

function settle(job: JobSnapshot): JobSnapshot {
  if (job.state === 'JOB_STATE_SUCCEEDED') return job;
  if (job.state === 'JOB_STATE_CANCELLED') {
    throw new JobsError('JOB_CANCELLED', `${job.name} (${job.displayName}) was cancelled`, { resource: job.name });
  }
  const why = job.error?.message ? `: ${job.error.message}` : '';
  throw new JobsError('JOB_FAILED', `${job.name} (${job.displayName}) ended in ${job.state}${why}`, {
    resource: job.name,
    ...(job.error ? { jobError: job.error } : {}),
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    // Wakes early on abort; the loop then throws ABORTED.
    signal?.addEventListener('abort', done, { once: true });
  });
}

import { PredictionServerError, describeValue, formatValue, invalidOption } from './errors.js';

/** Defaults shared by {@link DynamicBatcher} and `createPredictionServer`'s `batching` option. */
export const BATCHING_DEFAULTS = Object.freeze({ maxBatchSize: 32, maxQueueDelayMs: 5, maxQueueSize: 1024 });

/** What {@link DynamicBatcher} reports after each run, for metrics and logs. */
export interface BatchEvent {
  /** Items in the batch. */
  size: number;
  /** Distinct submissions (requests) the batch served. */
  submissions: number;
  /** How long the oldest item waited in the queue before the run started. */
  queuedMs: number;
  /** How long `run` took. */
  durationMs: number;
  /** Set when `run` threw or broke its contract; every submission in the batch was rejected with it. */
  error?: unknown;
}

/** Options for {@link DynamicBatcher}. */
export interface DynamicBatcherOptions<Item, Result> {
  /** Run one batch; must resolve to one result per item, in order. Called for one batch at a time. */
  run: (batch: Item[]) => Promise<Result[]>;
  /** Most items in one run. Default 32. */
  maxBatchSize?: number;
  /**
   * Longest the oldest waiting item waits for company before a smaller batch runs, when it queued behind a
   * run. The wait also ends as soon as the callers that run answered are back (as many items wait as waited at
   * its end plus as many as it ran). Items that arrive while the model is idle (nothing running, nothing
   * waiting) do not wait; 0 never waits, not even for the rest of the event loop's turn. Default 5 ms.
   */
  maxQueueDelayMs?: number;
  /** Most items waiting (not counting the batch running); submissions beyond it are refused. Default 1024. */
  maxQueueSize?: number;
  /** Called after every run (also failed ones). */
  onBatch?: (event: BatchEvent) => void;
  /** Called whenever the number of waiting items changes. */
  onQueueDepth?: (depth: number) => void;
}

interface Submission<Result> {
  readonly results: Result[];
  remaining: number;
  settled: boolean;
  resolve(results: Result[]): void;
  reject(error: unknown): void;
}

/** What {@link DynamicBatcher.enqueue} returns. */
export interface BatchTicket<Result> {
  /** The results, in the order of the items; rejects as {@link DynamicBatcher.submit}'s promise does. */
  readonly results: Promise<Result[]>;
  /** Take the items still waiting out of the queue and reject `results` with `CANCELLED`; nothing once settled. A function, not a method: pass it on as it is. */
  readonly cancel: () => void;
}

interface Entry<Item, Result> {
  readonly submission: Submission<Result>;
  readonly index: number;
  readonly item: Item;
  readonly enqueuedAt: number;
}

/**
 * Dynamic batching: items submitted by concurrent callers (requests) wait in one FIFO queue and run
 * together; a submission larger than `maxBatchSize` is split across runs, and each caller gets its own
 * results back, in its own order. When a batch runs:
 *
 * - Items that arrive while the model is idle (nothing running, nothing waiting) run at once, at the next
 *   turn of the event loop, together with whatever else arrived in that turn. Nothing says more are on
 *   their way, and waiting for them would add latency while the model idles.
 * - Items that queued behind a run (there is load) run when it ends, as soon as `maxBatchSize` items wait,
 *   or the callers that run answered are back (as many items wait as waited when it ended plus as many as it
 *   ran), or the oldest has waited `maxQueueDelayMs`: the callers a run just answered tend to send their next
 *   requests right away, and a short wait lets those share the next run; once they are all back, waiting
 *   longer only adds latency (eight clients would otherwise each wait the whole delay, every time). A run
 *   longer than the delay means its queue is due as soon as it ends.
 * - With `maxQueueDelayMs` 0, whatever waits runs as soon as the model is free, synchronously in `submit`
 *   when it is idle.
 *
 * One run at a time, by design: ONNX Runtime already spreads one run over every core (intra-op
 * threads), so two concurrent runs on a 2-core Cloud Run or Vertex instance compete for the same
 * cores and each takes about twice as long; one larger batch is cheaper per item. While a run is in
 * progress the queue fills, so the next batch is bigger: batching adapts to load by itself.
 *
 * A run that throws, or resolves to the wrong number of results, rejects only the submissions with
 * items in that batch (and drops their items still waiting); other submissions are unaffected. When
 * `maxQueueSize` items are waiting, `submit` refuses new work with a `QUEUE_FULL` error instead of
 * letting memory and latency grow without bound.
 *
 * @example
 * ```ts
 * const batcher = new DynamicBatcher({ run: async (texts: string[]) => texts.map((t) => t.length) });
 * const [a, b] = await Promise.all([batcher.submit(['a', 'bb']), batcher.submit(['ccc'])]); // one run
 * ```
 */
export class DynamicBatcher<Item, Result> {
  /** The effective settings (defaults applied). */
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueueSize: number;

  readonly #run: (batch: Item[]) => Promise<Result[]>;
  readonly #onBatch: ((event: BatchEvent) => void) | undefined;
  readonly #onQueueDepth: ((depth: number) => void) | undefined;
  #queue: Entry<Item, Result>[] = [];
  #running = false;
  #flushing = false;
  /** The waiting items arrived at an idle model: they run without waiting for the delay. */
  #eager = false;
  /** Items waiting once the callers the last run answered are back: the next run need not wait past that. */
  #expected = Infinity;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: DynamicBatcherOptions<Item, Result>) {
    if (typeof options !== 'object' || options === null || typeof options.run !== 'function') {
      throw invalidOption('run', `expected a function (batch) => Promise<results>, got ${describeValue((options as { run?: unknown } | null)?.run)}`);
    }
    const settings = resolveBatchingOptions(options);
    this.maxBatchSize = settings.maxBatchSize;
    this.maxQueueDelayMs = settings.maxQueueDelayMs;
    this.maxQueueSize = settings.maxQueueSize;
    this.#run = options.run;
    this.#onBatch = options.onBatch;
    this.#onQueueDepth = options.onQueueDepth;
  }

  /** Items waiting for a run (not counting the batch running). */
  get queued(): number {
    return this.#queue.length;
  }

  /** True while a batch runs. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Queue `items` and resolve to their results, in order, once every item has run.
   *
   * Rejects with a {@link PredictionServerError}: `QUEUE_FULL` when the waiting items plus these would
   * exceed `maxQueueSize` (retry later), `TOO_MANY_INSTANCES` when `items` alone exceed it (split the
   * submission), `CANCELLED` when `signal` aborts before the last item ran (waiting items are dropped),
   * `HANDLER_CONTRACT` when `run` returned the wrong number of results; or with whatever `run` threw.
   */
  submit(items: readonly Item[], signal?: AbortSignal): Promise<Result[]> {
    if (signal?.aborted) return Promise.reject(cancelled());
    const ticket = this.enqueue(items);
    if (signal) {
      const onAbort = (): void => ticket.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      const detach = (): void => signal.removeEventListener('abort', onAbort);
      ticket.results.then(detach, detach);
    }
    return ticket.results;
  }

  /**
   * {@link DynamicBatcher.submit} without an AbortSignal: queue `items` and get their results with a `cancel()`
   * that takes them out of the queue (rejecting `results` with `CANCELLED`; nothing once they are settled).
   * `results` rejects as `submit`'s promise does. For callers that cancel on an event of their own, such as a
   * server on its client hanging up: an AbortController and its listener per submission cost about 10% of a
   * small model's event loop at 20,000 requests/s (bench:serve).
   */
  enqueue(items: readonly Item[]): BatchTicket<Result> {
    if (items.length === 0) return { results: Promise.resolve([]), cancel: noop };
    if (items.length > this.maxQueueSize) {
      return refused(
        new PredictionServerError(
          'TOO_MANY_INSTANCES',
          `${items.length} items are more than the queue holds (maxQueueSize ${this.maxQueueSize}); submit at most ${this.maxQueueSize} at a time`,
        ),
      );
    }
    if (this.#queue.length + items.length > this.maxQueueSize) {
      return refused(
        new PredictionServerError(
          'QUEUE_FULL',
          `${this.#queue.length} items are already waiting and the queue holds ${this.maxQueueSize} (maxQueueSize); retry shortly`,
        ),
      );
    }
    let submission!: Submission<Result>;
    const results = new Promise<Result[]>((resolve, reject) => {
      submission = { results: new Array<Result>(items.length), remaining: items.length, settled: false, resolve, reject };
    });
    if (!this.#running && this.#queue.length === 0) this.#eager = true;
    const now = performance.now();
    for (let index = 0; index < items.length; index++) {
      this.#queue.push({ submission, index, item: items[index] as Item, enqueuedAt: now });
    }
    this.#onQueueDepth?.(this.#queue.length);
    this.#schedule();
    return { results, cancel: () => this.#fail(submission, cancelled()) };
  }

  /**
   * Run whatever waits now and from here on without waiting for `maxQueueDelayMs` (still at most
   * `maxBatchSize` per run, one run at a time). Used when the server drains.
   */
  flush(): void {
    this.#flushing = true;
    this.#schedule();
  }

  /** Resolves when nothing waits and nothing runs. */
  whenIdle(): Promise<void> {
    if (this.#queue.length === 0 && !this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Reject every submission that still has items waiting with `error` (items of the running batch
   * still finish, but their submissions are rejected). Returns how many waiting items were dropped.
   */
  rejectWaiting(error: unknown): number {
    const dropped = this.#queue.length;
    for (const entry of this.#queue) this.#settle(entry.submission, error);
    this.#queue = [];
    this.#clearTimer();
    if (dropped > 0) this.#onQueueDepth?.(0);
    this.#notifyIfIdle();
    return dropped;
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#eager && !this.#flushing && this.maxQueueDelayMs > 0 && this.#queue.length < this.maxBatchSize) {
      // Not synchronously: requests whose bodies were read in this same turn of the event loop (a burst)
      // still share the run. A delay of 0 asks for no wait at all, not even this one.
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        if (this.#eager && !this.#running && this.#queue.length > 0) void this.#runNext();
        else this.#schedule();
      });
      return;
    }
    const oldest = this.#queue[0] as Entry<Item, Result>;
    const waitMs = this.#flushing || this.#eager ? 0 : oldest.enqueuedAt + this.maxQueueDelayMs - performance.now();
    // setTimeout may fire a fraction of a millisecond early; anything under 1 ms counts as due.
    if (this.#queue.length >= this.maxBatchSize || this.#queue.length >= this.#expected || waitMs < 1) {
      void this.#runNext();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, waitMs);
  }

  async #runNext(): Promise<void> {
    this.#running = true;
    // What is left of the queue now waits behind this run.
    this.#eager = false;
    this.#clearTimer();
    const batch = this.#queue.splice(0, this.maxBatchSize);
    this.#onQueueDepth?.(this.#queue.length);
    const started = performance.now();
    const queuedMs = started - (batch[0] as Entry<Item, Result>).enqueuedAt;
    let results: Result[] | undefined;
    let error: unknown;
    let failed = false;
    try {
      // run() may throw synchronously; the try covers both.
      const value: unknown = await this.#run(batch.map((entry) => entry.item));
      if (!Array.isArray(value) || value.length !== batch.length) {
        throw new PredictionServerError(
          'HANDLER_CONTRACT',
          `run() returned ${describeResults(value)} for a batch of ${batch.length}; it must resolve to one result per item, in order`,
        );
      }
      results = value as Result[];
    } catch (caught) {
      failed = true;
      error = caught;
    }
    const durationMs = performance.now() - started;

    // A submission's items are queued together, so they are contiguous in the batch too.
    let submissions = 0;
    let previous: Submission<Result> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i] as Entry<Item, Result>;
      const { submission } = entry;
      if (submission !== previous) submissions++;
      previous = submission;
      if (submission.settled) continue;
      if (failed) {
        this.#settle(submission, error);
        continue;
      }
      submission.results[entry.index] = (results as Result[])[i] as Result;
      if (--submission.remaining === 0) {
        submission.settled = true;
        submission.resolve(submission.results);
      }
    }
    if (failed) this.#dropSettled();
    this.#expected = this.#queue.length + batch.length;

    try {
      this.#onBatch?.({ size: batch.length, submissions, queuedMs, durationMs, ...(failed ? { error } : {}) });
    } catch {
      // A metrics callback must not stall the queue.
    }
    this.#running = false;
    this.#schedule();
    this.#notifyIfIdle();
  }

  #fail(submission: Submission<Result>, error: unknown): void {
    if (submission.settled) return;
    this.#settle(submission, error);
    this.#dropSettled();
    this.#notifyIfIdle();
  }

  #settle(submission: Submission<Result>, error: unknown): void {
    if (submission.settled) return;
    submission.settled = true;
    submission.reject(error);
  }

  /** Remove waiting items whose submission already failed: running them would be wasted work. */
  #dropSettled(): void {
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((entry) => !entry.submission.settled);
    if (this.#queue.length !== before) {
      this.#onQueueDepth?.(this.#queue.length);
      if (this.#queue.length === 0) this.#clearTimer();
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
  }

  #notifyIfIdle(): void {
    if (this.#queue.length > 0 || this.#running || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function noop(): void {}

function refused<Result>(error: PredictionServerError): BatchTicket<Result> {
  return { results: Promise.reject(error), cancel: noop };
}

function cancelled(): PredictionServerError {
  return new PredictionServerError('CANCELLED', 'cancelled before its items ran');
}

function describeResults(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} result${value.length === 1 ? '' : 's'}`;
  return describeValue(value);
}

/** The batching settings with defaults applied; throws `INVALID_OPTION` naming `prefix + option`. */
export function resolveBatchingOptions(
  options: { maxBatchSize?: number; maxQueueDelayMs?: number; maxQueueSize?: number },
  prefix = '',
): { maxBatchSize: number; maxQueueDelayMs: number; maxQueueSize: number } {
  const maxBatchSize = positiveInteger(`${prefix}maxBatchSize`, options.maxBatchSize, BATCHING_DEFAULTS.maxBatchSize);
  const maxQueueSize = positiveInteger(`${prefix}maxQueueSize`, options.maxQueueSize, BATCHING_DEFAULTS.maxQueueSize);
  const maxQueueDelayMs: unknown = options.maxQueueDelayMs ?? BATCHING_DEFAULTS.maxQueueDelayMs;
  if (typeof maxQueueDelayMs !== 'number' || !Number.isFinite(maxQueueDelayMs) || maxQueueDelayMs < 0) {
    throw invalidOption(
      `${prefix}maxQueueDelayMs`,
      `${formatValue(maxQueueDelayMs)} is not a delay; pass 0 or more milliseconds (default ${BATCHING_DEFAULTS.maxQueueDelayMs})`,
    );
  }
  if (maxQueueSize < maxBatchSize) {
    throw invalidOption(
      `${prefix}maxQueueSize`,
      `${maxQueueSize} is smaller than ${prefix}maxBatchSize (${maxBatchSize}), so a full batch could never form; pass ${maxBatchSize} or more`,
    );
  }
  return { maxBatchSize, maxQueueDelayMs, maxQueueSize };
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isSafeInteger(resolved) || resolved < 1) {
    throw invalidOption(option, `${formatValue(resolved)} is not a positive integer; pass 1 or more (default ${fallback})`);
  }
  return resolved;
}

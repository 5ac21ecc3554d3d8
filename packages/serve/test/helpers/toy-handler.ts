// A handler written for the server tests: run() upper-cases strings and records every batch it saw.
// Knobs: a delay per run, a gate that holds load(), a gate that holds runs, and trigger words that make
// run() throw ("throw") or return one result too few ("short").
import { InvalidInputError } from '../../src/lib/handler.js';
import type { PredictionHandler } from '../../src/lib/handler.js';

export interface ToyParams {
  suffix: string;
}

export interface ToyHandlerOptions {
  /** Each run waits this long before answering. Default 0. */
  runDelayMs?: number;
  /** load() waits until `releaseLoad()` or `failLoad()` is called. Default false. */
  holdLoad?: boolean;
}

export interface ToyHandler {
  handler: PredictionHandler<string, string, string, ToyParams>;
  /** Every batch run() saw, in order. */
  runs: string[][];
  /** Every instance parseInstance() accepted, in order: once there, a request is queued or running. */
  parsed: string[];
  /** Batch sizes, in order. */
  readonly batchSizes: number[];
  /** Runs in progress right now, and the most ever seen at once. */
  readonly concurrentRuns: number;
  readonly maxConcurrentRuns: number;
  readonly closeCalls: number;
  releaseLoad(): void;
  failLoad(error: Error): void;
  /** Make runs wait until the returned function is called. */
  holdRuns(): () => void;
  setRunDelay(ms: number): void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `condition` holds (the tests' way to know a request reached the server), or fail after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function createToyHandler(options: ToyHandlerOptions = {}): ToyHandler {
  let runDelayMs = options.runDelayMs ?? 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  let closeCalls = 0;
  let runGate: Promise<void> | undefined;
  let releaseLoad!: () => void;
  let failLoad!: (error: Error) => void;
  const loadGate = new Promise<void>((resolve, reject) => {
    releaseLoad = resolve;
    failLoad = reject;
  });
  if (!options.holdLoad) releaseLoad();
  const runs: string[][] = [];
  const parsed: string[] = [];

  const handler: PredictionHandler<string, string, string, ToyParams> = {
    load: () => loadGate,
    parseInstance(instance, index) {
      if (typeof instance !== 'string') {
        throw new InvalidInputError(`instances[${index}]`, `expected a string, got ${instance === null ? 'null' : typeof instance}`);
      }
      parsed.push(instance);
      return instance;
    },
    parseParameters(parameters) {
      if (parameters === undefined) return { suffix: '' };
      const { suffix } = parameters as { suffix?: unknown };
      if (suffix !== undefined && typeof suffix !== 'string') throw new InvalidInputError('parameters.suffix', 'expected a string');
      return { suffix: suffix ?? '' };
    },
    async run(batch) {
      runs.push([...batch]);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        if (runGate) await runGate;
        if (runDelayMs > 0) await sleep(runDelayMs);
        if (batch.includes('throw')) throw new Error('kaboom: the toy model broke');
        const results = batch.map((text) => text.toUpperCase());
        return batch.includes('short') ? results.slice(1) : results;
      } finally {
        concurrent--;
      }
    },
    postprocess(raw, params) {
      return `${raw}${params.suffix}`;
    },
    close() {
      closeCalls++;
      return Promise.resolve();
    },
  };

  return {
    handler,
    runs,
    parsed,
    get batchSizes() {
      return runs.map((batch) => batch.length);
    },
    get concurrentRuns() {
      return concurrent;
    },
    get maxConcurrentRuns() {
      return maxConcurrent;
    },
    get closeCalls() {
      return closeCalls;
    },
    releaseLoad: () => releaseLoad(),
    failLoad: (error) => failLoad(error),
    holdRuns() {
      let release!: () => void;
      runGate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        runGate = undefined;
        release();
      };
    },
    setRunDelay(ms) {
      runDelayMs = ms;
    },
  };
}

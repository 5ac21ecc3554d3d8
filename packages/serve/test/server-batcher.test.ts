// DynamicBatcher on its own: coalescing, splitting, when a batch starts (at once on an idle model, after
// the delay behind a run), one run at a time, back-pressure, failure isolation and cancellation.
import { describe, expect, test } from 'vitest';
import { DynamicBatcher } from '../src/lib/server/dynamic-batcher.js';
import type { BatchEvent } from '../src/lib/server/dynamic-batcher.js';
import { PredictionServerError } from '../src/lib/server/errors.js';
import { sleep } from './helpers/toy-handler.js';

function recorder(options: { delayMs?: number; fail?: (batch: string[]) => boolean } = {}) {
  const batches: string[][] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  let gate: Promise<void> | undefined;
  const run = async (batch: string[]): Promise<string[]> => {
    batches.push([...batch]);
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    try {
      if (gate) await gate;
      if (options.delayMs) await sleep(options.delayMs);
      if (options.fail?.(batch)) throw new Error(`failed on ${batch.join(',')}`);
      return batch.map((item) => item.toUpperCase());
    } finally {
      concurrent--;
    }
  };
  return {
    run,
    batches,
    get maxConcurrent() {
      return maxConcurrent;
    },
    /** Runs wait until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

/** After this, an item submitted to an idle model before it is running. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function rejection(promise: Promise<unknown>): Promise<PredictionServerError> {
  try {
    await promise;
  } catch (error) {
    expect(PredictionServerError.isInstance(error), String(error)).toBe(true);
    return error as PredictionServerError;
  }
  throw new Error('expected a rejection');
}

describe('DynamicBatcher', () => {
  test('concurrent submissions share one run and each gets its own results in order', async () => {
    const model = recorder();
    const events: BatchEvent[] = [];
    const batcher = new DynamicBatcher({ run: model.run, maxQueueDelayMs: 20, onBatch: (event) => events.push(event) });
    const results = await Promise.all([batcher.submit(['a', 'b']), batcher.submit(['c']), batcher.submit(['d', 'e', 'f'])]);
    expect(results).toEqual([['A', 'B'], ['C'], ['D', 'E', 'F']]);
    expect(model.batches).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ size: 6, submissions: 3 });
    expect(events[0]?.error).toBeUndefined();
  });

  test('a submission larger than maxBatchSize is split across runs and reassembled', async () => {
    const model = recorder();
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 4, maxQueueDelayMs: 1 });
    const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
    expect(await batcher.submit(items)).toEqual(items.map((item) => item.toUpperCase()));
    expect(model.batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
  });

  test('an idle model runs what arrives at once, even with an hour of maxQueueDelayMs; so does a full batch', async () => {
    const model = recorder();
    // Were either to wait for the delay, the test would time out.
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 4, maxQueueDelayMs: 3_600_000 });
    expect(await batcher.submit(['a'])).toEqual(['A']);
    const release = model.hold();
    const running = batcher.submit(['b']);
    await nextTurn();
    expect(batcher.running).toBe(true);
    // Queued behind a run, but a full batch: it runs as soon as that run ends.
    const full = batcher.submit(['c', 'd', 'e', 'f']);
    release();
    expect(await Promise.all([running, full])).toEqual([['B'], ['C', 'D', 'E', 'F']]);
    expect(model.batches).toEqual([['a'], ['b'], ['c', 'd', 'e', 'f']]);
  });

  test('items that queued behind a run wait up to maxQueueDelayMs for company once it ends', async () => {
    const model = recorder();
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 4, maxQueueDelayMs: 1000 });
    const release = model.hold();
    const first = batcher.submit(['a']);
    await nextTurn();
    const queued = batcher.submit(['b']);
    release();
    expect(await first).toEqual(['A']);
    // 'b' waited behind a run: it waits for company, and 'c', arriving after that run ended, joins it.
    await sleep(30);
    expect(model.batches).toEqual([['a']]);
    const company = batcher.submit(['c']);
    expect(await Promise.all([queued, company])).toEqual([['B'], ['C']]);
    expect(model.batches).toEqual([['a'], ['b', 'c']]);
  });

  test('the wait for company ends once the callers the last run answered are back, not after maxQueueDelayMs', async () => {
    const model = recorder({ delayMs: 30 });
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 8, maxQueueDelayMs: 60_000 });
    const started = performance.now();
    // A closed-loop client: its next request goes out as soon as its answer is in.
    const client = async (name: string, requests: number): Promise<string[]> => {
      const answers: string[] = [];
      for (let i = 1; i <= requests; i++) answers.push(...(await batcher.submit([`${name}${i}`])));
      return answers;
    };
    const a = client('a', 2); // reaches an idle model: runs at once, alone
    await nextTurn();
    const others = [client('b', 1), client('c', 1)]; // queue behind a's run
    expect(await Promise.all([a, ...others])).toEqual([['A1', 'A2'], ['B1'], ['C1']]);
    // When a1's run ended, b1 and c1 were waiting and one caller (a) was answered: with a2 back, the three ran.
    expect(model.batches).toEqual([['a1'], ['b1', 'c1', 'a2']]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('maxQueueDelayMs 0 runs each arrival without waiting', async () => {
    const model = recorder();
    const batcher = new DynamicBatcher({ run: model.run, maxQueueDelayMs: 0 });
    await batcher.submit(['a']);
    await batcher.submit(['b']);
    expect(model.batches).toEqual([['a'], ['b']]);
  });

  test('one run at a time: the queue fills during a run and the next batch takes it all', async () => {
    const model = recorder({ delayMs: 60 });
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 8, maxQueueDelayMs: 0 });
    const first = batcher.submit(['a']);
    expect(batcher.running).toBe(true);
    const rest = ['b', 'c', 'd', 'e'].map((item) => batcher.submit([item]));
    expect(batcher.queued).toBe(4);
    await Promise.all([first, ...rest]);
    expect(model.batches).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    expect(model.maxConcurrent).toBe(1);
    expect(batcher.queued).toBe(0);
    expect(batcher.running).toBe(false);
  });

  test('a full queue refuses new work; a submission larger than the queue is refused outright', async () => {
    const model = recorder({ delayMs: 50 });
    const depths: number[] = [];
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 2, maxQueueSize: 4, maxQueueDelayMs: 0, onQueueDepth: (d) => depths.push(d) });
    const running = batcher.submit(['a', 'b']); // runs at once, leaves the queue empty
    const waiting = batcher.submit(['c', 'd', 'e', 'f']); // fills the queue
    const full = await rejection(batcher.submit(['g']));
    expect(full.code).toBe('QUEUE_FULL');
    expect(full.message).toBe('4 items are already waiting and the queue holds 4 (maxQueueSize); retry shortly');
    const tooMany = await rejection(batcher.submit(['1', '2', '3', '4', '5']));
    expect(tooMany.code).toBe('TOO_MANY_INSTANCES');
    expect(tooMany.message).toBe('5 items are more than the queue holds (maxQueueSize 4); submit at most 4 at a time');
    expect(await Promise.all([running, waiting])).toEqual([
      ['A', 'B'],
      ['C', 'D', 'E', 'F'],
    ]);
    expect(await batcher.submit(['h'])).toEqual(['H']);
    expect(depths.slice(0, 3)).toEqual([2, 0, 4]);
  });

  test('a failing run rejects only the submissions in that batch, and drops their items still waiting', async () => {
    const model = recorder({ fail: (batch) => batch.includes('bad') });
    const events: BatchEvent[] = [];
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 2, maxQueueDelayMs: 5, onBatch: (event) => events.push(event) });
    const bad = batcher.submit(['ok1', 'bad', 'never-runs']);
    const good = batcher.submit(['ok2']);
    await expect(bad).rejects.toThrow('failed on ok1,bad');
    expect(await good).toEqual(['OK2']);
    expect(model.batches).toEqual([['ok1', 'bad'], ['ok2']]);
    expect(events.map((event) => event.error === undefined)).toEqual([false, true]);
  });

  test('a run that throws synchronously is contained the same way', async () => {
    const batcher = new DynamicBatcher<string, string>({
      run: (batch) => {
        if (batch.includes('sync')) throw new TypeError('not even a promise');
        return Promise.resolve(batch);
      },
      maxQueueDelayMs: 0,
    });
    await expect(batcher.submit(['sync'])).rejects.toThrow('not even a promise');
    expect(await batcher.submit(['fine'])).toEqual(['fine']);
  });

  test('the wrong number of results is a HANDLER_CONTRACT error for that batch', async () => {
    const batcher = new DynamicBatcher<string, string>({ run: (batch) => Promise.resolve(batch.slice(1)), maxQueueDelayMs: 0 });
    const error = await rejection(batcher.submit(['a', 'b', 'c']));
    expect(error.code).toBe('HANDLER_CONTRACT');
    expect(error.message).toBe('run() returned 2 results for a batch of 3; it must resolve to one result per item, in order');
    const notArray = new DynamicBatcher<string, string>({ run: () => Promise.resolve('nope' as never), maxQueueDelayMs: 0 });
    expect((await rejection(notArray.submit(['a']))).message).toBe(
      'run() returned the string "nope" for a batch of 1; it must resolve to one result per item, in order',
    );
  });

  test('an aborted submission leaves the queue before it runs', async () => {
    const model = recorder({ delayMs: 40 });
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 4, maxQueueDelayMs: 0 });
    const first = batcher.submit(['a']);
    const controller = new AbortController();
    const cancelled = batcher.submit(['b', 'c'], controller.signal);
    const kept = batcher.submit(['d']);
    expect(batcher.queued).toBe(3);
    controller.abort();
    expect(batcher.queued).toBe(1);
    expect((await rejection(cancelled)).code).toBe('CANCELLED');
    expect(await Promise.all([first, kept])).toEqual([['A'], ['D']]);
    expect(model.batches).toEqual([['a'], ['d']]);
    await expect(batcher.submit(['x'], AbortSignal.abort())).rejects.toThrow('cancelled before its items ran');
  });

  test('enqueue(): cancel() takes the waiting items out, does nothing once settled, and refusals reject results', async () => {
    const model = recorder({ delayMs: 40 });
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 4, maxQueueDelayMs: 0, maxQueueSize: 4 });
    const first = batcher.enqueue(['a']);
    const cancelled = batcher.enqueue(['b', 'c']);
    const kept = batcher.enqueue(['d']);
    expect(batcher.queued).toBe(3);
    const { cancel } = cancelled; // a function, not a method: callers hand it on
    cancel();
    expect(batcher.queued).toBe(1);
    expect((await rejection(cancelled.results)).code).toBe('CANCELLED');
    expect(await Promise.all([first.results, kept.results])).toEqual([['A'], ['D']]);
    first.cancel(); // settled: nothing happens
    expect(await first.results).toEqual(['A']);
    expect(model.batches).toEqual([['a'], ['d']]);
    expect((await rejection(batcher.enqueue(['1', '2', '3', '4', '5']).results)).code).toBe('TOO_MANY_INSTANCES');
    expect(await batcher.enqueue([]).results).toEqual([]);
  });

  test('flush() stops waiting for the delay; whenIdle() resolves once everything ran; rejectWaiting() drops the rest', async () => {
    const model = recorder({ delayMs: 30 });
    const batcher = new DynamicBatcher({ run: model.run, maxBatchSize: 2, maxQueueDelayMs: 60_000 });
    const first = batcher.submit(['a']);
    await nextTurn();
    const pending = batcher.submit(['b']); // queued behind 'a': waits for company once 'a' is done
    expect(await first).toEqual(['A']);
    await sleep(20);
    expect(model.batches).toEqual([['a']]);
    batcher.flush();
    expect(await pending).toEqual(['B']);
    await batcher.whenIdle();

    const second = new DynamicBatcher({ run: model.run, maxBatchSize: 1, maxQueueDelayMs: 0 });
    const runningNow = second.submit(['x']);
    const dropped = second.submit(['y', 'z']);
    expect(second.rejectWaiting(new PredictionServerError('SHUTTING_DOWN', 'closing'))).toBe(2);
    expect((await rejection(dropped)).code).toBe('SHUTTING_DOWN');
    expect(await runningNow).toEqual(['X']);
    await second.whenIdle();
    expect(second.queued).toBe(0);
  });

  test('options are checked with the option, the value and the fix', () => {
    const run = (batch: string[]): Promise<string[]> => Promise.resolve(batch);
    const message = (make: () => unknown): string => {
      try {
        make();
      } catch (error) {
        expect(PredictionServerError.isInstance(error)).toBe(true);
        expect((error as PredictionServerError).code).toBe('INVALID_OPTION');
        return (error as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(message(() => new DynamicBatcher({ run, maxBatchSize: 0 }))).toBe('maxBatchSize: 0 is not a positive integer; pass 1 or more (default 32)');
    expect(message(() => new DynamicBatcher({ run, maxQueueDelayMs: -1 }))).toBe(
      'maxQueueDelayMs: -1 is not a delay; pass 0 or more milliseconds (default 5)',
    );
    expect(message(() => new DynamicBatcher({ run, maxBatchSize: 64, maxQueueSize: 16 }))).toBe(
      'maxQueueSize: 16 is smaller than maxBatchSize (64), so a full batch could never form; pass 64 or more',
    );
    expect(message(() => new DynamicBatcher({ run: undefined as never }))).toBe('run: expected a function (batch) => Promise<results>, got nothing');
  });
});

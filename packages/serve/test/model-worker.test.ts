// The text-classification handler's ONNX Runtime worker thread (which tokenizes too): the same logits as on the main thread, a
// thread that dies mid-batch fails that batch only (500 JSON, the server keeps serving on a new thread), a
// failed restart is retried on the next batch, and close() stops the thread.
//
// node:worker_threads is wrapped to see the threads the handler starts and to make one die deterministically:
// the wrapper swallows the next run message (so the run is pending) and then kills the thread, either from
// outside (terminate) or from inside (a message the worker does not know throws in it, uncaught).
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTextClassificationHandler } from '../src/lib/model/text-classifier.js';
import { buildTextClassifierDir, type BuiltModelDirectory } from './fixtures/build-model.js';
import { json, startServer, type ErrorBody } from './helpers/test-server.js';

const threads = vi.hoisted(() => ({
  started: [] as NodeWorker[],
  exitCodes: new Map<NodeWorker, number>(),
  /** How the thread that receives the next run dies: 'terminate' from outside, 'throw' inside it. */
  killOnNextRun: undefined as 'terminate' | 'throw' | undefined,
}));

vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>();
  class TrackedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      threads.started.push(this);
      this.once('exit', (code) => threads.exitCodes.set(this, code));
    }

    override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
      const kill = threads.killOnNextRun;
      if (kill && (message as { type?: unknown }).type === 'run') {
        threads.killOnNextRun = undefined;
        if (kill === 'terminate') void this.terminate();
        else super.postMessage({ type: 'no-such-message' });
        return;
      }
      super.postMessage(message, transfer);
    }
  }
  return { ...actual, Worker: TrackedWorker, default: { ...actual, Worker: TrackedWorker } };
});

const TEXTS = ['free money now', 'Hello friend, see you at the office tomorrow for lunch!', '', 'Win a PRIZE! Click here'];

let root: string;
let built: BuiltModelDirectory;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-serve-worker-'));
  built = await buildTextClassifierDir(join(root, 'model'), { labels: ['ham', 'spam', 'promo'], seed: 11 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const alive = (): NodeWorker[] => threads.started.filter((worker) => !threads.exitCodes.has(worker));

describe('ONNX Runtime in a worker thread', () => {
  it('gives the same logits as ONNX Runtime on the main thread, batched and alone', async () => {
    const inWorker = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    const inThread = createTextClassificationHandler({ modelDir: built.dir, threads: 1, worker: false });
    const before = threads.started.length;
    await Promise.all([inWorker.load(), inThread.load()]);
    // Only the default handler started a thread.
    expect(threads.started.length).toBe(before + 1);
    try {
      const [workerLogits, threadLogits] = await Promise.all([inWorker.run(TEXTS), inThread.run(TEXTS)]);
      expect(workerLogits.map((logits) => Array.from(logits))).toEqual(threadLogits.map((logits) => Array.from(logits)));
      const reference = built.referenceLogits(TEXTS);
      workerLogits.forEach((logits, i) => logits.forEach((value, j) => expect(Math.abs(value - reference[i]![j]!)).toBeLessThan(1e-4)));
      // Alone, without padding: the same up to float rounding (masked padding changes the summation order).
      const [alone] = await inWorker.run([TEXTS[1]!]);
      alone!.forEach((value, j) => expect(Math.abs(value - workerLogits[1]![j]!)).toBeLessThan(1e-6));
    } finally {
      await Promise.all([inWorker.close(), inThread.close()]);
    }
  });

  it('close() stops the thread; close() during load stops it once loaded', async () => {
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
    const worker = threads.started.at(-1)!;
    expect(alive()).toContain(worker);
    await handler.close();
    expect(threads.exitCodes.get(worker)).toBe(0);
    await expect(handler.run(['after close'])).rejects.toThrow('the text classifier is closed');

    const early = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    const loading = expect(early.load()).rejects.toThrow('the text classifier was closed while loading');
    await early.close();
    await loading;
    expect(alive()).toEqual([]);
  });

  it('rejects a worker option that is not a boolean', () => {
    expect(() => createTextClassificationHandler({ modelDir: built.dir, worker: 'yes' as never })).toThrow(
      'worker: expected true (run ONNX Runtime in a worker thread) or false (on the main thread), got string "yes"',
    );
  });

  for (const kill of ['terminate', 'throw'] as const) {
    it(`a thread that dies mid-batch (${kill}) fails that batch with a 500, and a new thread serves the next`, async () => {
      const { post, server, logs } = await startServer({ handler: createTextClassificationHandler({ modelDir: built.dir, threads: 1 }) });
      await server.ready;
      const first = threads.started.at(-1)!;
      expect((await post({ instances: [TEXTS[0]] })).status).toBe(200);

      threads.killOnNextRun = kill;
      const failed = await post({ instances: [TEXTS[0], TEXTS[1]] }, { headers: { 'x-request-id': `dies-${kill}` } });
      expect(failed.status).toBe(500);
      expect((await json<ErrorBody>(failed)).error.message).toBe(
        `the model failed on this request; the server logged the cause under request id dies-${kill}`,
      );
      const cause = logs.find((line) => line.requestId === `dies-${kill}` && line.severity === 'ERROR' && !('httpRequest' in line));
      expect(cause?.message).toMatch(
        kill === 'terminate'
          ? /^prediction failed: handler\.run failed: ONNX Runtime's worker thread exited \(code 1\) while running this batch; a new thread is started for the next batches$/
          : /^prediction failed: handler\.run failed: ONNX Runtime's worker thread crashed \(onnx-worker: unknown message "no-such-message"\) while running this batch; a new thread is started for the next batches$/,
      );
      expect(threads.exitCodes.get(first)).toBe(1);

      expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const served = await post({ instances: TEXTS });
      expect(served.status).toBe(200);
      const { predictions } = await json<{ predictions: { labels: { label: string; score: number }[] }[] }>(served);
      const reference = built.referenceLogits(TEXTS);
      predictions.forEach((prediction, i) => {
        const best = reference[i]!.indexOf(Math.max(...reference[i]!));
        expect(prediction.labels[0]?.label).toBe(built.labels[best]);
      });
      expect(alive()).toEqual([threads.started.at(-1)]);
      expect(threads.started.at(-1)).not.toBe(first);

      await server.close();
      expect(alive()).toEqual([]);
    });
  }

  it('a restart that cannot load the model fails that batch; the next batch tries again', async () => {
    const dir = join(root, 'moving');
    const moving = await buildTextClassifierDir(dir, { labels: ['ham', 'spam'], seed: 3 });
    const { post, server, logs } = await startServer({ handler: createTextClassificationHandler({ modelDir: moving.dir, threads: 1 }) });
    await server.ready;
    const modelPath = join(dir, 'model.onnx');
    await rename(modelPath, `${modelPath}.away`);
    threads.killOnNextRun = 'terminate';
    expect((await post({ instances: ['free money'] })).status).toBe(500);

    const refused = await post({ instances: ['free money'] }, { headers: { 'x-request-id': 'no-model' } });
    expect(refused.status).toBe(500);
    const cause = logs.find((line) => line.requestId === 'no-model' && line.severity === 'ERROR' && !('httpRequest' in line));
    expect(cause?.message).toMatch(/^prediction failed: handler\.run failed: ONNX Runtime's worker thread could not be restarted: .*model\.onnx/);

    await rename(`${modelPath}.away`, modelPath);
    expect((await post({ instances: ['free money'] })).status).toBe(200);
    await server.close();
    expect(alive()).toEqual([]);
  });
});

import { expect, test } from 'vitest';
import { runWithConcurrency } from './run-with-concurrency.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('at most `limit` tasks at once, started in index order, all run', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await runWithConcurrency(20, 3, async (i) => {
    started.push(i);
    running += 1;
    most = Math.max(most, running);
    await tick(i % 4);
    running -= 1;
  });
  expect(most).toBe(3);
  expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('stop() prevents new tasks; the running ones finish', async () => {
  const finished: number[] = [];
  let stop = false;
  await runWithConcurrency(
    10,
    2,
    async (i) => {
      await tick(5);
      if (i === 2) stop = true;
      finished.push(i);
    },
    () => stop,
  );
  expect(finished.sort()).toEqual([0, 1, 2, 3]);
});

test('zero tasks resolve at once', async () => {
  await expect(runWithConcurrency(0, 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
});

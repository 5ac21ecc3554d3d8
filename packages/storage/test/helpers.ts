// Small helpers shared by the storage tests.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { StorageError } from '../src/lib/errors.js';

/** Everything an async iterable yields, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The StorageError `work` fails with (the test fails if it succeeds or throws something else). */
export async function failure(work: Promise<unknown>): Promise<StorageError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StorageError.isInstance(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  return error as StorageError;
}

/** Yield to the event loop, as a real async source (a download, a model) would. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A fresh temporary directory for each test of the calling file, removed after it.
 * `dir()` is the current one, `file(name)` a path inside it.
 */
export function useTempDir(prefix: string): { dir: () => string; file: (name: string) => string } {
  let current = '';
  beforeEach(async () => {
    current = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    await fs.rm(current, { recursive: true, force: true });
  });
  return { dir: () => current, file: (name) => path.join(current, name) };
}

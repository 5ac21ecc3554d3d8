// Bad input fails at the edge with the field, the value and the fix, before any I/O.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { StorageError, copy, createStorage, readText, syncDirectory, write, writeText } from '../src/index.js';

async function errorOf(run: () => unknown): Promise<StorageError> {
  try {
    await run();
  } catch (error) {
    expect(StorageError.isInstance(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error('expected a StorageError');
}

describe('parameter validation', () => {
  test('a string where the params object belongs', async () => {
    const error = await errorOf(() => readText('gs://my-bucket/x.txt' as never));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`expected a params object like { from: 'gs://bucket/path' }, got the string "gs://my-bucket/x.txt"`);
  });

  test('a missing or mistyped location names the field', async () => {
    expect((await errorOf(() => copy({ from: 'gs://my-bucket/a', to: undefined as never }))).message).toBe(
      'to: missing; pass gs://bucket/path, file:///path or a local path',
    );
    expect((await errorOf(() => readText({ from: 42 as never }))).message).toMatch(/^from: 42; pass gs:\/\//);
  });

  test('gs:/ with one slash is INVALID_URI naming the field, not NOT_FOUND on ./gs:/...', async () => {
    const error = await errorOf(() => readText({ from: 'gs:/my-bucket/x.txt' }));
    expect(error.code).toBe('INVALID_URI');
    expect(error.message).toMatch(/^from: "gs:\/my-bucket\/x\.txt" .*did you mean "gs:\/\/my-bucket\/x\.txt"\?/);
    const to = await errorOf(() => copy({ from: 'gs://my-bucket/a.txt', to: 'gcs://my-bucket/b.txt' }));
    expect(to.code).toBe('INVALID_URI');
    expect(to.message).toMatch(/^to: "gcs:\/\/my-bucket\/b\.txt" .*did you mean "gs:\/\/my-bucket\/b\.txt"\?/);
  });

  test('bad numbers in createStorage and syncDirectory', async () => {
    expect((await errorOf(() => createStorage({ concurrency: 0 }))).message).toBe(
      'concurrency: 0 is not a positive integer; pass 1 or more (default 16)',
    );
    expect((await errorOf(() => createStorage({ retry: { retries: -1 } }))).message).toMatch(/^retry\.retries: -1/);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-params-'));
    expect((await errorOf(() => syncDirectory({ from: dir, to: `${dir}-b`, concurrency: 1.5 }))).code).toBe('INVALID_ARGUMENT');
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('write without data, writeText with a non-string', async () => {
    expect((await errorOf(() => write({ to: '/tmp/x', data: undefined as never }))).message).toMatch(/data is undefined/);
    expect((await errorOf(() => writeText({ to: '/tmp/x', text: 5 as never }))).message).toMatch(/text must be a string, got number/);
  });

  test('an aborted write leaves nothing behind', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-abort-'));
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 100; i++) {
        if (i === 3) controller.abort();
        yield Buffer.alloc(1024, i);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const error = await errorOf(() => write({ to: path.join(dir, 'out.bin'), data: slow(), signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(await fs.readdir(dir)).toEqual([]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

// Transfers through a fault-injecting proxy in front of the emulator: every transfer either completes
// with identical bytes or fails with a clear StorageError, and never leaves a partial file or object.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
// @ts-expect-error -- plain ESM module with a .d.ts beside it, outside this package's rootDir.
import { startFaultProxy } from '../../../tools/fault-proxy/index.mjs';
import type { FaultProxy, FaultRule } from '../../../tools/fault-proxy/index.d.ts';
import { StorageError, copy, createStorage, downloadDirectory, exists, readBytes, uploadDirectory, write } from '../src/index.js';

let proxy: FaultProxy;
let scratch: string;
const root = `gs://vertexkit-test/faults-${randomUUID()}/`;
const storage = createStorage({ projectId: 'demo-vertexkit', retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 } });
const payload = randomBytes(1024 * 1024 + 123);
const download = { method: 'GET', path: 'alt=media' };
const upload = { method: 'POST', path: '/upload/' };

beforeAll(async () => {
  proxy = await (startFaultProxy as (o: { target: string }) => Promise<FaultProxy>)({ target: inject('gcsEmulatorUrl') });
  process.env.STORAGE_EMULATOR_HOST = proxy.url;
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-faults-'));
  await write({ to: `${root}payload.bin`, data: payload, storage });
});
afterEach(() => {
  proxy.clearFaults();
  proxy.requests.length = 0;
});
afterAll(async () => {
  await proxy.stop();
  await fs.rm(scratch, { recursive: true, force: true });
});

function faults(...rules: FaultRule[]): void {
  proxy.setFaults(rules);
}

async function entries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [])).sort();
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(StorageError.isInstance(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error('expected the operation to fail');
}

describe('downloads', () => {
  test.each<[string, FaultRule]>([
    ['503 twice', { match: download, times: 2, fault: { type: 'status', status: 503 } }],
    ['429 with Retry-After', { match: download, times: 1, fault: { type: 'status', status: 429, retryAfter: 0 } }],
    ['connection reset before the response', { match: download, times: 2, fault: { type: 'reset-before' } }],
    ['connection reset mid-body', { match: download, times: 2, fault: { type: 'reset-after-bytes', bytes: 300_000 } }],
    ['a corrupted byte', { match: download, times: 1, fault: { type: 'corrupt', atByte: 500_000 } }],
    ['a slow stream', { match: download, times: 1, fault: { type: 'slow', bytesPerSecond: 8 * 1024 * 1024 } }],
  ])('recover from %s with identical bytes', async (_name, rule) => {
    faults(rule);
    const dest = path.join(scratch, `dl-${randomUUID()}`, 'payload.bin');
    await copy({ from: `${root}payload.bin`, to: dest, storage });
    expect((await fs.readFile(dest)).equals(payload)).toBe(true);
    expect(await entries(path.dirname(dest))).toEqual(['payload.bin']);
    expect(proxy.requests.some((r) => r.fault === rule.fault.type)).toBe(true);
  });

  test('persistent mid-body resets fail with UNAVAILABLE after the retries and leave no partial file', async () => {
    faults({ match: download, fault: { type: 'reset-after-bytes', bytes: 300_000 } });
    const dir = path.join(scratch, 'dl-fail');
    const error = await failure(copy({ from: `${root}payload.bin`, to: path.join(dir, 'payload.bin'), storage }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.attempts).toBe(4);
    expect(error.message).toMatch(/payload\.bin.*after 4 attempts/);
    expect(await entries(dir)).toEqual([]);
  });

  test('persistent corruption fails with CHECKSUM_MISMATCH and leaves no file', async () => {
    faults({ match: download, fault: { type: 'corrupt', atByte: 10 } });
    const dir = path.join(scratch, 'dl-corrupt');
    const error = await failure(copy({ from: `${root}payload.bin`, to: path.join(dir, 'payload.bin'), storage }));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toMatch(/md5 mismatch/);
    expect(await entries(dir)).toEqual([]);
  });

  test('an in-memory read detects corruption too', async () => {
    faults({ match: download, fault: { type: 'corrupt', atByte: 1 } });
    const error = await failure(readBytes({ from: `${root}payload.bin`, storage }));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
  });

  test('an existing destination file survives a failed download untouched', async () => {
    const dest = path.join(scratch, 'keep', 'payload.bin');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.writeFile(dest, 'previous version');
    faults({ match: download, fault: { type: 'reset-after-bytes', bytes: 1000 } });
    await failure(copy({ from: `${root}payload.bin`, to: dest, storage }));
    expect(await fs.readFile(dest, 'utf8')).toBe('previous version');
    expect(await entries(path.dirname(dest))).toEqual(['payload.bin']);
  });
});

describe('uploads', () => {
  test.each<[string, FaultRule]>([
    ['503 twice', { match: upload, times: 2, fault: { type: 'status', status: 503 } }],
    ['connection reset before the response', { match: upload, times: 2, fault: { type: 'reset-before' } }],
  ])('recover from %s with identical bytes', async (_name, rule) => {
    const src = path.join(scratch, 'up.bin');
    await fs.writeFile(src, payload);
    faults(rule);
    const dest = `${root}up-${randomUUID()}.bin`;
    await copy({ from: src, to: dest, storage });
    proxy.clearFaults();
    expect((await readBytes({ from: dest, storage })).equals(payload)).toBe(true);
    expect(proxy.requests.some((r) => r.fault === rule.fault.type)).toBe(true);
  });

  test('persistent 503s fail with UNAVAILABLE and create no object', async () => {
    faults({ match: upload, fault: { type: 'status', status: 503 } });
    const dest = `${root}never.bin`;
    const error = await failure(write({ to: dest, data: payload, storage }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.attempts).toBe(4);
    proxy.clearFaults();
    expect(await exists({ from: dest, storage })).toBe(false);
  });

  test('a directory sync completes through intermittent faults, byte for byte', async () => {
    const src = path.join(scratch, 'tree');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) {
      const rel = `part-${String(i).padStart(2, '0')}/${i}.bin`;
      const bytes = randomBytes(1000 + i * 97);
      files.set(rel, bytes);
      await fs.mkdir(path.dirname(path.join(src, rel)), { recursive: true });
      await fs.writeFile(path.join(src, rel), bytes);
    }
    faults(
      { match: upload, times: 6, fault: { type: 'status', status: 503 } },
      { match: download, times: 4, fault: { type: 'reset-after-bytes', bytes: 500 } },
      { match: download, times: 3, fault: { type: 'corrupt', atByte: 7 } },
    );
    const prefix = `${root}tree/`;
    const up = await uploadDirectory({ from: src, to: prefix, concurrency: 8, storage });
    expect(up.transferred).toHaveLength(40);
    const back = path.join(scratch, 'tree-back');
    const down = await downloadDirectory({ from: prefix, to: back, concurrency: 8, storage });
    expect(down.transferred).toHaveLength(40);
    for (const [rel, bytes] of files) expect((await fs.readFile(path.join(back, rel))).equals(bytes), rel).toBe(true);
    const faulted = proxy.requests.filter((r) => r.fault !== undefined).length;
    expect(faulted).toBe(13);
  });
});

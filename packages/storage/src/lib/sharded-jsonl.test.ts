import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readShardedJsonl, writeShardedJsonl } from './sharded-jsonl.js';
import { collect, failure } from '../../test/helpers.js';

let root: string;
let out: string;
let staging: string;
let savedTmpdir: string | undefined;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-sharded-'));
  out = path.join(root, 'out');
  // Staging goes under os.tmpdir(): point it at a folder of this test, to check it is cleaned up.
  staging = path.join(root, 'staging');
  await fs.mkdir(staging);
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging;
});
afterEach(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await fs.rm(root, { recursive: true, force: true });
});



/** Every file under `out`, name to content. */
async function files(): Promise<Record<string, string>> {
  const names = (await fs.readdir(out).catch(() => [])).sort();
  const result: Record<string, string> = {};
  for (const name of names) result[name] = await fs.readFile(path.join(out, name), 'utf8');
  return result;
}

const lines = (...values: unknown[]): string => values.map((v) => `${JSON.stringify(v)}\n`).join('');

/** Yield to the event loop, as a real async source (a download, a model) would. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function* numbers(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    await tick();
    yield i;
  }
}

describe('writeShardedJsonl', () => {
  test('shards: N with an iterable of unknown length deals records round-robin', async () => {
    const result = await writeShardedJsonl({ to: out, name: 'predictions', records: numbers(10), shards: 3 });
    expect(await files()).toEqual({
      'predictions-00000-of-00003.jsonl': lines(0, 3, 6, 9),
      'predictions-00001-of-00003.jsonl': lines(1, 4, 7),
      'predictions-00002-of-00003.jsonl': lines(2, 5, 8),
    });
    expect(result).toEqual({
      shards: [
        { uri: path.join(out, 'predictions-00000-of-00003.jsonl'), records: 4 },
        { uri: path.join(out, 'predictions-00001-of-00003.jsonl'), records: 3 },
        { uri: path.join(out, 'predictions-00002-of-00003.jsonl'), records: 3 },
      ],
      records: 10,
    });
    expect(await fs.readdir(staging)).toEqual([]);
  });

  test('shards: N with an array writes contiguous blocks, so reading back keeps the order', async () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ i }));
    const result = await writeShardedJsonl({ to: out, name: 'part', records, shards: 4 });
    expect(result.shards.map((s) => s.records)).toEqual([3, 3, 2, 2]);
    expect(await files()).toEqual({
      'part-00000-of-00004.jsonl': lines({ i: 0 }, { i: 1 }, { i: 2 }),
      'part-00001-of-00004.jsonl': lines({ i: 3 }, { i: 4 }, { i: 5 }),
      'part-00002-of-00004.jsonl': lines({ i: 6 }, { i: 7 }),
      'part-00003-of-00004.jsonl': lines({ i: 8 }, { i: 9 }),
    });
    expect(await collect(readShardedJsonl({ from: out }))).toEqual(records);
  });

  test('large shards (written in several chunks) read back intact, in both modes', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `record ${i} ${'é'.repeat(i % 50)}` }));
    const fixed = await writeShardedJsonl({ to: path.join(out, 'fixed'), name: 'big', records, shards: 2 });
    expect(fixed.shards.map((s) => s.records)).toEqual([10_000, 10_000]);
    expect((await fs.stat(fixed.shards[0]?.uri ?? '')).size).toBeGreaterThan(200_000);
    expect(await collect(readShardedJsonl({ from: path.join(out, 'fixed') }))).toEqual(records);
    const open = await writeShardedJsonl({ to: path.join(out, 'open'), name: 'big', records: records.values(), maxRecordsPerShard: 7_000 });
    expect(open.shards.map((s) => s.records)).toEqual([7_000, 7_000, 6_000]);
    expect(await collect(readShardedJsonl({ from: path.join(out, 'open') }))).toEqual(records);
  });

  test('more shards than records leaves the last ones empty', async () => {
    await writeShardedJsonl({ to: out, name: 'x', records: ['a', 'b'], shards: 3 });
    expect(await files()).toEqual({
      'x-00000-of-00003.jsonl': lines('a'),
      'x-00001-of-00003.jsonl': lines('b'),
      'x-00002-of-00003.jsonl': '',
    });
  });

  test('maxRecordsPerShard fills shards in order, with no empty trailing shard', async () => {
    const result = await writeShardedJsonl({ to: out, name: 'batch', records: numbers(10), maxRecordsPerShard: 4, extension: '' });
    expect(await files()).toEqual({
      'batch-00000-of-00003': lines(0, 1, 2, 3),
      'batch-00001-of-00003': lines(4, 5, 6, 7),
      'batch-00002-of-00003': lines(8, 9),
    });
    expect(result.records).toBe(10);
    await fs.rm(out, { recursive: true });
    const exact = await writeShardedJsonl({ to: out, name: 'batch', records: numbers(8), maxRecordsPerShard: 4 });
    expect(Object.keys(await files())).toEqual(['batch-00000-of-00002.jsonl', 'batch-00001-of-00002.jsonl']);
    expect(exact.shards.map((s) => s.records)).toEqual([4, 4]);
  });

  test('zero records: shards: N writes N empty files, maxRecordsPerShard one', async () => {
    const fixed = await writeShardedJsonl({ to: out, name: 'e', records: [], shards: 2 });
    expect(await files()).toEqual({ 'e-00000-of-00002.jsonl': '', 'e-00001-of-00002.jsonl': '' });
    expect(fixed.records).toBe(0);
    await fs.rm(out, { recursive: true });
    const open = await writeShardedJsonl({ to: out, name: 'e', records: numbers(0), maxRecordsPerShard: 100 });
    expect(await files()).toEqual({ 'e-00000-of-00001.jsonl': '' });
    expect(open).toEqual({ shards: [{ uri: path.join(out, 'e-00000-of-00001.jsonl'), records: 0 }], records: 0 });
    expect(await collect(readShardedJsonl({ from: out }))).toEqual([]);
  });

  test('records that throw midway: no shard files, staging removed', async () => {
    const boom = new Error('source failed');
    async function* records(): AsyncGenerator<unknown> {
      for (let i = 0; i < 50_000; i++) {
        if (i % 1000 === 0) await tick();
        yield { i, pad: 'x'.repeat(20) };
      }
      throw boom;
    }
    for (const mode of [{ shards: 3 }, { maxRecordsPerShard: 1000 }]) {
      const error = await failure(writeShardedJsonl({ to: out, name: 'p', records: records(), ...mode }));
      expect(error.cause).toBe(boom);
      expect(error.message).toBe(`writeShardedJsonl ${out} failed: source failed`);
      expect(await files()).toEqual({});
      expect(await fs.readdir(staging)).toEqual([]);
    }
  });

  test('a record JSON cannot hold fails with its index, writing nothing', async () => {
    const error = await failure(writeShardedJsonl({ to: out, name: 'p', records: [1, 2, undefined], shards: 2 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/records\[2\] is undefined/);
    expect(await files()).toEqual({});
    expect(await fs.readdir(staging)).toEqual([]);
  });

  test.each([
    [{ shards: 2, maxRecordsPerShard: 5 }, 'shards (2) and maxRecordsPerShard (5) are both set; pass shards for a fixed number'],
    [{}, 'neither shards nor maxRecordsPerShard is set; pass shards'],
    [{ shards: 0 }, 'shards: 0 is not a positive integer; pass e.g. shards: 4'],
    [{ maxRecordsPerShard: 1.5 }, 'maxRecordsPerShard: 1.5 is not a positive integer'],
    [{ shards: 2, name: 'a/b' }, `name: "a/b" is not a file name stem; pass e.g. name: 'predictions', and put any folders in to`],
    [{ shards: 2, name: '' }, 'name: "" is not a file name stem'],
    [{ shards: 2, extension: 'x/.jsonl' }, 'extension: "x/.jsonl" is not a file name suffix'],
  ])('rejects %j', async (params, message) => {
    const error = await failure(writeShardedJsonl({ to: out, name: 'p', records: [1], ...params }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`writeShardedJsonl ${out}: ${message}`);
    expect(await files()).toEqual({});
    expect(await fs.readdir(staging)).toEqual([]);
  });
});

describe('readShardedJsonl', () => {
  async function put(name: string, ...values: unknown[]): Promise<void> {
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, name), lines(...values));
  }

  test('Vertex AI batch prediction output: name picks prediction.results, read in shard order', async () => {
    await put('prediction.results-00001-of-00002', { id: 3 }, { id: 4 });
    await put('prediction.results-00000-of-00002', { id: 1 }, { id: 2 });
    await put('prediction.errors_stats-00000-of-00001', { errors: 0 });
    await fs.mkdir(path.join(out, 'sub'));
    await fs.writeFile(path.join(out, 'sub', 'prediction.results-00002-of-00002'), lines({ id: 99 }));
    expect(await collect(readShardedJsonl({ from: out, name: 'prediction.results' }))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    expect(await collect(readShardedJsonl({ from: out, name: 'prediction.errors_stats' }))).toEqual([{ errors: 0 }]);
  });

  test('several sets and no name is INVALID_DATA naming them', async () => {
    await put('prediction.results-00000-of-00001', 1);
    await put('prediction.errors_stats-00000-of-00001', 2);
    const error = await failure(collect(readShardedJsonl({ from: out })));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(`${out}: holds shards of 2 sets (prediction.errors_stats, prediction.results); pass name to choose one`);
  });

  test('missing shards are INVALID_DATA listing their numbers', async () => {
    await put('p-00000-of-00004.jsonl', 0);
    await put('p-00002-of-00004.jsonl', 2);
    const error = await failure(collect(readShardedJsonl({ from: out, name: 'p' })));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(`${out}: p has 4 shards but shards 1, 3 are missing; wait for the writer to finish, or rerun it`);
  });

  test('shards of two runs with different counts are INVALID_DATA', async () => {
    await put('p-00000-of-00002.jsonl', 0);
    await put('p-00001-of-00002.jsonl', 1);
    await put('p-00000-of-00003.jsonl', 0);
    const error = await failure(collect(readShardedJsonl({ from: out })));
    expect(error.message).toBe(`${out}: p shards disagree on their count (-of- 2, 3), as when two runs wrote here; delete the older shards`);
  });

  test('pattern narrows the files considered', async () => {
    await put('p-00000-of-00001.jsonl', 'data');
    await put('p-00000-of-00001.jsonl.crc', 'checksum');
    const twice = await failure(collect(readShardedJsonl({ from: out })));
    expect(twice.message).toBe(`${out}: p shard 0 appears twice (p-00000-of-00001.jsonl, p-00000-of-00001.jsonl.crc); pass pattern to pick one`);
    expect(await collect(readShardedJsonl({ from: out, pattern: /\.jsonl$/ }))).toEqual(['data']);
  });

  test('no shard files is NOT_FOUND', async () => {
    await put('notes.txt', 'x');
    const error = await failure(collect(readShardedJsonl({ from: out, name: 'p' })));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(`${out}: no files named p-NNNNN-of-MMMMM; check the folder and the name`);
  });

  test('a bad line names the shard and its line', async () => {
    await put('p-00000-of-00002.jsonl', 1);
    await fs.writeFile(path.join(out, 'p-00001-of-00002.jsonl'), '2\n{oops\n');
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const record of readShardedJsonl({ from: out })) seen.push(record);
      })(),
    );
    expect(seen).toEqual([1, 2]);
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(new RegExp(`^${path.join(out, 'p-00001-of-00002.jsonl')} line 2: not valid JSON`));
  });
});

// One behavioural suite, run against every backend: what holds for a local folder must hold for a bucket.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  StorageError,
  copy,
  deleteFile,
  deletePrefix,
  downloadDirectory,
  exists,
  fetchDataset,
  list,
  publishArtifacts,
  readBytes,
  readStream,
  readText,
  stat,
  syncDirectory,
  uploadDirectory,
  write,
  writeText,
  type ListEntry,
  type Storage,
  type TransferProgress,
} from '../src/index.js';

export interface ContractTarget {
  /** A fresh, empty directory or prefix, e.g. `gs://bucket/run-123/` or `/tmp/x/`. */
  root: () => string;
  storage: () => Storage;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function expectStorageError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<StorageError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(StorageError.isInstance(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  const err = error as StorageError;
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

async function localTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export function describeStorageContract(name: string, target: ContractTarget): void {
  describe(`${name}: storage contract`, () => {
    let root: string;
    let storage: Storage;
    let scratch: string;
    const at = (rel: string): string => `${root}${rel}`;

    beforeAll(async () => {
      root = target.root();
      storage = target.storage();
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-contract-'));
    });
    afterAll(async () => {
      await fs.rm(scratch, { recursive: true, force: true });
    });

    test('write, stat, exists, read text / bytes / range', async () => {
      const info = await writeText({ to: at('basic/hello.txt'), text: 'hello, world', storage });
      expect(info.size).toBe(12);
      const s = await stat({ from: at('basic/hello.txt'), storage });
      expect(s.size).toBe(12);
      expect(s.location.uri).toBe(info.location.uri);
      expect(await exists({ from: at('basic/hello.txt'), storage })).toBe(true);
      expect(await exists({ from: at('basic/missing.txt'), storage })).toBe(false);
      expect(await readText({ from: at('basic/hello.txt'), storage })).toBe('hello, world');
      expect((await readBytes({ from: at('basic/hello.txt'), start: 7, end: 11, storage })).toString()).toBe('world');
    });

    test('binary content round-trips byte for byte, from bytes and from a stream', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      await write({ to: at('bin/a.bin'), data: bytes, storage });
      expect((await readBytes({ from: at('bin/a.bin'), storage })).equals(bytes)).toBe(true);
      const chunks = [bytes.subarray(0, 1000), bytes.subarray(1000)];
      await write({ to: at('bin/b.bin'), data: Readable.from(chunks), storage });
      const stream = await readStream({ from: at('bin/b.bin'), storage });
      const back = Buffer.concat(await collect(stream as AsyncIterable<Buffer>));
      expect(back.equals(bytes)).toBe(true);
    });

    test('overwrite replaces content atomically', async () => {
      await writeText({ to: at('over/x.txt'), text: 'first version', storage });
      await writeText({ to: at('over/x.txt'), text: 'v2', storage });
      expect(await readText({ from: at('over/x.txt'), storage })).toBe('v2');
    });

    test('a failing stream leaves nothing at the destination', async () => {
      async function* broken(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(64 * 1024, 1);
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error('source died');
      }
      await expect(write({ to: at('broken/x.bin'), data: broken(), storage })).rejects.toThrow(/source died/);
      expect(await exists({ from: at('broken/x.bin'), storage })).toBe(false);
      expect(await collect(list({ prefix: at('broken/'), storage }))).toEqual([]);
    });

    test('missing objects fail with NOT_FOUND naming the location', async () => {
      await expectStorageError(readText({ from: at('nope/missing.txt'), storage }), 'NOT_FOUND', /missing\.txt/);
      await expectStorageError(stat({ from: at('nope/missing.txt'), storage }), 'NOT_FOUND');
      await expectStorageError(copy({ from: at('nope/missing.txt'), to: path.join(scratch, 'm.txt'), storage }), 'NOT_FOUND');
      await expect(fs.access(path.join(scratch, 'm.txt'))).rejects.toThrow();
    });

    test('list: recursive, by delimiter, string prefixes, across pages', async () => {
      for (const rel of ['l/a.txt', 'l/b/c.txt', 'l/b/d/e.txt', 'l/bb.txt', 'l2/z.txt']) {
        await writeText({ to: at(rel), text: rel, storage });
      }
      const files = (entries: ListEntry[]): string[] =>
        entries.filter((e) => e.type === 'file').map((e) => e.location.uri.slice(at('').length)).sort();
      const prefixes = (entries: ListEntry[]): string[] =>
        entries.filter((e) => e.type === 'prefix').map((e) => e.location.uri.slice(at('').length)).sort();

      const all = await collect(list({ prefix: at('l/'), storage }));
      expect(files(all)).toEqual(['l/a.txt', 'l/b/c.txt', 'l/b/d/e.txt', 'l/bb.txt']);
      expect(all.find((e) => e.type === 'file' && e.location.uri.endsWith('l/a.txt'))).toMatchObject({ size: 7 });

      const shallow = await collect(list({ prefix: at('l/'), recursive: false, storage }));
      expect(files(shallow)).toEqual(['l/a.txt', 'l/bb.txt']);
      expect(prefixes(shallow)).toEqual(['l/b/']);

      // A prefix is a string prefix, as in Cloud Storage: "l/b" matches l/b/... and l/bb.txt.
      // Locally, a path naming a directory lists that directory, as users of a folder expect.
      expect(files(await collect(list({ prefix: at('l/b'), storage })))).toEqual(
        root.startsWith('gs://') ? ['l/b/c.txt', 'l/b/d/e.txt', 'l/bb.txt'] : ['l/b/c.txt', 'l/b/d/e.txt'],
      );
      expect(files(await collect(list({ prefix: at('l/bb'), storage })))).toEqual(['l/bb.txt']);

      const paged = await collect(list({ prefix: at('l/'), pageSize: 2, storage }));
      expect(files(paged)).toEqual(files(all));
      expect(await collect(list({ prefix: at('empty/'), storage }))).toEqual([]);
    });

    test('copy between this location and local disk, both ways, and within', async () => {
      const bytes = randomBytes(200_000);
      await write({ to: at('cp/src.bin'), data: bytes, storage });
      const progress: TransferProgress[] = [];
      const local = path.join(scratch, 'cp', 'down.bin');
      await copy({ from: at('cp/src.bin'), to: local, storage, onProgress: (p) => progress.push(p) });
      expect((await fs.readFile(local)).equals(bytes)).toBe(true);
      expect(progress.at(-1)).toMatchObject({ bytesDone: 200_000, bytesTotal: 200_000, filesDone: 1, filesTotal: 1 });

      await copy({ from: local, to: at('cp/up.bin'), storage });
      expect((await readBytes({ from: at('cp/up.bin'), storage })).equals(bytes)).toBe(true);

      const within = await copy({ from: at('cp/up.bin'), to: at('cp/within/copy.bin'), storage });
      expect(within.size).toBe(200_000);
      expect((await readBytes({ from: at('cp/within/copy.bin'), storage })).equals(bytes)).toBe(true);
    });

    test('deleteFile and deletePrefix', async () => {
      for (const rel of ['del/a.txt', 'del/x/b.txt', 'del/x/y/c.txt', 'keep/d.txt']) await writeText({ to: at(rel), text: rel, storage });
      await deleteFile({ from: at('del/a.txt'), storage });
      expect(await exists({ from: at('del/a.txt'), storage })).toBe(false);
      await expectStorageError(deleteFile({ from: at('del/a.txt'), storage }), 'NOT_FOUND');
      await deleteFile({ from: at('del/a.txt'), ignoreNotFound: true, storage });
      expect(await deletePrefix({ prefix: at('del/'), storage })).toBe(2);
      expect(await collect(list({ prefix: at('del/'), storage }))).toEqual([]);
      expect(await exists({ from: at('keep/d.txt'), storage })).toBe(true);
    });

    test('uploadDirectory / downloadDirectory sync: skip identical, filters, delete extras, progress', async () => {
      const src = path.join(scratch, 'sync-src');
      const files: Record<string, string> = {
        'model.onnx': 'x'.repeat(5000),
        'tokenizer.json': '{"a":1}',
        'config.json': '{"id2label":{}}',
        'checkpoints/epoch-1.bin': 'c1',
        'checkpoints/epoch-2.bin': 'c2',
        'tmp/scratch.tmp': 'junk',
      };
      for (const [rel, content] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(src, rel)), { recursive: true });
        await fs.writeFile(path.join(src, rel), content);
      }
      const progress: TransferProgress[] = [];
      const first = await uploadDirectory({ from: src, to: at('sync'), exclude: '**/*.tmp', concurrency: 3, storage, onProgress: (p) => progress.push(p) });
      expect(first.transferred).toEqual(['checkpoints/epoch-1.bin', 'checkpoints/epoch-2.bin', 'config.json', 'model.onnx', 'tokenizer.json']);
      expect(first.skipped).toEqual([]);
      expect(first.bytes).toBe(5000 + 7 + 15 + 2 + 2);
      const last = progress.at(-1);
      expect(last).toMatchObject({ filesDone: 5, filesTotal: 5, bytesDone: first.bytes, bytesTotal: first.bytes });

      // Change one file keeping its size: the checksum, not the size, must catch it.
      await fs.writeFile(path.join(src, 'checkpoints/epoch-2.bin'), 'C2');
      await fs.rm(path.join(src, 'config.json'));
      const second = await uploadDirectory({ from: src, to: at('sync/'), exclude: ['**/*.tmp'], deleteExtras: true, storage });
      expect(second.transferred).toEqual(['checkpoints/epoch-2.bin']);
      expect(second.skipped).toEqual(['checkpoints/epoch-1.bin', 'model.onnx', 'tokenizer.json']);
      expect(second.deleted).toEqual(['config.json']);
      expect(await readText({ from: at('sync/checkpoints/epoch-2.bin'), storage })).toBe('C2');

      const down = path.join(scratch, 'sync-down');
      const third = await downloadDirectory({ from: at('sync'), to: down, include: ['checkpoints/**', '*.onnx'], storage });
      expect(third.transferred).toEqual(['checkpoints/epoch-1.bin', 'checkpoints/epoch-2.bin', 'model.onnx']);
      expect(await localTree(down)).toEqual(['checkpoints/epoch-1.bin', 'checkpoints/epoch-2.bin', 'model.onnx']);
      const again = await downloadDirectory({ from: at('sync'), to: down, include: ['checkpoints/**', '*.onnx'], storage });
      expect(again.transferred).toEqual([]);
      expect(again.skipped).toHaveLength(3);

      const dry = await syncDirectory({ from: at('sync'), to: path.join(scratch, 'dry'), dryRun: true, storage });
      expect(dry.transferred).toHaveLength(4);
      await expect(fs.access(path.join(scratch, 'dry'))).rejects.toThrow();
    });

    test('directory calls from a source that does not exist fail with NOT_FOUND and write nothing', async () => {
      const dest = path.join(scratch, 'from-missing');
      // "sync-missing" is a string prefix of "sync-missing-2/", which must not stand in for it.
      await writeText({ to: at('sync-missing-2/a.txt'), text: 'a', storage });
      const gs = root.startsWith('gs://');
      const missing = gs ? /holds no files/ : /does not exist/;
      await expectStorageError(downloadDirectory({ from: at('sync-missing/'), to: dest, storage }), 'NOT_FOUND', /^downloadDirectory: from .*sync-missing/);
      await expectStorageError(downloadDirectory({ from: at('sync-missing'), to: dest, storage }), 'NOT_FOUND', missing);
      await expectStorageError(syncDirectory({ from: at('sync-missing'), to: dest, storage }), 'NOT_FOUND', /^syncDirectory: from /);
      await expectStorageError(syncDirectory({ from: at('sync-missing'), to: dest, dryRun: true, storage }), 'NOT_FOUND', missing);
      await expectStorageError(
        uploadDirectory({ from: path.join(scratch, 'no-such-folder'), to: at('up-missing/'), storage }),
        'NOT_FOUND',
        /^uploadDirectory: from .*no-such-folder.* does not exist/,
      );
      await expect(fs.access(dest)).rejects.toThrow();
      expect(await collect(list({ prefix: at('up-missing/'), storage }))).toEqual([]);
    });

    test('a source with files that the filters all leave out is an empty sync, not NOT_FOUND', async () => {
      await writeText({ to: at('filtered/a.tmp'), text: 'a', storage });
      const result = await downloadDirectory({ from: at('filtered'), to: path.join(scratch, 'filtered'), exclude: '*.tmp', storage });
      expect(result).toEqual({ transferred: [], skipped: [], deleted: [], bytes: 0 });
    });

    test('copy of a directory fails with INVALID_ARGUMENT pointing to syncDirectory', async () => {
      await writeText({ to: at('cp-dir/a.txt'), text: 'a', storage });
      await writeText({ to: at('cp-dir/sub/b.txt'), text: 'b', storage });
      const to = path.join(scratch, 'cp-dir-copy');
      for (const from of [at('cp-dir'), at('cp-dir/'), at('cp-dir/sub')]) {
        const error = await expectStorageError(copy({ from, to, storage }), 'INVALID_ARGUMENT', /is a directory, not a file/);
        expect(error.message).toMatch(/^copy: from .*cp-dir.*; copy\(\) copies one file: use syncDirectory\(\{ from, to \}\)/);
      }
      await expect(fs.access(to)).rejects.toThrow();
      // A name that is neither a file nor a directory is still NOT_FOUND.
      await expectStorageError(copy({ from: at('cp-di'), to, storage }), 'NOT_FOUND');
    });

    test('fetchDataset: required and optional files; a missing required file is named with what is there', async () => {
      await writeText({ to: at('ds/train.csv'), text: 'text,label\nhi,ham\n', storage });
      await writeText({ to: at('ds/test.csv'), text: 'text,label\nyo,spam\n', storage });
      await writeText({ to: at('ds/README.md'), text: '# data', storage });
      const dest = path.join(scratch, 'ds');
      const got = await fetchDataset({ from: at('ds'), to: dest, required: ['train.csv'], optional: ['dev.csv', 'test.csv'], storage });
      expect(got).toEqual({ 'train.csv': path.join(dest, 'train.csv'), 'dev.csv': undefined, 'test.csv': path.join(dest, 'test.csv') });
      expect(await fs.readFile(path.join(dest, 'train.csv'), 'utf8')).toBe('text,label\nhi,ham\n');
      expect(await localTree(dest)).toEqual(['test.csv', 'train.csv']);

      const err = await expectStorageError(
        fetchDataset({ from: at('ds/'), to: path.join(scratch, 'ds2'), required: ['train.csv', 'labels.csv'], storage }),
        'NOT_FOUND',
      );
      expect(err.message).toContain('"labels.csv" not found under');
      expect(err.message).toContain('found: README.md, test.csv, train.csv');
      await expect(fs.access(path.join(scratch, 'ds2'))).rejects.toThrow();
    });

    test('publishArtifacts uploads a folder and writes manifest.json last', async () => {
      const model = path.join(scratch, 'model');
      await fs.mkdir(path.join(model, 'sub'), { recursive: true });
      await fs.writeFile(path.join(model, 'model.onnx'), 'onnx-bytes');
      await fs.writeFile(path.join(model, 'sub', 'config.json'), '{}');
      const result = await publishArtifacts({ from: model, to: at('artifacts/v1'), storage });
      expect(result.manifest.files).toEqual([
        { path: 'model.onnx', size: 10, md5: createMd5('onnx-bytes') },
        { path: 'sub/config.json', size: 2, md5: createMd5('{}') },
      ]);
      expect(result.manifest.totalBytes).toBe(12);
      const manifest = JSON.parse(await readText({ from: at('artifacts/v1/manifest.json'), storage })) as { files: unknown[] };
      expect(manifest.files).toEqual(result.manifest.files);
      expect(result.manifestUri.endsWith('artifacts/v1/manifest.json')).toBe(true);
      await expectStorageError(publishArtifacts({ from: path.join(scratch, 'no-such-dir'), to: at('a2'), storage }), 'NOT_FOUND', /no files to publish/);
    });
  });
}

function createMd5(text: string): string {
  return createHash('md5').update(text).digest('base64');
}

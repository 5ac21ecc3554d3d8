// Directory sync on local folders: a directory is a directory, never a string prefix of its siblings
// (what a local listing of a path that is not there falls back to, as Cloud Storage prefixes do).
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { downloadDirectory, syncDirectory, uploadDirectory } from '../src/index.js';
import { failure, useTempDir } from './helpers.js';

const temp = useTempDir('vk-sync-');

async function put(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

test('an existing empty folder is an empty sync, not NOT_FOUND', async () => {
  await fs.mkdir(temp.file('empty'));
  expect(await uploadDirectory({ from: temp.file('empty'), to: temp.file('out') })).toEqual({
    transferred: [],
    skipped: [],
    deleted: [],
    bytes: 0,
  });
});

test('a missing source names the path as given, the absolute path and the fix', async () => {
  const error = await failure(uploadDirectory({ from: temp.file('model'), to: temp.file('out') }));
  expect(error.code).toBe('NOT_FOUND');
  expect(error.location).toBe(temp.file('model'));
  expect(error.message).toBe(
    `uploadDirectory: from ${temp.file('model')} does not exist; check the path (relative paths are resolved from ${process.cwd()})`,
  );
});

test('a source that is a file points to copy()', async () => {
  await put(temp.file('model.onnx'), 'x');
  const error = await failure(downloadDirectory({ from: temp.file('model.onnx'), to: temp.file('out') }));
  expect(error.code).toBe('INVALID_ARGUMENT');
  expect(error.message).toMatch(/^downloadDirectory: from .*model\.onnx is a file, not a directory; use copy\(\)/);
});

test('a destination folder not there yet is not a string prefix of its siblings: deleteExtras leaves them alone', async () => {
  await put(temp.file('src/model.onnx'), 'new');
  await put(temp.file('models/v1-old/model.onnx'), 'old');
  await put(temp.file('models/v1.txt'), 'notes');
  const result = await syncDirectory({ from: temp.file('src'), to: temp.file('models/v1'), deleteExtras: true });
  expect(result).toEqual({ transferred: ['model.onnx'], skipped: [], deleted: [], bytes: 3 });
  expect(await fs.readFile(temp.file('models/v1-old/model.onnx'), 'utf8')).toBe('old');
  expect(await fs.readFile(temp.file('models/v1.txt'), 'utf8')).toBe('notes');
  expect(await fs.readFile(temp.file('models/v1/model.onnx'), 'utf8')).toBe('new');
});

test('a destination that is a file is INVALID_ARGUMENT, and the file is kept', async () => {
  await put(temp.file('src/model.onnx'), 'new');
  await put(temp.file('out'), 'a file');
  const error = await failure(syncDirectory({ from: temp.file('src'), to: temp.file('out'), deleteExtras: true }));
  expect(error.code).toBe('INVALID_ARGUMENT');
  expect(error.message).toBe(`syncDirectory: to ${temp.file('out')} is a file, not a directory; name a directory (it is created if missing)`);
  expect(await fs.readFile(temp.file('out'), 'utf8')).toBe('a file');
});

// `from` names the source of every call that reads, inspects or deletes one object. `location`, the name
// stat, exists and deleteFile used first, still compiles and works as a deprecated alias until callers
// move. The type half of this file is checked by `tsc` (the typecheck target), the rest runs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, expectTypeOf, test } from 'vitest';
import {
  copy,
  deleteFile,
  exists,
  readBytes,
  readText,
  stat,
  writeText,
  type CopyParams,
  type DeleteFileParams,
  type ReadParams,
  type StatParams,
} from '../src/index.js';
import { failure, useTempDir } from './helpers.js';

const temp = useTempDir('vk-source-');

test('types: from is the source everywhere; location still compiles where it was the name', () => {
  expectTypeOf<{ from: string }>().toExtend<StatParams>();
  expectTypeOf<{ from: string; ignoreNotFound: boolean }>().toExtend<DeleteFileParams>();
  expectTypeOf<{ from: string }>().toExtend<ReadParams>();
  expectTypeOf<{ from: string; to: string }>().toExtend<CopyParams>();
  // The deprecated alias.
  expectTypeOf<{ location: string }>().toExtend<StatParams>();
  expectTypeOf<{ location: string; ignoreNotFound: boolean }>().toExtend<DeleteFileParams>();
  // A source is still required.
  expectTypeOf<{ storage?: undefined }>().not.toExtend<StatParams>();
  expectTypeOf<{ ignoreNotFound: boolean }>().not.toExtend<DeleteFileParams>();

  const viaFrom: StatParams = { from: 'gs://my-bucket/a.txt' };
  const viaLocation: StatParams = { location: 'gs://my-bucket/a.txt' };
  // @ts-expect-error -- no source given
  const none: StatParams = {};
  // @ts-expect-error -- a number is not a location
  const wrong: DeleteFileParams = { from: 42 };
  expect([viaFrom, viaLocation, none, wrong]).toHaveLength(4);
});

test('stat, exists and deleteFile take from, and still take location', async () => {
  const file = temp.file('a.txt');
  await writeText({ to: file, text: 'hello' });
  expect((await stat({ from: file })).size).toBe(5);
  expect((await stat({ location: file })).size).toBe(5);
  expect(await exists({ from: file })).toBe(true);
  expect(await exists({ location: file })).toBe(true);
  expect(await readText({ from: file })).toBe('hello');
  expect((await readBytes({ from: file, start: 1, end: 2 })).toString()).toBe('el');
  await copy({ from: file, to: temp.file('b.txt') });
  await deleteFile({ from: file });
  expect(await exists({ from: file })).toBe(false);
  await deleteFile({ location: temp.file('b.txt') });
  expect(await fs.readdir(path.dirname(file))).toEqual([]);
});

test('from and its deprecated alias location, given both and different, is INVALID_ARGUMENT naming both', async () => {
  const a = temp.file('a.txt');
  const b = temp.file('b.txt');
  await writeText({ to: a, text: 'a' });
  await writeText({ to: b, text: 'b' });
  for (const [name, call] of [
    ['stat', () => stat({ from: a, location: b })],
    ['exists', () => exists({ from: a, location: b })],
    ['deleteFile', () => deleteFile({ from: a, location: b })],
  ] as const) {
    const error = await failure(call());
    expect(error.code, name).toBe('INVALID_ARGUMENT');
    expect(error.message, name).toBe(
      `${name}: from (${JSON.stringify(a)}) and location (${JSON.stringify(b)}) name different objects; pass from only (location is its deprecated old name)`,
    );
  }
  expect(await readText({ from: b })).toBe('b');
  // The same place under both names is no conflict (a caller halfway through renaming).
  expect((await stat({ from: a, location: `file://${a}` })).size).toBe(1);
  await deleteFile({ from: a, location: a });
  expect(await exists({ from: a })).toBe(false);
});

import fs from 'node:fs/promises';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { readJsonl, writeJsonl } from './jsonl.js';
import { collect, failure, tick, useTempDir } from '../../test/helpers.js';

const temp = useTempDir('vk-jsonl-');
const file = temp.file;

describe('writeJsonl + readJsonl', () => {
  test('round trip: one JSON.stringify per line', async () => {
    const records = [{ id: 1, text: 'line\nbreak "quoted" 日本語 🚀' }, { nested: { list: [1, null, true] } }, 'a string', 42, null, []];
    const info = await writeJsonl({ to: file('data.jsonl'), records });
    const expected = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    expect(await fs.readFile(file('data.jsonl'), 'utf8')).toBe(expected);
    expect(info.size).toBe(Buffer.byteLength(expected));
    expect(await collect(readJsonl({ from: file('data.jsonl') }))).toEqual(records);
  });

  test('many records from an async generator', async () => {
    async function* records(): AsyncGenerator<{ i: number }> {
      for (let i = 0; i < 30_000; i++) {
        if (i % 1000 === 0) await tick();
        yield { i };
      }
    }
    await writeJsonl({ to: file('many.jsonl'), records: records() });
    const read = await collect(readJsonl<{ i: number }>({ from: file('many.jsonl') }));
    expect(read.length).toBe(30_000);
    expect(read[29_999]).toEqual({ i: 29_999 });
    expect(read.every((r, i) => r.i === i)).toBe(true);
  });

  test('a multi-byte character split across read chunks stays whole', async () => {
    // 100,000 three-byte characters: the 64 KiB read chunks split some of them.
    const text = '日'.repeat(100_000);
    await writeJsonl({ to: file('wide.jsonl'), records: [{ text }, { text: 'end' }] });
    expect(await collect(readJsonl({ from: file('wide.jsonl') }))).toEqual([{ text }, { text: 'end' }]);
  });

  test('blank lines are skipped; CRLF, a BOM and no final newline are accepted', async () => {
    await fs.writeFile(file('loose.jsonl'), '\uFEFF{"a":1}\r\n\r\n   \n{"a":2}\n{"a":3}');
    expect(await collect(readJsonl({ from: file('loose.jsonl') }))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  test('types: readJsonl<T> yields T', () => {
    expectTypeOf(readJsonl<{ a: number }>({ from: 'x.jsonl' })).toEqualTypeOf<AsyncGenerator<{ a: number }>>();
    expectTypeOf(readJsonl({ from: 'x.jsonl' })).toEqualTypeOf<AsyncGenerator<unknown>>();
  });
});

describe('readJsonl errors', () => {
  test('a bad line names the location, the line number and the line', async () => {
    await fs.writeFile(file('bad.jsonl'), '{"a":1}\n\n{"a": oops}\n{"a":4}\n');
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const record of readJsonl({ from: file('bad.jsonl') })) seen.push(record);
      })(),
    );
    expect(seen).toEqual([{ a: 1 }]);
    expect(error.code).toBe('INVALID_DATA');
    expect(error.location).toBe(file('bad.jsonl'));
    expect(error.message).toMatch(new RegExp(`^${file('bad.jsonl')} line 3: not valid JSON \\(.+\\): \\{"a": oops\\}; each line must hold one complete JSON value$`));
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  test('the line is shortened to 80 characters in the message', async () => {
    const long = `{"text": "${'x'.repeat(200)}",}`;
    await fs.writeFile(file('long.jsonl'), `${long}\n`);
    const error = await failure(collect(readJsonl({ from: file('long.jsonl') })));
    expect(error.message).toContain(`: ${long.slice(0, 80)}…; each line`);
    expect(error.message).toMatch(/ line 1: /);
  });

  test('a missing file is NOT_FOUND', async () => {
    const error = await failure(collect(readJsonl({ from: file('nope.jsonl') })));
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('writeJsonl failures leave nothing behind', () => {
  test('records that throw midway: no destination, no partial file', async () => {
    const boom = new Error('source failed');
    async function* records(): AsyncGenerator<unknown> {
      for (let i = 0; i < 20_000; i++) {
        if (i % 1000 === 0) await tick();
        yield { i, pad: 'x'.repeat(20) };
      }
      throw boom;
    }
    const error = await failure(writeJsonl({ to: file('out.jsonl'), records: records() }));
    expect(error.cause).toBe(boom);
    expect(await fs.readdir(temp.dir())).toEqual([]);
  });

  test('a record JSON cannot hold is INVALID_ARGUMENT naming its index', async () => {
    const undef = await failure(writeJsonl({ to: file('u.jsonl'), records: [{ a: 1 }, undefined] }));
    expect(undef.code).toBe('INVALID_ARGUMENT');
    expect(undef.message).toBe(`writeJsonl ${file('u.jsonl')}: records[1] is undefined, which JSON cannot represent; use null or an object`);
    const big = await failure(writeJsonl({ to: file('b.jsonl'), records: [{ n: 1n }] }));
    expect(big.code).toBe('INVALID_ARGUMENT');
    expect(big.message).toMatch(/records\[0\] cannot be written as JSON \(.*BigInt.*\)/);
    const notIterable = await failure(writeJsonl({ to: file('n.jsonl'), records: 5 as unknown as [] }));
    expect(notIterable.message).toBe(`writeJsonl ${file('n.jsonl')}: records is number; pass an array or an (async) iterable of records`);
    expect(await fs.readdir(temp.dir())).toEqual([]);
  });
});

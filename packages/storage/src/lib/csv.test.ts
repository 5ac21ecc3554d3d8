import fs from 'node:fs/promises';
import { pipeline, Transform } from 'node:stream';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { readCsv, readCsvHeader, writeCsv, type CsvRecord } from './csv.js';
import type { StorageError } from './errors.js';
import { createStorage, type Storage } from './storage.js';
import { collect, failure, tick, useTempDir } from '../../test/helpers.js';

const temp = useTempDir('vk-csv-');
const file = temp.file;

/** A storage handle whose reads count the bytes that left the file and record when the file stream closes. */
function countingStorage(): { storage: Storage; reads: { bytes: number; closed: Promise<void> } } {
  const base = createStorage();
  let onClose: () => void = () => undefined;
  const reads = { bytes: 0, closed: new Promise<void>((resolve) => (onClose = resolve)) };
  const storage: Storage = {
    retry: base.retry,
    concurrency: base.concurrency,
    backendFor(location) {
      const backend = base.backendFor(location);
      return {
        ...backend,
        async openRead(loc, options) {
          const stream = await backend.openRead(loc, options);
          stream.once('close', onClose);
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              reads.bytes += chunk.length;
              callback(null, chunk);
            },
          });
          pipeline(stream, counter, () => undefined);
          return counter;
        },
      };
    },
  };
  return { storage, reads };
}

describe('writeCsv + readCsv', () => {
  test('round-trips fields with delimiters, quotes, line breaks, unicode and empty values', async () => {
    const rows = [
      { id: '1', text: 'comma, inside', note: 'say "hi"' },
      { id: '2', text: 'line\nbreak', note: 'crlf\r\nbreak' },
      { id: '3', text: 'lone\rcarriage return', note: '' },
      { id: '4', text: 'naïve café 日本語 🚀', note: ' padded ' },
      { id: '5', text: '"', note: '""' },
      { id: '', text: '', note: '' },
    ];
    const info = await writeCsv({ to: file('nasty.csv'), rows });
    const expected =
      'id,text,note\n' +
      '1,"comma, inside","say ""hi"""\n' +
      '2,"line\nbreak","crlf\r\nbreak"\n' +
      '3,"lone\rcarriage return",\n' +
      '4,naïve café 日本語 🚀, padded \n' +
      '5,"""",""""""\n' +
      ',,\n';
    expect(await fs.readFile(file('nasty.csv'), 'utf8')).toBe(expected);
    expect(info.size).toBe(Buffer.byteLength(expected));
    expect(await collect(readCsv({ from: file('nasty.csv') }))).toEqual(rows);
  });

  test('a row of one empty field is written quoted, so it is not read as a blank line', async () => {
    await writeCsv({ to: file('one.csv'), rows: [{ text: 'a' }, { text: '' }, { text: null }, { text: 'b' }] });
    expect(await fs.readFile(file('one.csv'), 'utf8')).toBe('text\na\n""\n""\nb\n');
    expect(await collect(readCsv({ from: file('one.csv') }))).toEqual([{ text: 'a' }, { text: '' }, { text: '' }, { text: 'b' }]);
  });

  test('values that are not strings are written as text', async () => {
    const rows = [{ n: 1.5, big: 12n, yes: true, no: false, none: null, missing: undefined, when: new Date(0), obj: { a: [1] } }];
    await writeCsv({ to: file('types.csv'), rows });
    expect(await fs.readFile(file('types.csv'), 'utf8')).toBe(
      'n,big,yes,no,none,missing,when,obj\n1.5,12,true,false,,,1970-01-01T00:00:00.000Z,"{""a"":[1]}"\n',
    );
  });

  test('tab-separated', async () => {
    const rows = [
      ['a\tb', 'x,y'],
      ['plain', 'with "quote"'],
    ];
    await writeCsv({ to: file('data.tsv'), rows, columns: ['first', 'second'], delimiter: '\t' });
    expect(await fs.readFile(file('data.tsv'), 'utf8')).toBe('first\tsecond\n"a\tb"\tx,y\nplain\t"with ""quote"""\n');
    expect(await collect(readCsv({ from: file('data.tsv'), delimiter: '\t' }))).toEqual([
      { first: 'a\tb', second: 'x,y' },
      { first: 'plain', second: 'with "quote"' },
    ]);
  });

  test('array rows have no header by default and read back with header: false, ragged rows allowed', async () => {
    await writeCsv({ to: file('arrays.csv'), rows: [['1', 'a'], ['2', 'b', 'extra'], [3]] });
    expect(await fs.readFile(file('arrays.csv'), 'utf8')).toBe('1,a\n2,b,extra\n3\n');
    expect(await collect(readCsv({ from: file('arrays.csv'), header: false }))).toEqual([['1', 'a'], ['2', 'b', 'extra'], ['3']]);
  });

  test('header given as names: the first row is data', async () => {
    await fs.writeFile(file('noheader.csv'), '1,spam\n2,ham\n');
    expect(await collect(readCsv({ from: file('noheader.csv'), header: ['id', 'label'] }))).toEqual([
      { id: '1', label: 'spam' },
      { id: '2', label: 'ham' },
    ]);
  });

  test('columns pick and order the keys written; zero rows with columns write the header only', async () => {
    await writeCsv({ to: file('subset.csv'), rows: [{ a: 1, b: 2, c: 3 }, { a: 4, c: 6 }], columns: ['c', 'a'] });
    expect(await fs.readFile(file('subset.csv'), 'utf8')).toBe('c,a\n3,1\n6,4\n');
    await writeCsv({ to: file('empty-with-header.csv'), rows: [], columns: ['x', 'y'] });
    expect(await fs.readFile(file('empty-with-header.csv'), 'utf8')).toBe('x,y\n');
    await writeCsv({ to: file('empty.csv'), rows: [] });
    expect(await fs.readFile(file('empty.csv'), 'utf8')).toBe('');
    expect(await collect(readCsv({ from: file('empty.csv') }))).toEqual([]);
  });

  test('rows from an async generator, header: false for objects', async () => {
    async function* rows(): AsyncGenerator<Record<string, unknown>> {
      for (let i = 0; i < 3; i++) {
        await tick();
        yield { i, sq: i * i };
      }
    }
    await writeCsv({ to: file('gen.csv'), rows: rows(), header: false });
    expect(await fs.readFile(file('gen.csv'), 'utf8')).toBe('0,0\n1,1\n2,4\n');
  });
});

describe('readCsv input handling', () => {
  test('BOM and CRLF line ends, with a quoted CRLF inside a field', async () => {
    await fs.writeFile(file('excel.csv'), Buffer.from('\uFEFFid,text\r\n1,"a\r\nb"\r\n\r\n2,c\r\n', 'utf8'));
    expect(await collect(readCsv({ from: file('excel.csv') }))).toEqual([
      { id: '1', text: 'a\r\nb' },
      { id: '2', text: 'c' },
    ]);
    expect(await readCsvHeader({ from: file('excel.csv') })).toEqual(['id', 'text']);
  });

  test('mixed LF and CRLF line ends leave no "\\r" in fields', async () => {
    await fs.writeFile(file('mixed.csv'), 'a,b\n1,2\r\n3,4\n');
    expect(await collect(readCsv({ from: file('mixed.csv'), header: false }))).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  test('skipEmptyLines: false keeps blank lines as one empty field', async () => {
    await fs.writeFile(file('blank.csv'), 'a\n\nb\n');
    expect(await collect(readCsv({ from: file('blank.csv'), header: false, skipEmptyLines: false }))).toEqual([['a'], [''], ['b']]);
    expect(await collect(readCsv({ from: file('blank.csv'), header: false }))).toEqual([['a'], ['b']]);
  });

  test('quote: false reads quotes as text', async () => {
    await fs.writeFile(file('raw.tsv'), 'id\ttext\n1\tsaid "hi\n');
    expect(await collect(readCsv({ from: file('raw.tsv'), delimiter: '\t', quote: false }))).toEqual([{ id: '1', text: 'said "hi' }]);
  });

  test('latin1 encoding', async () => {
    await fs.writeFile(file('latin1.csv'), Buffer.from('name\ncafé\n', 'latin1'));
    expect(await collect(readCsv({ from: file('latin1.csv'), encoding: 'latin1' }))).toEqual([{ name: 'café' }]);
  });

  test('types: header: false gives arrays, otherwise objects', () => {
    expectTypeOf(readCsv({ from: 'x.csv', header: false })).toEqualTypeOf<AsyncGenerator<string[]>>();
    expectTypeOf(readCsv({ from: 'x.csv' })).toEqualTypeOf<AsyncGenerator<CsvRecord>>();
    expectTypeOf(readCsv({ from: 'x.csv', header: ['a', 'b'] })).toEqualTypeOf<AsyncGenerator<CsvRecord>>();
    const header = process.env.NEVER_SET === 'x';
    expectTypeOf(readCsv({ from: 'x.csv', header })).toEqualTypeOf<AsyncGenerator<CsvRecord | string[]>>();
  });
});

describe('readCsv malformed input', () => {
  async function readError(name: string, text: string, params: { header?: boolean } = {}): Promise<StorageError> {
    await fs.writeFile(file(name), text);
    const error = await failure(collect(readCsv({ from: file(name), ...params })));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.location).toBe(file(name));
    return error;
  }

  test('a row wider than the header names the line (blank lines counted)', async () => {
    const error = await readError('wide.csv', 'a,b\n1,2\n\n3,4,5\n6,7\n');
    expect(error.message).toBe(`${file('wide.csv')} line 4: row has 3 fields, header has 2; quote fields that contain ","`);
  });

  test('a narrower row after a multi-line quoted field names its own line', async () => {
    const error = await readError('narrow.csv', 'a,b\n"x\ny",1\nz\n');
    expect(error.message).toBe(
      `${file('narrow.csv')} line 4: row has 1 field, header has 2; quote fields that contain line breaks, or add the missing (possibly empty) fields`,
    );
  });

  test('line numbers count a quoted CRLF as one line', async () => {
    const error = await readError('crlf.csv', 'a,b\r\n"x\r\ny",1\r\n3,4,5\r\n');
    expect(error.message).toMatch(new RegExp(`^${file('crlf.csv')} line 4: row has 3 fields, header has 2`));
  });

  test('an unclosed quote names the line where the quoted field starts', async () => {
    const error = await readError('unclosed.csv', 'a,b\n1,2\n"3,4\n5,6\n');
    expect(error.message).toBe(
      `${file('unclosed.csv')} line 3: a quoted field starting on this line is never closed; end it with ", and write a " inside a quoted field as ""`,
    );
    expect((error.cause as { code: string }).code).toBe('CSV_QUOTE_NOT_CLOSED');
  });

  test('text after a closing quote', async () => {
    const error = await readError('closing.csv', 'a,b\n1,2\n"3"x,4\n');
    expect(error.message).toBe(
      `${file('closing.csv')} line 3: a quoted field is followed by more text instead of "," or the end of the line; write a " inside a quoted field as ""`,
    );
  });

  test('a quote inside an unquoted field suggests quote: false', async () => {
    const error = await readError('stray.csv', 'a,b\n1,2\n3"x",4\n', { header: false });
    expect(error.message).toMatch(new RegExp(`^${file('stray.csv')} line 3: a " appears inside an unquoted field;.*pass quote: false`));
  });

  test('a header naming a column twice', async () => {
    const error = await readError('dup.csv', '\n\na,b,a\n1,2,3\n');
    expect(error.message).toBe(
      `${file('dup.csv')} line 3: the header names column "a" twice (columns 1 and 3); rename one, or pass header: false or a list of names`,
    );
  });

  test('a row longer than maxRecordSize (e.g. an unclosed quote on a big file) fails early', async () => {
    await fs.writeFile(file('long.csv'), `a\n"${'x'.repeat(5000)}\n`);
    const error = await failure(collect(readCsv({ from: file('long.csv'), maxRecordSize: 1000 })));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(/line 2: a row is longer than 1000 characters/);
  });

  test('bad parameters are INVALID_ARGUMENT naming the field', async () => {
    await fs.writeFile(file('ok.csv'), 'a\n1\n');
    const emptyDelimiter = await failure(collect(readCsv({ from: file('ok.csv'), delimiter: '' })));
    expect(emptyDelimiter.code).toBe('INVALID_ARGUMENT');
    expect(emptyDelimiter.message).toBe(
      `readCsv ${file('ok.csv')}: delimiter: "" is not usable; pass one or more characters other than line breaks, e.g. "," or "\\t"`,
    );
    const names = await failure(collect(readCsv({ from: file('ok.csv'), header: ['a', 'a'] })));
    expect(names.code).toBe('INVALID_ARGUMENT');
    expect(names.message).toMatch(/header names column "a" twice/);
    const same = await failure(collect(readCsv({ from: file('ok.csv'), delimiter: "'", quote: "'" })));
    expect(same.message).toMatch(/quote and delimiter are both "'"/);
  });

  test('a missing file is NOT_FOUND', async () => {
    const error = await failure(collect(readCsv({ from: file('nope.csv') })));
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('streaming', () => {
  const ROWS = 50_000;
  const line = (i: number): string => `${i},"text number ${i}, with a comma and ""quotes""",label-${i % 3}\n`;

  async function bigFile(): Promise<{ name: string; size: number }> {
    const name = file('big.csv');
    await fs.writeFile(name, `id,text,label\n${Array.from({ length: ROWS }, (_, i) => line(i)).join('')}`);
    return { name, size: (await fs.stat(name)).size };
  }

  test('the first record arrives after reading a small part of a large file; all rows come through', async () => {
    const { name, size } = await bigFile();
    expect(size).toBeGreaterThan(3_000_000);
    const { storage, reads } = countingStorage();
    let count = 0;
    let bytesAtFirst = -1;
    let last: CsvRecord | undefined;
    for await (const row of readCsv({ from: name, storage })) {
      if (count === 0) bytesAtFirst = reads.bytes;
      count += 1;
      last = row;
    }
    expect(bytesAtFirst).toBeGreaterThan(0);
    expect(bytesAtFirst).toBeLessThan(size / 10);
    expect(count).toBe(ROWS);
    expect(last).toEqual({ id: String(ROWS - 1), text: `text number ${ROWS - 1}, with a comma and "quotes"`, label: `label-${(ROWS - 1) % 3}` });
    expect(reads.bytes).toBe(size);
  });

  test('readCsvHeader reads only the start and closes the file', async () => {
    const { name, size } = await bigFile();
    const { storage, reads } = countingStorage();
    expect(await readCsvHeader({ from: name, storage })).toEqual(['id', 'text', 'label']);
    await reads.closed;
    expect(reads.bytes).toBeLessThan(size / 10);
  });

  test('leaving the loop early closes the file', async () => {
    const { name, size } = await bigFile();
    const { storage, reads } = countingStorage();
    for await (const row of readCsv({ from: name, storage })) {
      expect(row.id).toBe('0');
      break;
    }
    await reads.closed;
    expect(reads.bytes).toBeLessThan(size / 10);
  });

  test('an abort signal stops the read with ABORTED', async () => {
    const { name } = await bigFile();
    const controller = new AbortController();
    const error = await failure(
      (async () => {
        for await (const row of readCsv({ from: name, signal: controller.signal })) {
          if (row.id === '10') controller.abort();
        }
      })(),
    );
    expect(error.code).toBe('ABORTED');
  });

  test('readCsvHeader of an empty file is INVALID_DATA', async () => {
    await fs.writeFile(file('empty.csv'), '\n\n');
    const error = await failure(readCsvHeader({ from: file('empty.csv') }));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(`${file('empty.csv')} is empty; a CSV with a header starts with a row of column names`);
  });
});

describe('writeCsv failures leave nothing behind', () => {
  test('rows that throw midway: no destination, no partial file, the old content kept', async () => {
    const boom = new Error('source failed');
    async function* rows(): AsyncGenerator<Record<string, unknown>> {
      for (let i = 0; i < 20_000; i++) {
        if (i % 1000 === 0) await tick();
        yield { i, text: 'x'.repeat(20) };
      }
      throw boom;
    }
    const error = await failure(writeCsv({ to: file('out.csv'), rows: rows() }));
    expect(error.cause).toBe(boom);
    expect(await fs.readdir(temp.dir())).toEqual([]);

    await fs.writeFile(file('kept.csv'), 'old\n');
    await failure(writeCsv({ to: file('kept.csv'), rows: rows() }));
    expect(await fs.readdir(temp.dir())).toEqual(['kept.csv']);
    expect(await fs.readFile(file('kept.csv'), 'utf8')).toBe('old\n');
  });

  test('a later row with a key the first row lacks is refused, not dropped', async () => {
    const error = await failure(writeCsv({ to: file('keys.csv'), rows: [{ id: 1 }, { id: 2, error: 'x' }] }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `writeCsv ${file('keys.csv')}: rows[1] has key "error", which is not a column (the columns are rows[0]'s keys: id); pass columns listing every key`,
    );
    expect(await fs.readdir(temp.dir())).toEqual([]);
  });

  test('rows that do not fit the columns', async () => {
    const header = await failure(writeCsv({ to: file('a.csv'), rows: [['1']], header: true }));
    expect(header.message).toMatch(/header: true needs column names when rows are arrays; pass columns/);
    const width = await failure(writeCsv({ to: file('b.csv'), rows: [['1', '2'], ['3']], columns: ['x', 'y'] }));
    expect(width.message).toMatch(/rows\[1\] has 1 fields, columns has 2/);
    const scalar = await failure(writeCsv({ to: file('c.csv'), rows: ['text' as unknown as string[]] }));
    expect(scalar.message).toMatch(/rows\[0\] is a string; each row must be an array or an object/);
    const notIterable = await failure(writeCsv({ to: file('d.csv'), rows: undefined as unknown as [] }));
    expect(notIterable.message).toMatch(/rows is undefined; pass an array or an \(async\) iterable of rows/);
    expect(await fs.readdir(temp.dir())).toEqual([]);
  });
});

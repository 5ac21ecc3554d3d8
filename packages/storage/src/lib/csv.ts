import { addAbortSignal, pipeline, Readable } from 'node:stream';
import { parse, type InfoRecord, type Options as ParseOptions } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { ObjectInfo } from './backend.js';
import { StorageError, toStorageError } from './errors.js';
import type { LocationLike } from './location.js';
import { readStream } from './read.js';
import { parseParam, type CallOptions } from './storage.js';
import { write } from './write.js';

/** A CSV row read with a header: column name to field text. */
export type CsvRecord = Record<string, string>;

/** A row {@link writeCsv} accepts: an object keyed by column name, or the fields in column order. */
export type CsvRow = Readonly<Record<string, unknown>> | readonly unknown[];

/** Parameters of {@link readCsv}. */
export interface ReadCsvParams extends CallOptions {
  /** The CSV object or file. */
  from: LocationLike;
  /** Field separator, e.g. `'\t'` for TSV. Default `','`. */
  delimiter?: string;
  /**
   * `true` (default): the first row names the columns, and records are objects keyed by those names.
   * `false`: every row is data, and records are arrays of fields (rows may differ in length).
   * A list of names: the columns are called that, and the first row is data.
   */
  header?: boolean | readonly string[];
  /**
   * Character around fields that hold delimiters, quotes or line breaks (default `'"'`; a quote inside
   * such a field is doubled). `false`: quotes are ordinary text, as in TSV files written without quoting.
   */
  quote?: string | false;
  /** Skip lines with nothing on them (default `true`). */
  skipEmptyLines?: boolean;
  /** Text encoding (default UTF-8). A UTF-8 or UTF-16LE byte order mark is recognised and dropped. */
  encoding?: BufferEncoding;
  /**
   * Longest row accepted, in characters (about; default 16 Mi): an unclosed quote or a wrong delimiter
   * fails here instead of reading the rest of the file into one field.
   */
  maxRecordSize?: number;
}

/** Parameters of {@link readCsvHeader}. */
export type ReadCsvHeaderParams = Omit<ReadCsvParams, 'header' | 'skipEmptyLines'>;

/** Parameters of {@link writeCsv}. */
export interface WriteCsvParams extends CallOptions {
  /** Destination object or file. */
  to: LocationLike;
  /** The rows, objects or arrays; any (async) iterable, consumed as it is written. */
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>;
  /**
   * Column names, in order. With object rows, only these keys are written (missing ones as empty fields);
   * without it, the keys of the first row are the columns, and a later row with another key is an error.
   * With array rows, the names for the header, and every row must have as many fields.
   */
  columns?: readonly string[];
  /** Write the column names as the first line. Default: `true` when rows are objects or `columns` is given. */
  header?: boolean;
  /** Field separator. Default `','`. */
  delimiter?: string;
  /** MIME type recorded on Cloud Storage objects. Default `text/csv` (`text/tab-separated-values` for tabs). */
  contentType?: string;
}

const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;

/** Line breaks inside a row's fields (only quoted fields hold them), a CRLF counting as one. */
function lineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.includes('\n') || field.includes('\r')) count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}

/** The call and location an error is about. */
interface Where {
  operation: string;
  uri: string;
}

function invalidArgument(where: Where, message: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', `${where.operation} ${where.uri}: ${message}`, {
    operation: where.operation,
    location: where.uri,
  });
}

function invalidData(where: Where, message: string, cause?: unknown): StorageError {
  return new StorageError('INVALID_DATA', `${where.uri} ${message}`, {
    operation: where.operation,
    location: where.uri,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** `delimiter` and `quote` are one or more characters, and not line breaks (which end rows). */
function checkSeparator(where: Where, field: 'delimiter' | 'quote', value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[\r\n]/.test(value)) {
    const fix = field === 'delimiter' ? 'e.g. "," or "\\t"' : `e.g. '"', or quote: false for none`;
    throw invalidArgument(where, `${field}: ${JSON.stringify(value)} is not usable; pass one or more characters other than line breaks, ${fix}`);
  }
  return value;
}

function checkColumnNames(where: Where, field: string, names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== 'string')) {
    throw invalidArgument(where, `${field} must be a non-empty list of column names, got ${JSON.stringify(names)}`);
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i) as string | undefined;
  if (duplicate !== undefined) {
    throw invalidArgument(where, `${field} names column ${JSON.stringify(duplicate)} twice; column names must be unique`);
  }
  return [...(names as string[])];
}

interface CsvFormat {
  delimiter: string;
  quote: string | false;
  maxRecordSize: number;
}

function csvFormat(params: ReadCsvParams, where: Where): CsvFormat {
  const delimiter = checkSeparator(where, 'delimiter', params.delimiter ?? ',');
  const quote = params.quote === false ? false : checkSeparator(where, 'quote', params.quote ?? '"');
  if (quote === delimiter) {
    throw invalidArgument(where, `quote and delimiter are both ${JSON.stringify(quote)}; they must differ`);
  }
  if (params.encoding !== undefined && !Buffer.isEncoding(params.encoding)) {
    throw invalidArgument(where, `encoding: ${JSON.stringify(params.encoding)} is not a Node.js encoding; use e.g. "utf8" or "latin1"`);
  }
  const maxRecordSize = params.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  if (!Number.isInteger(maxRecordSize) || maxRecordSize < 1) {
    throw invalidArgument(where, `maxRecordSize: ${maxRecordSize} is not a positive integer`);
  }
  return { delimiter, quote, maxRecordSize };
}

/** What went wrong and how to fix it, for the csv-parse error codes malformed input raises. */
function problemOf(code: string, message: string, format: CsvFormat): string {
  const q = format.quote === false ? '"' : format.quote;
  const doubled = `write a ${q} inside a quoted field as ${q}${q}`;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quoted field starting on this line is never closed; end it with ${q}, and ${doubled}`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a quoted field is followed by more text instead of ${JSON.stringify(format.delimiter)} or the end of the line; ${doubled}`;
    case 'INVALID_OPENING_QUOTE':
      return `a ${q} appears inside an unquoted field; quote the whole field and ${doubled}, or pass quote: false if quotes in this file are plain text`;
    case 'CSV_MAX_RECORD_SIZE':
      return `a row is longer than ${format.maxRecordSize} characters; look for an unclosed ${q} or a wrong delimiter (tab-separated files need delimiter: "\\t"), or raise maxRecordSize`;
    default:
      return `${message} (${code}); check that the file is CSV with delimiter ${JSON.stringify(format.delimiter)}`;
  }
}

function csvErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CSV_') || code === 'INVALID_OPENING_QUOTE') ? code : undefined;
}

/**
 * Stream the rows of a stored CSV through `toRecord`, which gets each row's fields and the line the row
 * starts on, and returns what to yield (or `null` to drop the row). It runs inside the parser, so what
 * it throws stops parsing at that row, with the row's own line number.
 */
async function* parseCsv<T>(
  params: ReadCsvParams,
  where: Where,
  toRecord: (fields: string[], line: number) => T | null,
): AsyncGenerator<T> {
  const format = csvFormat(params, where);
  const source = await readStream({ from: params.from, storage: params.storage, signal: params.signal });
  // Lines spanned by the rows parsed so far. The parser's own line count is off for quoted CRLFs,
  // so count from the fields; blank lines it skipped are in its `empty_lines`.
  let rowLines = 0;
  const options: ParseOptions<T | null, string[]> = {
    delimiter: format.delimiter,
    quote: format.quote,
    bom: true,
    encoding: params.encoding ?? 'utf8',
    // Explicit, so a file mixing CRLF and LF lines does not leave "\r" at the end of fields.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Row widths are checked against the header in toRecord, with a better message.
    relax_column_count: true,
    skip_empty_lines: params.skipEmptyLines ?? true,
    max_record_size: format.maxRecordSize,
    on_record: (fields: string[], context: InfoRecord) => {
      const line = 1 + rowLines + context.empty_lines;
      rowLines += 1 + lineBreaks(fields);
      return toRecord(fields, line);
    },
  };
  // csv-parse's types expect on_record to return a row of the same type; ours maps rows to records.
  const parser = parse(options as unknown as ParseOptions);
  // Errors on either side surface in the loop below; leaving the loop early destroys both streams.
  pipeline(source, parser, () => undefined);
  if (params.signal) addAbortSignal(params.signal, parser);
  try {
    for await (const record of parser) yield record as T;
  } catch (error) {
    if (StorageError.isInstance(error)) throw error;
    const code = csvErrorCode(error);
    if (code === undefined) throw toStorageError(error, 'read', where.uri);
    const problem = problemOf(code, (error as Error).message, format);
    throw invalidData(where, `line ${1 + rowLines + parser.info.empty_lines}: ${problem}`, error);
  }
}

function headerNames(where: Where, fields: string[], line: number): string[] {
  const duplicate = fields.findIndex((name, i) => fields.indexOf(name) !== i);
  if (duplicate !== -1) {
    const name = fields[duplicate] as string;
    throw invalidData(
      where,
      `line ${line}: the header names column ${JSON.stringify(name)} twice (columns ${fields.indexOf(name) + 1} and ${duplicate + 1}); rename one, or pass header: false or a list of names`,
    );
  }
  return fields;
}

function widthMismatch(where: Where, line: number, got: number, want: number, delimiter: string): StorageError {
  const fix =
    got > want
      ? `quote fields that contain ${JSON.stringify(delimiter)}`
      : 'quote fields that contain line breaks, or add the missing (possibly empty) fields';
  return invalidData(where, `line ${line}: row has ${got} field${got === 1 ? '' : 's'}, header has ${want}; ${fix}`);
}

/**
 * Stream the rows of a CSV (or TSV) object or file, without loading it whole. Quoted fields may hold
 * delimiters, doubled quotes and line breaks; a byte order mark and CRLF line ends are handled.
 * Records are objects keyed by the header's column names, or arrays with `header: false`.
 *
 * @throws {@link StorageError} `INVALID_DATA` for malformed input (an unclosed quote, a row whose width
 *   differs from the header's, a header naming a column twice), with the location, the line and the fix.
 *
 * @example
 * ```ts
 * for await (const row of readCsv({ from: 'gs://my-bucket/data/train.csv' })) {
 *   console.log(row.text, row.label);
 * }
 * ```
 */
export function readCsv(params: ReadCsvParams & { header: false }): AsyncGenerator<string[]>;
export function readCsv(params: ReadCsvParams & { header?: true | readonly string[] }): AsyncGenerator<CsvRecord>;
export function readCsv(params: ReadCsvParams): AsyncGenerator<CsvRecord | string[]>;
export async function* readCsv(params: ReadCsvParams): AsyncGenerator<CsvRecord | string[]> {
  const where = { operation: 'readCsv', uri: parseParam(params, 'from').uri };
  const header = params.header ?? true;
  let columns = typeof header === 'boolean' ? undefined : checkColumnNames(where, 'header', header);
  const { delimiter } = csvFormat(params, where);
  yield* parseCsv<CsvRecord | string[]>(params, where, (fields, line) => {
    if (header === false) return fields;
    if (columns === undefined) {
      columns = headerNames(where, fields, line);
      return null;
    }
    if (fields.length !== columns.length) throw widthMismatch(where, line, fields.length, columns.length, delimiter);
    return Object.fromEntries(columns.map((name, i) => [name, fields[i] as string]));
  });
}

/**
 * The column names in the first row of a CSV: only that row is read, then the download stops.
 * Use it to resolve a column given by name before reading the rows.
 *
 * @throws {@link StorageError} `INVALID_DATA` when the file is empty or the header names a column twice.
 *
 * @example
 * ```ts
 * const columns = await readCsvHeader({ from: 'gs://my-bucket/data/train.csv' });
 * if (!columns.includes('label')) throw new Error(`no "label" column; the columns are ${columns.join(', ')}`);
 * ```
 */
export async function readCsvHeader(params: ReadCsvHeaderParams): Promise<string[]> {
  const where = { operation: 'readCsvHeader', uri: parseParam(params, 'from').uri };
  let first = true;
  const rows = parseCsv(params, where, (fields, line) => {
    // The parser works a whole chunk at a time; only its first row is the header.
    if (!first) return null;
    first = false;
    return headerNames(where, fields, line);
  });
  // Returning from inside the loop closes the generator, which destroys the stream.
  for await (const names of rows) return names;
  throw invalidData(where, 'is empty; a CSV with a header starts with a row of column names');
}

/** Stands for an empty field that must be written quoted; see {@link csvFields}. */
const QUOTED_EMPTY = Object.freeze({});

function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  // Objects as JSON; functions and symbols have no JSON and are written empty.
  return JSON.stringify(value) ?? '';
}

/** One row as text fields, in column order. */
function csvFields(values: readonly unknown[]): unknown[] {
  const fields = values.map(fieldText);
  // A lone empty field would make a blank line, which readers skip: quote it, as Python's csv module does.
  return fields.length === 1 && fields[0] === '' ? [QUOTED_EMPTY] : fields;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value === 'undefined' ? '' : 'a '}${typeof value}`;
}

async function* csvRows(params: WriteCsvParams, where: Where): AsyncGenerator<unknown[]> {
  let columns = params.columns === undefined ? undefined : checkColumnNames(where, 'columns', params.columns);
  let inferred: Set<string> | undefined;
  if (columns && params.header !== false) yield csvFields(columns);
  let index = 0;
  for await (const row of params.rows) {
    if (Array.isArray(row)) {
      if (index === 0 && columns === undefined && params.header === true) {
        throw invalidArgument(where, 'header: true needs column names when rows are arrays; pass columns');
      }
      if (columns && row.length !== columns.length) {
        throw invalidArgument(where, `rows[${index}] has ${row.length} fields, columns has ${columns.length}`);
      }
      yield csvFields(row);
    } else if (typeof row === 'object' && row !== null) {
      const record = row as Readonly<Record<string, unknown>>;
      if (columns === undefined) {
        if (index > 0) throw invalidArgument(where, `rows[${index}] is an object but rows[0] is an array; pass columns to write objects`);
        columns = Object.keys(record);
        inferred = new Set(columns);
        if (params.header !== false) yield csvFields(columns);
      } else if (inferred) {
        // Without explicit columns, a key first seen in a later row would be dropped silently: refuse instead.
        const known = inferred;
        const extra = Object.keys(record).find((key) => !known.has(key));
        if (extra !== undefined) {
          throw invalidArgument(
            where,
            `rows[${index}] has key ${JSON.stringify(extra)}, which is not a column (the columns are rows[0]'s keys: ${columns.join(', ')}); pass columns listing every key`,
          );
        }
      }
      yield csvFields(columns.map((name) => record[name]));
    } else {
      throw invalidArgument(where, `rows[${index}] is ${kindOf(row)}; each row must be an array or an object`);
    }
    index += 1;
  }
}

/**
 * Write rows as CSV, streamed and atomic (readers see the old file or the complete new one). Fields
 * holding the delimiter, quotes or line breaks are quoted, so {@link readCsv} reads back exactly what
 * was written. Values that are not strings are written as text: numbers and booleans as `String()` does,
 * dates in ISO 8601, other objects as JSON, `null` and `undefined` as empty fields. Lines end with `\n`.
 *
 * @throws {@link StorageError} `INVALID_ARGUMENT` for rows that do not fit the columns; nothing is written then.
 *
 * @example
 * ```ts
 * await writeCsv({ to: 'gs://my-bucket/out/predictions.csv', rows: [{ id: 1, label: 'spam', score: 0.97 }] });
 * ```
 */
export async function writeCsv(params: WriteCsvParams): Promise<ObjectInfo> {
  const where = { operation: 'writeCsv', uri: parseParam(params, 'to').uri };
  const rows: unknown = params.rows;
  if (typeof rows !== 'object' || rows === null || !(Symbol.iterator in rows || Symbol.asyncIterator in rows)) {
    throw invalidArgument(where, `rows is ${kindOf(rows)}; pass an array or an (async) iterable of rows`);
  }
  const delimiter = checkSeparator(where, 'delimiter', params.delimiter ?? ',');
  if (delimiter.includes('"')) throw invalidArgument(where, `delimiter: ${JSON.stringify(delimiter)} contains the quote character "`);
  const stringifier = stringify({
    delimiter,
    // csv-stringify quotes fields holding "\n" but not a lone "\r", which readers also take as a line end.
    quoted_match: '\r',
    cast: { object: (value) => (value === QUOTED_EMPTY ? { value: '', quoted_empty: true } : JSON.stringify(value)) },
  });
  // Errors on either side reach write() through `stringifier`; destroying it stops reading the rows.
  pipeline(Readable.from(csvRows(params, where)), stringifier, () => undefined);
  try {
    return await write({
      to: params.to,
      data: stringifier,
      contentType: params.contentType ?? (delimiter === '\t' ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8'),
      storage: params.storage,
      signal: params.signal,
    });
  } finally {
    stringifier.destroy();
  }
}

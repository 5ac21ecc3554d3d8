import { addAbortSignal, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ObjectInfo } from './backend.js';
import { StorageError, toStorageError } from './errors.js';
import type { LocationLike } from './location.js';
import { readStream } from './read.js';
import { parseParam, type CallOptions } from './storage.js';
import { write } from './write.js';

/** Parameters of {@link readJsonl}. */
export interface ReadJsonlParams extends CallOptions {
  /** The JSON Lines object or file. */
  from: LocationLike;
}

/** Parameters of {@link writeJsonl}. */
export interface WriteJsonlParams extends CallOptions {
  /** Destination object or file. */
  to: LocationLike;
  /** The records; any (async) iterable, consumed as it is written. */
  records: Iterable<unknown> | AsyncIterable<unknown>;
  /** MIME type recorded on Cloud Storage objects. Default `application/jsonl`. */
  contentType?: string;
}

/** Text is handed to the writer in chunks of about this many characters, not one per record. */
const CHUNK_CHARS = 64 * 1024;

/** The lines of a stream, without their `\n` or `\r\n`, decoded as UTF-8 (a leading byte order mark dropped). */
async function* textLines(stream: Readable): AsyncGenerator<string> {
  // A StringDecoder keeps multi-byte characters split across chunks whole.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let first = true;
  const line = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const chunk of stream) {
    let text = decoder.write(chunk as Buffer);
    if (first && text !== '') {
      if (text.startsWith('\uFEFF')) text = text.slice(1);
      first = false;
    }
    let start = 0;
    // Search only the new text, so a very long line is not rescanned for every chunk.
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield line(pending + text.slice(start, end));
      pending = '';
      start = end + 1;
    }
    pending += text.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') yield line(pending);
}

function snippet(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Stream the records of a JSON Lines object or file (one JSON value per line), without loading it whole.
 * Blank lines are skipped; `\r\n` line ends and a byte order mark are accepted.
 *
 * @throws {@link StorageError} `INVALID_DATA` for a line that is not JSON, naming the location, the line
 *   number and the start of the line.
 *
 * @example
 * ```ts
 * for await (const example of readJsonl<{ text: string; label: string }>({ from: 'gs://my-bucket/data/train.jsonl' })) {
 *   console.log(example.text, example.label);
 * }
 * ```
 */
export async function* readJsonl<T = unknown>(params: ReadJsonlParams): AsyncGenerator<T> {
  const uri = parseParam(params, 'from').uri;
  const stream = await readStream({ from: params.from, storage: params.storage, signal: params.signal });
  if (params.signal) addAbortSignal(params.signal, stream);
  let lineNumber = 0;
  try {
    for await (const text of textLines(stream)) {
      lineNumber += 1;
      if (text.trim() === '') continue;
      let record: T;
      try {
        record = JSON.parse(text) as T;
      } catch (error) {
        throw new StorageError(
          'INVALID_DATA',
          `${uri} line ${lineNumber}: not valid JSON (${(error as Error).message}): ${snippet(text)}; each line must hold one complete JSON value`,
          { location: uri, operation: 'readJsonl', cause: error },
        );
      }
      yield record;
    }
  } catch (error) {
    throw toStorageError(error, 'read', uri);
  } finally {
    stream.destroy();
  }
}

/** @internal One record as a line of JSON (with its `\n`), or an `INVALID_ARGUMENT` error naming it. */
export function jsonLine(record: unknown, index: number, operation: string, uri: string): string {
  // JSON.stringify returns undefined (its types say string) for undefined, functions and symbols.
  let text: string | undefined;
  try {
    text = JSON.stringify(record);
  } catch (error) {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `${operation} ${uri}: records[${index}] cannot be written as JSON (${(error as Error).message}); convert it to plain data first (e.g. BigInt to string, no cycles)`,
      { location: uri, operation, cause: error },
    );
  }
  if (text === undefined) {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `${operation} ${uri}: records[${index}] is ${typeof record}, which JSON cannot represent; use null or an object`,
      { location: uri, operation },
    );
  }
  return `${text}\n`;
}

/** @internal Throws `INVALID_ARGUMENT` unless `value` is iterable or async iterable (and not a string). */
export function checkIterable(value: unknown, field: string, operation: string, uri: string): void {
  if (typeof value === 'object' && value !== null && (Symbol.iterator in value || Symbol.asyncIterator in value)) return;
  throw new StorageError(
    'INVALID_ARGUMENT',
    `${operation} ${uri}: ${field} is ${value === null ? 'null' : typeof value}; pass an array or an (async) iterable of ${field}`,
    { location: uri, operation },
  );
}

async function* jsonlChunks(records: Iterable<unknown> | AsyncIterable<unknown>, uri: string): AsyncGenerator<string> {
  let chunk = '';
  let index = 0;
  for await (const record of records) {
    chunk += jsonLine(record, index, 'writeJsonl', uri);
    index += 1;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Write records as JSON Lines (one `JSON.stringify` per line), streamed and atomic: readers see the old
 * file or the complete new one, and a failing `records` iterable leaves nothing behind.
 *
 * @throws {@link StorageError} `INVALID_ARGUMENT` for a record JSON cannot hold (`undefined`, a BigInt, a cycle).
 *
 * @example
 * ```ts
 * await writeJsonl({ to: 'gs://my-bucket/out/predictions.jsonl', records: predictions });
 * ```
 */
export async function writeJsonl(params: WriteJsonlParams): Promise<ObjectInfo> {
  const uri = parseParam(params, 'to').uri;
  checkIterable(params.records, 'records', 'writeJsonl', uri);
  return write({
    to: params.to,
    data: jsonlChunks(params.records, uri),
    contentType: params.contentType ?? 'application/jsonl',
    storage: params.storage,
    signal: params.signal,
  });
}

import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { Backend, ObjectInfo } from './backend.js';
import { HashingStream, expectedFrom, verify } from './checksum.js';
import type { Location, LocationLike } from './location.js';
import { resolveParam, type CallOptions } from './storage.js';
import { withRetry } from './retry.js';

/** Parameters of {@link readStream}, {@link readBytes} and {@link readText}. */
export interface ReadParams extends CallOptions {
  /** The object or file to read. */
  from: LocationLike;
  /** First byte to read (default 0). */
  start?: number;
  /** Last byte to read, inclusive (default: the end). */
  end?: number;
}

class VerifyingStream extends Transform {
  readonly #hash: HashingStream;
  constructor(
    private readonly expected: { size: number; md5?: string; crc32c?: string },
    private readonly uri: string,
  ) {
    super();
    this.#hash = new HashingStream({ crc32c: expected.md5 === undefined && expected.crc32c !== undefined });
  }
  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash._transform(chunk, encoding, () => callback(null, chunk));
  }
  override _flush(callback: TransformCallback): void {
    try {
      verify({ size: this.#hash.bytes, md5: this.#hash.md5(), crc32c: this.#hash.crc32c() }, this.expected, this.uri, 'read');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** Whole-object reads of gs:// objects are verified: fetch the checksums first (retried by the backend). */
async function checksumsFor(params: ReadParams, loc: Location, backend: Backend): Promise<ObjectInfo | undefined> {
  if (params.start !== undefined || params.end !== undefined || loc.scheme === 'file') return undefined;
  return backend.stat(loc);
}

async function open(params: ReadParams, loc: Location, backend: Backend, info: ObjectInfo | undefined): Promise<Readable> {
  if (info === undefined) {
    return backend.openRead(loc, {
      ...(params.start === undefined ? {} : { start: params.start }),
      ...(params.end === undefined ? {} : { end: params.end }),
    });
  }
  // Pin the generation whose checksum we verify against, so a concurrent overwrite cannot mix versions.
  const source = await backend.openRead(loc, info.generation === undefined ? {} : { generation: info.generation });
  const verifying = new VerifyingStream(expectedFrom(info), loc.uri);
  // pipeline, not pipe: a consumer that stops early (break, destroy) must close the download too.
  pipeline(source, verifying, () => undefined);
  return verifying;
}

/**
 * A readable stream of an object's bytes. A whole-object read of a `gs://` object is checked against
 * its stored MD5 (or CRC32C): on a mismatch the stream fails with `CHECKSUM_MISMATCH` at its end.
 * Opening is retried on transient failures; a stream that fails midway is not (use {@link readBytes},
 * {@link copy} or {@link downloadDirectory} for transfers retried as a whole).
 */
export async function readStream(params: ReadParams): Promise<Readable> {
  const { loc, backend, storage } = resolveParam(params, 'from');
  const info = await checksumsFor(params, loc, backend);
  return withRetry(storage.retry, 'read', loc.uri, () => open(params, loc, backend, info), params.signal);
}

/** Read a whole object (or a byte range of it) into memory, verified, retried as a whole on transient failures. */
export async function readBytes(params: ReadParams): Promise<Buffer> {
  const { loc, backend, storage } = resolveParam(params, 'from');
  const info = await checksumsFor(params, loc, backend);
  return withRetry(
    storage.retry,
    'read',
    loc.uri,
    async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await open(params, loc, backend, info)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    params.signal,
  );
}

/** Read a whole object as text (UTF-8 by default). */
export async function readText(params: ReadParams & { encoding?: BufferEncoding }): Promise<string> {
  return (await readBytes(params)).toString(params.encoding ?? 'utf8');
}

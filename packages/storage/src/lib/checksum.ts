import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectInfo } from './backend.js';
import { StorageError } from './errors.js';

/** Incremental CRC32C, as implemented by `@google-cloud/storage` (loaded only when a gs:// object needs it). */
export interface Crc32cHasher {
  update(data: Buffer): void;
  toString(): string;
}

type Crc32cFactory = () => Crc32cHasher;

let crc32cFactory: Crc32cFactory | undefined;

/** @internal Called by the gs backend once `@google-cloud/storage` is loaded. */
export function registerCrc32c(factory: Crc32cFactory): void {
  crc32cFactory = factory;
}

/**
 * Reads a whole small stream into memory, hashing and counting as it goes: for transfers whose size is
 * known and small, where a stream pipeline costs more than the bytes. Measured reason: in a profile of
 * 1,000 x 4 KiB uploadDirectory / downloadDirectory, stream.pipeline's per-call AbortController (it
 * aborts one, building a DOMException with a stack trace, on every finish) and the Transform around
 * the hash were about 5% of the client's CPU.
 */
export async function readHashed(
  source: AsyncIterable<Buffer>,
  options: { crc32c?: boolean; onBytes?: ((bytes: number) => void) | undefined } = {},
): Promise<{ data: Buffer; size: number; md5: string; crc32c: string | undefined }> {
  const md5 = createHash('md5');
  const crc = options.crc32c && crc32cFactory ? crc32cFactory() : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    md5.update(chunk);
    crc?.update(chunk);
    chunks.push(chunk);
    size += chunk.length;
    options.onBytes?.(chunk.length);
  }
  const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  return { data, size, md5: md5.digest('base64'), crc32c: crc?.toString() };
}

/** Hashes and counts bytes as they stream through. */
export class HashingStream extends Transform {
  bytes = 0;
  readonly #md5: Hash = createHash('md5');
  readonly #crc: Crc32cHasher | undefined;
  readonly #onBytes: ((bytes: number) => void) | undefined;

  constructor(options: { crc32c?: boolean; onBytes?: ((bytes: number) => void) | undefined } = {}) {
    super();
    this.#crc = options.crc32c && crc32cFactory ? crc32cFactory() : undefined;
    this.#onBytes = options.onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#md5.update(chunk);
    this.#crc?.update(chunk);
    this.bytes += chunk.length;
    this.#onBytes?.(chunk.length);
    callback(null, chunk);
  }

  /** Base64 MD5 of everything seen; call once, after the stream ends. */
  md5(): string {
    return this.#md5.digest('base64');
  }

  /** Base64 CRC32C of everything seen, when requested at construction. */
  crc32c(): string | undefined {
    return this.#crc?.toString();
  }
}

/** Base64 MD5 of a local file. */
export async function md5OfFile(file: string): Promise<string> {
  const hash = new HashingStream();
  await pipeline(createReadStream(file), hash, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source);
  });
  return hash.md5();
}

/** Base64 CRC32C of a local file (requires the gs backend to have been loaded). */
export async function crc32cOfFile(file: string): Promise<string | undefined> {
  const hash = new HashingStream({ crc32c: true });
  await pipeline(createReadStream(file), hash, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source);
  });
  return hash.crc32c();
}

/**
 * Check bytes seen against what was expected.
 * @throws {@link StorageError} `CHECKSUM_MISMATCH` naming the field that differs.
 */
export function verify(
  seen: { size: number; md5?: string | undefined; crc32c?: string | undefined },
  expected: { size?: number | undefined; md5?: string | undefined; crc32c?: string | undefined },
  location: string,
  operation: string,
): void {
  const mismatch = (what: string, want: string | number, got: string | number): StorageError =>
    new StorageError(
      'CHECKSUM_MISMATCH',
      `${operation} ${location}: ${what} mismatch (expected ${want}, got ${got}); the data was corrupted or changed in transit and nothing was kept`,
      { location, operation },
    );
  if (expected.size !== undefined && seen.size !== expected.size) throw mismatch('size', expected.size, seen.size);
  if (expected.md5 !== undefined && seen.md5 !== undefined && seen.md5 !== expected.md5)
    throw mismatch('md5', expected.md5, seen.md5);
  if (expected.crc32c !== undefined && seen.crc32c !== undefined && seen.crc32c !== expected.crc32c)
    throw mismatch('crc32c', expected.crc32c, seen.crc32c);
}

/** The checksums of `info` worth verifying against (md5 when known, else crc32c). */
export function expectedFrom(info: ObjectInfo): { size: number; md5?: string; crc32c?: string } {
  if (info.md5 !== undefined) return { size: info.size, md5: info.md5 };
  if (info.crc32c !== undefined) return { size: info.size, crc32c: info.crc32c };
  return { size: info.size };
}

/** Same content? Size first (free), then the checksum the remote side already has. */
export async function sameContent(a: ObjectInfo, b: ObjectInfo): Promise<boolean> {
  if (a.size !== b.size) return false;
  const remote = a.location.scheme === 'gs' ? a : b.location.scheme === 'gs' ? b : undefined;
  const checksumOf = async (info: ObjectInfo, kind: 'md5' | 'crc32c'): Promise<string | undefined> => {
    if (info[kind] !== undefined) return info[kind];
    if (info.location.scheme !== 'file') return undefined;
    return kind === 'md5' ? md5OfFile(info.location.path) : crc32cOfFile(info.location.path);
  };
  const kind = remote && remote.md5 === undefined ? 'crc32c' : 'md5';
  const [x, y] = await Promise.all([checksumOf(a, kind), checksumOf(b, kind)]);
  return x !== undefined && x === y;
}

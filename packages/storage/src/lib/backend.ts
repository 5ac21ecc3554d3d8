import type { Readable } from 'node:stream';
import type { Location } from './location.js';

/** What is known about one stored object (a Cloud Storage object or a local file). */
export interface ObjectInfo {
  /** Where the object is. */
  readonly location: Location;
  /** Size in bytes. */
  readonly size: number;
  /** Base64 MD5 of the content, as Cloud Storage reports it; absent for local files until computed. */
  readonly md5?: string | undefined;
  /** Base64 big-endian CRC32C of the content, as Cloud Storage reports it. */
  readonly crc32c?: string | undefined;
  /** Last modification time. */
  readonly updated?: Date | undefined;
  /** MIME type, when the store records one. */
  readonly contentType?: string | undefined;
  /** Cloud Storage object generation. */
  readonly generation?: string | undefined;
}

/** One entry of a listing: an object, or (when listing by delimiter) a common prefix. */
export type ListEntry = ({ readonly type: 'file' } & ObjectInfo) | { readonly type: 'prefix'; readonly location: Location };

/** @internal Options for listing. */
export interface BackendListOptions {
  recursive: boolean;
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** @internal Checksums a write must match before it becomes visible. */
export interface Expected {
  size?: number | undefined;
  md5?: string | undefined;
  crc32c?: string | undefined;
}

/** @internal Options for an atomic write. */
export interface BackendWriteOptions {
  contentType?: string | undefined;
  /** Total size when known: picks simple vs resumable uploads. */
  size?: number | undefined;
  /** Verified before the object is made visible (local) or right after upload (gs, which then deletes it). */
  expected?: Expected | undefined;
  signal?: AbortSignal | undefined;
  /** Called with each chunk's byte count as it is written. */
  onBytes?: ((bytes: number) => void) | undefined;
}

/** @internal One storage system (local disk or Cloud Storage). */
export interface Backend {
  stat(location: Location): Promise<ObjectInfo>;
  list(prefix: Location, options: BackendListOptions): AsyncGenerator<ListEntry>;
  /**
   * `end` is inclusive, as in `fs.createReadStream`. Pass `generation` to pin the version read, and
   * `size` when the caller knows it (from a listing): a small local file is then read in one call.
   */
  openRead(location: Location, options: { start?: number; end?: number; generation?: string; size?: number }): Promise<Readable>;
  /** Write the whole stream as one object; nothing is visible at `location` unless it completes and verifies. */
  write(location: Location, source: Readable, options: BackendWriteOptions): Promise<ObjectInfo>;
  delete(location: Location, options: { ignoreNotFound: boolean }): Promise<void>;
  /** Server-side copy within this backend. */
  copyWithin(from: Location, to: Location): Promise<ObjectInfo>;
}

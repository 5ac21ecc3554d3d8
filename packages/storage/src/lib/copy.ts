import fs from 'node:fs/promises';
import type { Backend, ObjectInfo } from './backend.js';
import { expectedFrom, verify } from './checksum.js';
import { StorageError } from './errors.js';
import { asDirectory, type Location, type LocationLike } from './location.js';
import { ProgressTracker, type ProgressCallback } from './progress.js';
import { withRetry } from './retry.js';
import { resolveParam, type CallOptions, type Storage } from './storage.js';

/** Parameters of {@link copy}. */
export interface CopyParams extends CallOptions {
  /** Source object or file. */
  from: LocationLike;
  /** Destination object or file (not a directory: name the file). */
  to: LocationLike;
  /** Byte-level progress. */
  onProgress?: ProgressCallback;
}

/** @internal One verified, retried object transfer between any two locations. */
export async function transferObject(args: {
  storage: Storage;
  from: Location;
  to: Location;
  source: Backend;
  target: Backend;
  /** Source metadata, when the caller already has it (from a listing). */
  info?: ObjectInfo | undefined;
  signal?: AbortSignal | undefined;
  onBytes?: ((bytes: number) => void) | undefined;
}): Promise<ObjectInfo> {
  const { storage, from, to, source, target } = args;
  let sent = 0;
  return withRetry(
    storage.retry,
    'copy',
    `${from.uri} -> ${to.uri}`,
    async () => {
      // Bytes of a failed attempt are taken back so progress never overshoots.
      if (sent > 0) args.onBytes?.(-sent);
      sent = 0;
      const info = args.info ?? (await source.stat(from));
      if (from.scheme === 'gs' && to.scheme === 'gs') {
        const copied = await target.copyWithin(from, to);
        verify({ size: copied.size, md5: copied.md5, crc32c: copied.crc32c }, expectedFrom(info), to.uri, 'copy');
        sent = copied.size;
        args.onBytes?.(copied.size);
        return copied;
      }
      const stream = await source.openRead(from, info.generation === undefined ? { size: info.size } : { generation: info.generation, size: info.size });
      return target.write(to, stream, {
        size: info.size,
        contentType: info.contentType,
        expected: expectedFrom(info),
        signal: args.signal,
        onBytes: (n) => {
          sent += n;
          args.onBytes?.(n);
        },
      });
    },
    args.signal,
  );
}

/** Whether `loc` is a directory: a local folder, or a `gs://` prefix with at least one object under it. */
async function isDirectory(loc: Location, backend: Backend, signal: AbortSignal | undefined): Promise<boolean> {
  if (loc.scheme === 'file') return (await fs.stat(loc.path).catch(() => undefined))?.isDirectory() === true;
  for await (const entry of backend.list(asDirectory(loc), { recursive: false, pageSize: 1, signal })) return entry !== undefined;
  return false;
}

/**
 * Copy one object between any two locations: gs -> local (a verified download), local -> gs (a
 * verified upload), gs -> gs (a server-side copy) or local -> local. The destination appears only
 * complete and verified; transient failures are retried from the start.
 *
 * @throws {@link StorageError} `NOT_FOUND` when `from` is not there; `INVALID_ARGUMENT` when `from` is a
 * directory (a local folder, or a `gs://` prefix with objects under it): use {@link syncDirectory} for those.
 *
 * @example
 * ```ts
 * await copy({ from: 'gs://my-bucket/data/train.csv', to: './data/train.csv' });
 * ```
 */
export async function copy(params: CopyParams): Promise<ObjectInfo> {
  const src = resolveParam(params, 'from');
  const dst = resolveParam(params, 'to');
  const tracker = new ProgressTracker(params.onProgress);
  const info = await src.backend.stat(src.loc).catch(async (error: unknown) => {
    // Only once the source is known not to be a file: the happy path costs no listing.
    const notAFile = StorageError.isInstance(error) && (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT');
    if (notAFile && (await isDirectory(src.loc, src.backend, params.signal).catch(() => false))) {
      const dir = asDirectory(src.loc).uri;
      throw new StorageError(
        'INVALID_ARGUMENT',
        `copy: from ${dir} is a directory, not a file; copy() copies one file: use syncDirectory({ from, to }) (or uploadDirectory / downloadDirectory) to copy a directory`,
        { location: dir, operation: 'copy', cause: error },
      );
    }
    throw error;
  });
  tracker.filesTotal = 1;
  tracker.bytesTotal = info.size;
  const result = await transferObject({
    storage: src.storage,
    from: src.loc,
    to: dst.loc,
    source: src.backend,
    target: dst.backend,
    info,
    signal: params.signal,
    onBytes: tracker.counter(dst.loc.uri),
  });
  tracker.filesDone = 1;
  tracker.report(dst.loc.uri);
  return result;
}

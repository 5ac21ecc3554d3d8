import fs from 'node:fs/promises';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { Backend, ObjectInfo } from './backend.js';
import { sameContent } from './checksum.js';
import { transferObject } from './copy.js';
import { StorageError, toStorageError } from './errors.js';
import { pruneEmptyDirectories } from './local-backend.js';
import { asDirectory, joinLocation, relativeName, type Location, type LocationLike } from './location.js';
import { ProgressTracker, type ProgressCallback } from './progress.js';
import { resolveParam, type CallOptions, type Storage } from './storage.js';

/** Parameters of {@link syncDirectory}. */
export interface SyncParams extends CallOptions {
  /** Source directory or prefix (a trailing `/` is implied). */
  from: LocationLike;
  /** Destination directory or prefix. */
  to: LocationLike;
  /** Only files whose relative path matches one of these globs (default: all). */
  include?: string | readonly string[];
  /** Skip files whose relative path matches one of these globs. */
  exclude?: string | readonly string[];
  /** Delete destination files that are not in the source (and match the filters). Default `false`. */
  deleteExtras?: boolean;
  /** Files transferred at once (default: the storage handle's concurrency, 16). */
  concurrency?: number;
  /** Report what would be done without transferring or deleting anything. */
  dryRun?: boolean;
  /** Bytes and files done so far. */
  onProgress?: ProgressCallback;
}

/** What a sync did. Paths are relative to the directories, `/`-separated. */
export interface SyncResult {
  /** Files copied (new or changed). */
  readonly transferred: string[];
  /** Files left alone because the destination already held identical content (size and checksum). */
  readonly skipped: string[];
  /** Destination files deleted because the source lacks them (`deleteExtras`). */
  readonly deleted: string[];
  /** Bytes copied. */
  readonly bytes: number;
}

async function listTree(backend: Backend, root: Location, signal?: AbortSignal): Promise<Map<string, ObjectInfo>> {
  const dir = asDirectory(root);
  const files = new Map<string, ObjectInfo>();
  for await (const entry of backend.list(dir, { recursive: true, signal })) {
    if (entry.type === 'file') files.set(relativeName(root, entry.location), entry);
  }
  return files;
}

/** What is at a local path: a local "directory" is a directory, never a string prefix of its siblings. */
async function localKind(p: string): Promise<'directory' | 'file' | 'missing'> {
  try {
    return (await fs.stat(p)).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw toStorageError(error, 'stat', p);
  }
}

interface Side {
  loc: Location;
  backend: Backend;
  storage: Storage;
}

/**
 * The source's files. A source that is not there fails with NOT_FOUND, as `gcloud storage cp -r` and
 * `gsutil cp -r` fail on a source that matches nothing: an empty result would read as "nothing to do"
 * and hide a mistyped path. A `gs://` prefix is "not there" when no object name starts with it.
 */
async function listSource(src: Side, operation: string, signal: AbortSignal | undefined): Promise<Map<string, ObjectInfo>> {
  const where = { location: src.loc.uri, operation };
  if (src.loc.scheme === 'file') {
    const kind = await localKind(src.loc.path);
    if (kind === 'missing') {
      throw new StorageError(
        'NOT_FOUND',
        `${operation}: from ${src.loc.uri} does not exist; check the path (relative paths are resolved from ${process.cwd()})`,
        where,
      );
    }
    if (kind === 'file') {
      throw new StorageError('INVALID_ARGUMENT', `${operation}: from ${src.loc.uri} is a file, not a directory; use copy() for one file`, where);
    }
    return listTree(src.backend, src.loc, signal);
  }
  const files = await listTree(src.backend, src.loc, signal);
  if (files.size === 0) {
    const dir = asDirectory(src.loc);
    if (dir.scheme !== 'gs') throw new Error('unreachable');
    const parent = dir.key.slice(0, dir.key.slice(0, -1).lastIndexOf('/') + 1);
    throw new StorageError(
      'NOT_FOUND',
      dir.key === ''
        ? `${operation}: from ${dir.uri} holds no files: the bucket is empty; check the bucket name`
        : `${operation}: from ${dir.uri} holds no files: no object name starts with "${dir.key}"; check the bucket and the prefix (list gs://${dir.bucket}/${parent} to see what is there)`,
      where,
    );
  }
  return files;
}

/** The destination's files; a local destination not there yet has none (it is created as files arrive). */
async function listTarget(dst: Side, operation: string, signal: AbortSignal | undefined): Promise<Map<string, ObjectInfo>> {
  if (dst.loc.scheme === 'file') {
    const kind = await localKind(dst.loc.path);
    if (kind === 'missing') return new Map();
    if (kind === 'file') {
      throw new StorageError(
        'INVALID_ARGUMENT',
        `${operation}: to ${dst.loc.uri} is a file, not a directory; name a directory (it is created if missing)`,
        { location: dst.loc.uri, operation },
      );
    }
  }
  return listTree(dst.backend, dst.loc, signal);
}

function matcher(globs: string | readonly string[] | undefined): ((p: string) => boolean) | undefined {
  if (globs === undefined || globs.length === 0) return undefined;
  return picomatch(typeof globs === 'string' ? [globs] : [...globs], { dot: true });
}

/**
 * Make `to` hold the same files as `from`, between any two locations (local or `gs://`): files already
 * identical at the destination (same size and MD5, or CRC32C) are skipped, the rest copied with bounded
 * concurrency, verified and retried; with `deleteExtras`, files only at the destination are removed.
 *
 * A source that is not there is an error, not an empty sync (as for `gcloud storage cp -r`): a local
 * folder that does not exist, or a `gs://` prefix under which no object is stored. An existing empty
 * local folder, or a source whose files the filters all leave out, is an empty sync. A local
 * destination is created when missing.
 *
 * @throws {@link StorageError} `NOT_FOUND` when the source is not there; `INVALID_ARGUMENT` when the
 * source or the destination is a file (use {@link copy} for one file).
 *
 * @example
 * ```ts
 * const result = await syncDirectory({ from: './model', to: 'gs://my-bucket/models/v1', exclude: '**\/*.tmp' });
 * console.log(`${result.transferred.length} copied, ${result.skipped.length} unchanged`);
 * ```
 */
export async function syncDirectory(params: SyncParams): Promise<SyncResult> {
  return sync(params, 'syncDirectory');
}

async function sync(params: SyncParams, operation: string): Promise<SyncResult> {
  const src = resolveParam(params, 'from');
  const dst = resolveParam(params, 'to');
  const include = matcher(params.include);
  const exclude = matcher(params.exclude);
  const wanted = (rel: string): boolean => (!include || include(rel)) && !(exclude && exclude(rel));
  const concurrency = params.concurrency ?? src.storage.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StorageError('INVALID_ARGUMENT', `concurrency: ${concurrency} is not a positive integer`, {
      operation: 'sync',
    });
  }

  const [sourceFiles, targetFiles] = await Promise.all([
    listSource(src, operation, params.signal),
    listTarget(dst, operation, params.signal),
  ]);

  const tracker = new ProgressTracker(params.onProgress);
  const limit = pLimit(concurrency);
  const transferred: string[] = [];
  const skipped: string[] = [];
  const deleted: string[] = [];
  let bytes = 0;

  const candidates = [...sourceFiles].filter(([rel]) => wanted(rel));
  tracker.filesTotal = candidates.length;
  tracker.bytesTotal = candidates.reduce((sum, [, info]) => sum + info.size, 0);
  tracker.report();

  await Promise.all(
    candidates.map(([rel, info]) =>
      limit(async () => {
        params.signal?.throwIfAborted();
        const existing = targetFiles.get(rel);
        if (existing && (await sameContent(info, existing))) {
          skipped.push(rel);
          tracker.filesSkipped += 1;
          tracker.filesDone += 1;
          tracker.bytesTotal -= info.size;
          tracker.report(rel);
          return;
        }
        if (!params.dryRun) {
          await transferObject({
            storage: src.storage,
            from: info.location,
            to: joinLocation(dst.loc, rel),
            source: src.backend,
            target: dst.backend,
            info,
            signal: params.signal,
            onBytes: tracker.counter(rel),
          });
        }
        transferred.push(rel);
        bytes += info.size;
        tracker.filesDone += 1;
        tracker.report(rel);
      }),
    ),
  );

  if (params.deleteExtras) {
    const extras = [...targetFiles].filter(([rel]) => wanted(rel) && !sourceFiles.has(rel));
    await Promise.all(
      extras.map(([rel, info]) =>
        limit(async () => {
          if (!params.dryRun) await dst.backend.delete(info.location, { ignoreNotFound: true });
          deleted.push(rel);
        }),
      ),
    );
    if (!params.dryRun && dst.loc.scheme === 'file') await pruneEmptyDirectories(dst.loc.path);
  }

  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { transferred: transferred.sort(byName), skipped: skipped.sort(byName), deleted: deleted.sort(byName), bytes };
}

/** Parameters of {@link uploadDirectory}: `from` must be a local directory. */
export type UploadDirectoryParams = SyncParams;
/** Parameters of {@link downloadDirectory}: `to` must be a local directory. */
export type DownloadDirectoryParams = SyncParams;

/**
 * Upload a local directory to a `gs://` prefix (or any location) as a sync: unchanged files are skipped.
 * See {@link syncDirectory} for every option.
 *
 * @throws {@link StorageError} `NOT_FOUND` when the local folder `from` does not exist.
 *
 * @example
 * ```ts
 * await uploadDirectory({ from: './model', to: 'gs://my-bucket/models/v1', onProgress: (p) => console.log(p.bytesDone) });
 * ```
 */
export async function uploadDirectory(params: UploadDirectoryParams): Promise<SyncResult> {
  return syncWithLocalSide(params, 'from', 'uploadDirectory');
}

/**
 * Download a `gs://` prefix (or any location) into a local directory as a sync: files already present
 * with identical content are skipped; every file lands complete and verified or not at all.
 * See {@link syncDirectory} for every option.
 *
 * @throws {@link StorageError} `NOT_FOUND` when no object is stored under the prefix `from` (nothing to
 * download is taken for a mistyped prefix, not for an empty model or data set).
 *
 * @example
 * ```ts
 * await downloadDirectory({ from: 'gs://my-bucket/models/v1/', to: './model' });
 * ```
 */
export async function downloadDirectory(params: DownloadDirectoryParams): Promise<SyncResult> {
  return syncWithLocalSide(params, 'to', 'downloadDirectory');
}

/** syncDirectory, once `side` is checked to be a local location. */
async function syncWithLocalSide(params: SyncParams, side: 'from' | 'to', operation: string): Promise<SyncResult> {
  const { loc } = resolveParam(params, side);
  if (loc.scheme !== 'file') {
    throw new StorageError('INVALID_ARGUMENT', `${operation}: ${side} must be a local directory, got ${loc.uri}; use syncDirectory() to copy between buckets`, {
      location: loc.uri,
      operation,
    });
  }
  return sync(params, operation);
}

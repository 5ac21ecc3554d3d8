import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { Backend, ObjectInfo } from './backend.js';
import { sameContent } from './checksum.js';
import { transferObject } from './copy.js';
import { StorageError } from './errors.js';
import { pruneEmptyDirectories } from './local-backend.js';
import { asDirectory, joinLocation, relativeName, type Location, type LocationLike } from './location.js';
import { ProgressTracker, type ProgressCallback } from './progress.js';
import { resolveParam, type CallOptions } from './storage.js';

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

function matcher(globs: string | readonly string[] | undefined): ((p: string) => boolean) | undefined {
  if (globs === undefined || globs.length === 0) return undefined;
  return picomatch(typeof globs === 'string' ? [globs] : [...globs], { dot: true });
}

/**
 * Make `to` hold the same files as `from`, between any two locations (local or `gs://`): files already
 * identical at the destination (same size and MD5, or CRC32C) are skipped, the rest copied with bounded
 * concurrency, verified and retried; with `deleteExtras`, files only at the destination are removed.
 *
 * @example
 * ```ts
 * const result = await syncDirectory({ from: './model', to: 'gs://my-bucket/models/v1', exclude: '**\/*.tmp' });
 * console.log(`${result.transferred.length} copied, ${result.skipped.length} unchanged`);
 * ```
 */
export async function syncDirectory(params: SyncParams): Promise<SyncResult> {
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
    listTree(src.backend, src.loc, params.signal),
    listTree(dst.backend, dst.loc, params.signal),
  ]);
  if (src.loc.scheme === 'file' && sourceFiles.size === 0) {
    const info = await src.backend.stat(src.loc).catch(() => undefined);
    if (info) {
      throw new StorageError('INVALID_ARGUMENT', `sync: from ${src.loc.uri} is a file, not a directory; use copy()`, {
        location: src.loc.uri,
        operation: 'sync',
      });
    }
  }

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
 */
export async function downloadDirectory(params: DownloadDirectoryParams): Promise<SyncResult> {
  return syncWithLocalSide(params, 'to', 'downloadDirectory');
}

/** syncDirectory, once `side` is checked to be a local directory. */
async function syncWithLocalSide(params: SyncParams, side: 'from' | 'to', operation: string): Promise<SyncResult> {
  const { loc } = resolveParam(params, side);
  if (loc.scheme !== 'file') {
    throw new StorageError('INVALID_ARGUMENT', `${operation}: ${side} must be a local directory, got ${loc.uri}; use syncDirectory() to copy between buckets`, {
      location: loc.uri,
      operation,
    });
  }
  return syncDirectory(params);
}

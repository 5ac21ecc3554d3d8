import pLimit from 'p-limit';
import { pruneEmptyDirectories } from './local-backend.js';
import type { LocationLike } from './location.js';
import { resolveParam, resolveSource, type CallOptions, type SourceParam } from './storage.js';

/**
 * Parameters of {@link deleteFile}: `from`, the object or file to delete (`location` is its deprecated
 * old name), and `ignoreNotFound`.
 */
export type DeleteFileParams = CallOptions &
  SourceParam & {
    /** Succeed when there is nothing to delete (default `false`: throw `NOT_FOUND`). */
    ignoreNotFound?: boolean;
  };

/**
 * Delete one object or file.
 *
 * @example
 * ```ts
 * await deleteFile({ from: 'gs://my-bucket/models/v1/manifest.json', ignoreNotFound: true });
 * ```
 *
 * @throws {@link StorageError} `NOT_FOUND` when there is none, unless `ignoreNotFound`.
 */
export async function deleteFile(params: DeleteFileParams): Promise<void> {
  const { loc, backend } = resolveSource(params, 'deleteFile');
  await backend.delete(loc, { ignoreNotFound: params.ignoreNotFound ?? false });
}

/** Parameters of {@link deletePrefix}. */
export interface DeletePrefixParams extends CallOptions {
  /** Everything under this prefix is deleted (a string prefix, as in {@link list}). */
  prefix: LocationLike;
  /** Deletes in flight at once (default: the storage handle's concurrency). */
  concurrency?: number;
}

/**
 * Delete every object under a prefix (for a local directory: every file in it, then its empty
 * sub-directories). Returns the number of objects deleted.
 */
export async function deletePrefix(params: DeletePrefixParams): Promise<number> {
  const { loc, backend, storage } = resolveParam(params, 'prefix');
  const limit = pLimit(params.concurrency ?? storage.concurrency);
  const pending: Promise<void>[] = [];
  for await (const entry of backend.list(loc, { recursive: true, signal: params.signal })) {
    if (entry.type !== 'file') continue;
    pending.push(limit(() => backend.delete(entry.location, { ignoreNotFound: true })));
  }
  await Promise.all(pending);
  if (loc.scheme === 'file') await pruneEmptyDirectories(loc.path);
  return pending.length;
}

import pLimit from 'p-limit';
import { pruneEmptyDirectories } from './local-backend.js';
import type { LocationLike } from './location.js';
import { resolveParam, type CallOptions } from './storage.js';

/** Parameters of {@link deleteFile}. */
export interface DeleteFileParams extends CallOptions {
  /** The object or file to delete. */
  location: LocationLike;
  /** Succeed when there is nothing to delete (default `false`: throw `NOT_FOUND`). */
  ignoreNotFound?: boolean;
}

/** Delete one object or file. */
export async function deleteFile(params: DeleteFileParams): Promise<void> {
  const { loc, backend } = resolveParam(params, 'location');
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

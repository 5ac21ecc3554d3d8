import type { ObjectInfo } from './backend.js';
import { StorageError } from './errors.js';
import type { LocationLike } from './location.js';
import { resolveParam, type CallOptions } from './storage.js';

/** Parameters of {@link stat} and {@link exists}. */
export interface StatParams extends CallOptions {
  /** The object or file: `gs://bucket/key`, `file:///path` or a local path. */
  location: LocationLike;
}

/**
 * Size, checksums and times of one object or file.
 * @throws {@link StorageError} `NOT_FOUND` when there is none.
 */
export async function stat(params: StatParams): Promise<ObjectInfo> {
  const { loc, backend } = resolveParam(params, 'location');
  return backend.stat(loc);
}

/** Whether an object or file exists at `location`. Other failures (permissions, network) still throw. */
export async function exists(params: StatParams): Promise<boolean> {
  try {
    await stat(params);
    return true;
  } catch (error) {
    if (StorageError.isInstance(error) && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

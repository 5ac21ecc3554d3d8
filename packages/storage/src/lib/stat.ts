import type { ObjectInfo } from './backend.js';
import { StorageError } from './errors.js';
import { resolveSource, type CallOptions, type SourceParam } from './storage.js';

/**
 * Parameters of {@link stat} and {@link exists}: `from`, the object or file (`gs://bucket/key`,
 * `file:///path` or a local path); `location` is its deprecated old name.
 */
export type StatParams = CallOptions & SourceParam;

async function statAs(params: StatParams, operation: string): Promise<ObjectInfo> {
  const { loc, backend } = resolveSource(params, operation);
  return backend.stat(loc);
}

/**
 * Size, checksums and times of one object or file.
 *
 * @example
 * ```ts
 * const { size, md5 } = await stat({ from: 'gs://my-bucket/models/v1/model.onnx' });
 * ```
 *
 * @throws {@link StorageError} `NOT_FOUND` when there is none.
 */
export async function stat(params: StatParams): Promise<ObjectInfo> {
  return statAs(params, 'stat');
}

/** Whether an object or file exists at `from`. Other failures (permissions, network) still throw. */
export async function exists(params: StatParams): Promise<boolean> {
  try {
    await statAs(params, 'exists');
    return true;
  } catch (error) {
    if (StorageError.isInstance(error) && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

import type { ListEntry } from './backend.js';
import type { LocationLike } from './location.js';
import { resolveParam, type CallOptions } from './storage.js';

/** Parameters of {@link list}. */
export interface ListParams extends CallOptions {
  /**
   * What to list. As in Cloud Storage, a prefix is a string prefix: `gs://b/data/` lists the "folder",
   * `gs://b/data/train` also matches `train.csv` and `train-2.csv`. A local directory lists its content.
   */
  prefix: LocationLike;
  /**
   * `true` (default): every object below the prefix. `false`: only the next level, with deeper
   * levels reported once each as `{ type: 'prefix' }` entries (a `/` delimiter listing).
   */
  recursive?: boolean;
  /** Objects fetched per request from Cloud Storage (default: the service's, 1,000). */
  pageSize?: number;
}

/**
 * List objects under a prefix, across as many pages as there are.
 *
 * @example
 * ```ts
 * for await (const entry of list({ prefix: 'gs://my-bucket/data/' })) {
 *   if (entry.type === 'file') console.log(entry.location.uri, entry.size);
 * }
 * ```
 */
export async function* list(params: ListParams): AsyncGenerator<ListEntry> {
  const { loc, backend } = resolveParam(params, 'prefix');
  yield* backend.list(loc, { recursive: params.recursive ?? true, pageSize: params.pageSize, signal: params.signal });
}

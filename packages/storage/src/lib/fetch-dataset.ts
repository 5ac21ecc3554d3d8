import path from 'node:path';
import pLimit from 'p-limit';
import { sameContent } from './checksum.js';
import { transferObject } from './copy.js';
import { StorageError } from './errors.js';
import { asDirectory, joinLocation, relativeName, type LocationLike } from './location.js';
import { ProgressTracker, type ProgressCallback } from './progress.js';
import { parseParam, resolve, type CallOptions } from './storage.js';
import type { ObjectInfo } from './backend.js';

/** Parameters of {@link fetchDataset}. */
export interface FetchDatasetParams extends CallOptions {
  /** Directory or prefix holding the data set, e.g. `gs://my-bucket/datasets/spam/`. */
  from: LocationLike;
  /** Local directory to put the files in (created if needed). */
  to: string;
  /** Files that must be there, e.g. `['train.csv']`. */
  required: readonly string[];
  /** Files fetched when present, e.g. `['dev.csv', 'test.csv']`. */
  optional?: readonly string[];
  /** Bytes and files done so far. */
  onProgress?: ProgressCallback;
}

/** Local paths of the fetched files, by the name asked for; optional files that were absent are missing. */
export type FetchedDataset = Record<string, string | undefined>;

/**
 * Dataset ingress: fetch named files from a prefix into a local folder, verified. A missing required
 * file fails before anything is downloaded, with an error that names it and lists what is there.
 * Files already present locally with identical content are not downloaded again.
 *
 * @example
 * ```ts
 * const files = await fetchDataset({
 *   from: 'gs://my-bucket/spam/', to: './data', required: ['train.csv'], optional: ['dev.csv', 'test.csv'],
 * });
 * files['train.csv']; // '/abs/path/data/train.csv'
 * files['dev.csv'];   // undefined when the bucket has no dev.csv
 * ```
 */
export async function fetchDataset(params: FetchDatasetParams): Promise<FetchedDataset> {
  const src = resolve(asDirectory(parseParam(params, 'from')), params.storage);
  const dst = resolve(path.resolve(params.to), params.storage);
  const names = [...params.required, ...(params.optional ?? [])];
  for (const name of names) {
    if (name === '' || name.split('/').includes('..')) {
      throw new StorageError('INVALID_ARGUMENT', `fetchDataset: "${name}" is not a file name inside the data set`, {
        operation: 'fetchDataset',
      });
    }
  }
  const present = new Map<string, ObjectInfo>();
  const found: string[] = [];
  for await (const entry of src.backend.list(src.loc, { recursive: true, signal: params.signal })) {
    if (entry.type !== 'file') continue;
    const loc = entry.location;
    const rel = relativeName(src.loc, loc);
    found.push(rel);
    present.set(rel, entry);
  }
  const missing = params.required.filter((name) => !present.has(name));
  if (missing.length > 0) {
    const listing = found.length === 0 ? 'nothing is there' : `found: ${found.slice(0, 20).join(', ')}${found.length > 20 ? `, ... (${found.length} in all)` : ''}`;
    throw new StorageError(
      'NOT_FOUND',
      `fetchDataset: required file${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not found under ${src.loc.uri}; ${listing}. Upload ${missing.join(', ')} there, or point from at the folder that holds ${missing.length > 1 ? 'them' : 'it'}.`,
      { location: src.loc.uri, operation: 'fetchDataset' },
    );
  }
  const tracker = new ProgressTracker(params.onProgress);
  const wanted = names.filter((name) => present.has(name));
  tracker.filesTotal = wanted.length;
  tracker.bytesTotal = wanted.reduce((sum, name) => sum + (present.get(name)?.size ?? 0), 0);
  const result: FetchedDataset = {};
  for (const name of names) result[name] = undefined;
  const limit = pLimit(src.storage.concurrency);
  await Promise.all(
    wanted.map((name) => limit(async () => {
      const info = present.get(name) as ObjectInfo;
      const target = joinLocation(dst.loc, name);
      if (target.scheme !== 'file') throw new Error('unreachable');
      const existing = await dst.backend.stat(target).catch(() => undefined);
      if (!(existing && (await sameContent(info, existing)))) {
        await transferObject({
          storage: src.storage,
          from: info.location,
          to: target,
          source: src.backend,
          target: dst.backend,
          info,
          signal: params.signal,
          onBytes: tracker.counter(name),
        });
      } else {
        tracker.filesSkipped += 1;
      }
      tracker.filesDone += 1;
      tracker.report(name);
      result[name] = target.path;
    })),
  );
  return result;
}

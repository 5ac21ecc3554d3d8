import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { copy } from './copy.js';
import { deleteFile } from './delete.js';
import { StorageError, toStorageError } from './errors.js';
import { asDirectory, joinLocation, relativeName, type Location, type LocationLike } from './location.js';
import { checkIterable, jsonLine, readJsonl } from './jsonl.js';
import { list } from './list.js';
import { parseParam, resolve, type CallOptions } from './storage.js';

/** Parameters of {@link writeShardedJsonl}. Pass exactly one of `shards` and `maxRecordsPerShard`. */
export interface WriteShardedJsonlParams extends CallOptions {
  /** Directory (or `gs://` folder) the shard files are written into. */
  to: LocationLike;
  /** File name stem, e.g. `predictions` for `predictions-00000-of-00004.jsonl`. */
  name: string;
  /** The records; any (async) iterable, consumed once. */
  records: Iterable<unknown> | AsyncIterable<unknown>;
  /**
   * Write exactly this many files. An array is split into contiguous blocks (shard sizes differ by at
   * most one, and reading the shards in order gives the array's order); any other iterable, whose length
   * is unknown, is dealt round-robin (record `i` goes to shard `i % shards`).
   */
  shards?: number;
  /** Write as many files as needed, each with at most this many records, in order. */
  maxRecordsPerShard?: number;
  /** File name suffix. Default `.jsonl`; `''` gives Vertex AI batch prediction's bare names. */
  extension?: string;
}

/** What {@link writeShardedJsonl} wrote. */
export interface ShardedJsonlResult {
  /** Every shard file, in order, with its record count. */
  readonly shards: ReadonlyArray<{ readonly uri: string; readonly records: number }>;
  /** Records written in all. */
  readonly records: number;
}

/** Parameters of {@link readShardedJsonl}. */
export interface ReadShardedJsonlParams extends CallOptions {
  /** Directory (or `gs://` folder) holding the shard files, e.g. a Vertex AI batch prediction output folder. */
  from: LocationLike;
  /**
   * The name stem, matched exactly: `prediction.results` reads `prediction.results-00000-of-00002` and
   * not `prediction.errors_stats-00000-of-00001`. Default: any, as long as the folder holds one set.
   */
  name?: string;
  /** Only consider files whose name matches, e.g. `/\.jsonl$/`. */
  pattern?: RegExp;
}

/** `name-00000-of-00004` plus an optional suffix starting with `.`; 5 digits, or more past 99,999. */
const SHARD_FILE = /^(.+)-(\d{5,})-of-(\d{5,})(\..*)?$/;

/** Text is written to staged shards in chunks of about this many characters, not one per record. */
const CHUNK_CHARS = 64 * 1024;

function shardFileName(name: string, index: number, total: number, extension: string): string {
  return `${name}-${String(index).padStart(5, '0')}-of-${String(total).padStart(5, '0')}${extension}`;
}

function invalidArgument(uri: string, message: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', `writeShardedJsonl ${uri}: ${message}`, {
    location: uri,
    operation: 'writeShardedJsonl',
  });
}

function checkParams(params: WriteShardedJsonlParams, uri: string): void {
  const { shards, maxRecordsPerShard, name, extension } = params;
  const choice = 'pass shards for a fixed number of files, or maxRecordsPerShard for files of at most that many records';
  if (shards !== undefined && maxRecordsPerShard !== undefined) {
    throw invalidArgument(uri, `shards (${shards}) and maxRecordsPerShard (${maxRecordsPerShard}) are both set; ${choice}, not both`);
  }
  if (shards === undefined && maxRecordsPerShard === undefined) {
    throw invalidArgument(uri, `neither shards nor maxRecordsPerShard is set; ${choice}`);
  }
  for (const [field, value] of [['shards', shards], ['maxRecordsPerShard', maxRecordsPerShard]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw invalidArgument(uri, `${field}: ${value} is not a positive integer; pass e.g. ${field}: ${field === 'shards' ? 4 : 10_000}`);
    }
  }
  if (typeof name !== 'string' || name === '' || name.includes('/')) {
    throw invalidArgument(
      uri,
      `name: ${JSON.stringify(name)} is not a file name stem; pass e.g. name: 'predictions', and put any folders in to`,
    );
  }
  if (extension !== undefined && (typeof extension !== 'string' || extension.includes('/'))) {
    throw invalidArgument(uri, `extension: ${JSON.stringify(extension)} is not a file name suffix; pass e.g. '.jsonl', or '' for none`);
  }
  checkIterable(params.records, 'records', 'writeShardedJsonl', uri);
}

/** One shard being written to the local staging folder. */
class StagedShard {
  records = 0;
  #pending = '';
  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
  ) {}

  static async create(file: string): Promise<StagedShard> {
    return new StagedShard(file, await fs.open(file, 'wx'));
  }

  async add(line: string): Promise<void> {
    this.records += 1;
    this.#pending += line;
    if (this.#pending.length >= CHUNK_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
    const text = this.#pending;
    this.#pending = '';
    // Writes at the handle's position and, unlike write(), loops until all of the text is written.
    if (text !== '') await this.handle.appendFile(text);
  }

  /** Write what is pending (unless discarding) and close the file. */
  async close(discard = false): Promise<void> {
    try {
      if (!discard) await this.#flush();
    } finally {
      await this.handle.close();
    }
  }
}

/** Which shard record `index` goes to: contiguous blocks when the total is known, round-robin when not. */
function shardOf(shards: number, total: number | undefined): (index: number) => number {
  if (total === undefined) return (index) => index % shards;
  // The first `total % shards` shards hold one record more than the others.
  const small = Math.floor(total / shards);
  const big = small + 1;
  const bigRecords = (total % shards) * big;
  return (index) => (index < bigRecords ? Math.floor(index / big) : total % shards + Math.floor((index - bigRecords) / small));
}

async function stage(params: WriteShardedJsonlParams, dir: string, uri: string): Promise<StagedShard[]> {
  const staged: StagedShard[] = [];
  const open = async (): Promise<StagedShard> => {
    const shard = await StagedShard.create(path.join(dir, `shard-${staged.length}`));
    staged.push(shard);
    return shard;
  };
  try {
    let index = 0;
    if (params.shards !== undefined) {
      for (let i = 0; i < params.shards; i++) await open();
      const target = shardOf(params.shards, Array.isArray(params.records) ? params.records.length : undefined);
      for await (const record of params.records) {
        params.signal?.throwIfAborted();
        await (staged[target(index)] as StagedShard).add(jsonLine(record, index, 'writeShardedJsonl', uri));
        index += 1;
      }
    } else {
      const max = params.maxRecordsPerShard as number;
      let current = await open();
      for await (const record of params.records) {
        params.signal?.throwIfAborted();
        // A new shard only once a record needs it, so a full last shard is not followed by an empty one.
        if (current.records === max) current = await open();
        await current.add(jsonLine(record, index, 'writeShardedJsonl', uri));
        index += 1;
      }
    }
  } catch (error) {
    await Promise.all(staged.map((shard) => shard.close(true).catch(() => undefined)));
    throw error;
  }
  await Promise.all(staged.map((shard) => shard.close()));
  return staged;
}

/** Copy the staged shards to their final names; on a failure, remove those already copied. */
async function publish(params: WriteShardedJsonlParams, staged: StagedShard[], dir: Location): Promise<ShardedJsonlResult> {
  const { storage } = resolve(dir, params.storage);
  const targets = staged.map((_, i) => joinLocation(dir, shardFileName(params.name, i, staged.length, params.extension ?? '.jsonl')));
  const limit = pLimit(storage.concurrency);
  const published: Location[] = [];
  let failure: { error: unknown } | undefined;
  await Promise.all(
    staged.map((shard, i) =>
      limit(async () => {
        if (failure) return;
        const to = targets[i] as Location;
        try {
          await copy({ from: shard.file, to, storage: params.storage, signal: params.signal });
          published.push(to);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) {
    // A partial set would be read as complete by readers that do not check the -of-N count.
    await Promise.all(published.map((to) => deleteFile({ from: to, storage: params.storage, ignoreNotFound: true }).catch(() => undefined)));
    throw failure.error;
  }
  return {
    shards: staged.map((shard, i) => ({ uri: (targets[i] as Location).uri, records: shard.records })),
    records: staged.reduce((sum, shard) => sum + shard.records, 0),
  };
}

/**
 * Write records as JSON Lines split over several files named `${name}-00000-of-00004${extension}`
 * (the pattern Vertex AI batch prediction uses), for parallel readers or size-limited consumers.
 *
 * Shards are staged in a local temporary folder (under `os.tmpdir()`, so it needs room for the output)
 * and copied to `to` once all records are in, each verified and retried, so every file appears
 * complete or not at all; if one fails, those already copied are removed. Zero records give `shards`
 * empty files, or one empty `-00000-of-00001` file with `maxRecordsPerShard`. Shards of an earlier
 * run with another count are not removed: {@link readShardedJsonl} reports such a mix.
 *
 * @throws {@link StorageError} `INVALID_ARGUMENT` for bad parameters or a record JSON cannot hold.
 *
 * @example
 * ```ts
 * const { shards } = await writeShardedJsonl({
 *   to: 'gs://my-bucket/batch-input/', name: 'instances', records: instances, maxRecordsPerShard: 50_000,
 * });
 * console.log(shards.map((s) => s.uri));
 * ```
 */
export async function writeShardedJsonl(params: WriteShardedJsonlParams): Promise<ShardedJsonlResult> {
  const dir = asDirectory(parseParam(params, 'to'));
  checkParams(params, dir.uri);
  const stagingDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-shards-'));
  try {
    const staged = await stage(params, stagingDir, dir.uri);
    return await publish(params, staged, dir);
  } catch (error) {
    throw toStorageError(error, 'writeShardedJsonl', dir.uri);
  } finally {
    await fs.rm(stagingDir, { recursive: true, force: true });
  }
}

interface ShardFile {
  readonly file: string;
  readonly location: Location;
  readonly name: string;
  readonly index: number;
  readonly total: number;
}

function listed(numbers: readonly number[]): string {
  return numbers.length > 20 ? `${numbers.slice(0, 20).join(', ')}, ... (${numbers.length} in all)` : numbers.join(', ');
}

/** The one complete set of shards among `found`, in order; or an `INVALID_DATA` error saying what is wrong. */
function completeSet(found: readonly ShardFile[], uri: string, name: string | undefined): ShardFile[] {
  const invalid = (message: string): StorageError =>
    new StorageError('INVALID_DATA', `${uri}: ${message}`, { location: uri, operation: 'readShardedJsonl' });
  if (found.length === 0) {
    throw new StorageError(
      'NOT_FOUND',
      `${uri}: no files named ${name ?? '<name>'}-NNNNN-of-MMMMM; check the folder${name === undefined ? '' : ' and the name'}`,
      { location: uri, operation: 'readShardedJsonl' },
    );
  }
  const names = [...new Set(found.map((shard) => shard.name))].sort();
  if (names.length > 1) throw invalid(`holds shards of ${names.length} sets (${names.join(', ')}); pass name to choose one`);
  const setName = names[0] as string;
  const totals = [...new Set(found.map((shard) => shard.total))].sort((a, b) => a - b);
  if (totals.length > 1) {
    throw invalid(`${setName} shards disagree on their count (-of- ${totals.join(', ')}), as when two runs wrote here; delete the older shards`);
  }
  const total = totals[0] as number;
  const byIndex = new Map<number, ShardFile>();
  for (const shard of found) {
    const other = byIndex.get(shard.index);
    if (other) throw invalid(`${setName} shard ${shard.index} appears twice (${other.file}, ${shard.file}); pass pattern to pick one`);
    if (shard.index >= total) throw invalid(`${shard.file} is numbered past the ${total} shards its name counts`);
    byIndex.set(shard.index, shard);
  }
  const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw invalid(
      `${setName} has ${total} shard${total === 1 ? '' : 's'} but shard${missing.length === 1 ? '' : 's'} ${listed(missing)} ${missing.length === 1 ? 'is' : 'are'} missing; wait for the writer to finish, or rerun it`,
    );
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/**
 * Read a set of JSON Lines shards (`name-00000-of-00004...`) in shard order, e.g. the
 * `prediction.results-0000N-of-0000M` files of a Vertex AI batch prediction job. The folder is listed
 * first and every shard of the set must be there; the records then stream one file at a time.
 *
 * @throws {@link StorageError} `NOT_FOUND` when no shard files are there; `INVALID_DATA` when shards are
 *   missing (listing their numbers), when several sets are there and no `name` picks one, or for a bad line.
 *
 * @example
 * ```ts
 * for await (const result of readShardedJsonl({ from: 'gs://my-bucket/batch/prediction-model-2024/', name: 'prediction.results' })) {
 *   console.log(result);
 * }
 * ```
 */
export async function* readShardedJsonl<T = unknown>(params: ReadShardedJsonlParams): AsyncGenerator<T> {
  const dir = asDirectory(parseParam(params, 'from'));
  const found: ShardFile[] = [];
  for await (const entry of list({ prefix: dir, recursive: false, storage: params.storage, signal: params.signal })) {
    if (entry.type !== 'file') continue;
    // A local path that is not a folder lists its parent's matching entries: those are not inside.
    const file = relativeName(dir, entry.location);
    if (file.includes('/')) continue;
    const match = SHARD_FILE.exec(file);
    if (!match) continue;
    const [, name = '', index = '', total = ''] = match;
    if (params.name !== undefined && name !== params.name) continue;
    if (params.pattern && file.search(params.pattern) === -1) continue;
    found.push({ file, location: entry.location, name, index: Number(index), total: Number(total) });
  }
  for (const shard of completeSet(found, dir.uri, params.name)) {
    yield* readJsonl<T>({ from: shard.location, storage: params.storage, signal: params.signal });
  }
}

// The journal of a local batch prediction run: what makes it resumable after a kill, with no instance lost,
// none written twice, and none sent again once written.
//
// It lives in the job's output folder, beside where Vertex AI's files will go, and is deleted when they are:
//
//   <output folder>/.vertexkit-batch/manifest.json      the run: job id, create time, identity, input files
//   <output folder>/.vertexkit-batch/chunks/<attempt>-<seq>.jsonl
//                                                      finished instances, one per line:
//                                                      {"n": <instance number>, "r": <results line>} or
//                                                      {"n": <instance number>, "e": <errors_stats line>}
//   <output folder>/.vertexkit-batch/complete.json      written once the final files are complete
//
// Instances are numbered by their position in the input (files in order, blank lines skipped); the manifest
// keeps each input file's size and version (md5/generation on Cloud Storage, mtime locally), so a resumed run
// refuses an input whose numbering may have changed. Every journal file is written whole under a temporary
// name and renamed (locally: written, fsync'd, renamed, the folder fsync'd; on Cloud Storage an object becomes
// visible only once its upload is complete), never appended to: a kill leaves a chunk either whole or absent,
// never half-written, and the same code works on gs://. Chunks are never rewritten; a new process starts a new
// attempt prefix, so names never collide. The cost of a kill is the instances predicted since the last chunk
// (at most `everyInstances`, or `everyMs` of work): they were never written, so they are sent again.
//
// On start, the chunks are read back: the instance numbers they hold are skipped (not sent again). When every
// instance is in a chunk, the chunks are copied into Vertex AI's files (`prediction.results-NNNNN-of-NNNNN`,
// `prediction.errors_stats-NNNNN-of-NNNNN`), an instance number seen twice kept once (a safeguard: one run
// never journals an instance twice), stale files of an interrupted earlier attempt at this step deleted first;
// then complete.json is written and the journal deleted, complete.json last. A run killed while it writes the
// final files writes them again from the chunks when restarted.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { deleteFile, deletePrefix, exists, joinLocation, list, parseLocation, readText, write, type Storage } from '@vertexkit/storage';
import type { InputFile } from './batch-input.js';

/** What identifies a run: its manifest. */
export interface JournalManifest {
  format: 'vertexkit-local-batch-prediction/1';
  jobId: string;
  createTime: string;
  /** sha256 of the spec fields that decide the output (see {@link runIdentity}). */
  identity: string;
  inputs: InputFile[];
}

/** What complete.json holds. */
export interface JournalCompletion {
  successfulCount: number;
  failedCount: number;
  files: string[];
}

/** One finished instance: its number and the output line (a results line, or an errors_stats line). */
export interface JournalRecord {
  n: number;
  r?: unknown;
  e?: unknown;
}

const FOLDER = '.vertexkit-batch';

/** The journal of one output folder. */
export class BatchJournal {
  readonly outputDirectory: string;
  readonly storage: Storage | undefined;
  /** Instance numbers already journaled. */
  readonly done = new Set<number>();
  successfulCount = 0;
  failedCount = 0;
  private readonly attempt = `${Date.now().toString().padStart(15, '0')}${randomBytes(3).toString('hex')}`;
  private seq = 0;

  constructor(outputDirectory: string, storage: Storage | undefined) {
    this.outputDirectory = directoryUri(outputDirectory);
    this.storage = storage;
  }

  private at(relative: string): string {
    return joinLocation(this.outputDirectory, relative).uri;
  }

  /** The run's manifest, or undefined when the folder holds no unfinished run. */
  async readManifest(): Promise<JournalManifest | undefined> {
    const uri = this.at(`${FOLDER}/manifest.json`);
    if (!(await exists({ from: uri, storage: this.storage }))) return undefined;
    return JSON.parse(await readText({ from: uri, storage: this.storage })) as JournalManifest;
  }

  /** complete.json: present when the final files were written but the journal not yet deleted. */
  async readCompletion(): Promise<JournalCompletion | undefined> {
    const uri = this.at(`${FOLDER}/complete.json`);
    if (!(await exists({ from: uri, storage: this.storage }))) return undefined;
    return JSON.parse(await readText({ from: uri, storage: this.storage })) as JournalCompletion;
  }

  /** Starts a run in this folder. */
  writeManifest(manifest: JournalManifest): Promise<void> {
    return writeWhole(this.at(`${FOLDER}/manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`, this.storage);
  }

  /** Names of the output folder's files (not the journal), e.g. to find a finished run's files. */
  async outputFiles(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of list({ prefix: this.outputDirectory, recursive: false, storage: this.storage })) {
      if (entry.type === 'file') names.push(baseName(entry.location.uri));
    }
    return names;
  }

  /** Reads every chunk: fills `done` and the counts. A chunk that does not parse is deleted (its instances are sent again). */
  async load(): Promise<void> {
    for (const uri of await this.chunkUris()) {
      const records = await this.readChunk(uri);
      if (!records) {
        await deleteFile({ from: uri, storage: this.storage }).catch(() => undefined);
        continue;
      }
      for (const record of records) this.count(record);
    }
  }

  /** Counts a record unless its instance is counted already (first record wins, as in `finish`). */
  private count(record: JournalRecord): boolean {
    if (this.done.has(record.n)) return false;
    this.done.add(record.n);
    if (record.r !== undefined) this.successfulCount++;
    else this.failedCount++;
    return true;
  }

  /** Writes one chunk with these records (whole, atomically) and counts them. */
  async append(records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    const name = `${this.attempt}-${String(this.seq++).padStart(8, '0')}.jsonl`;
    const text = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    await writeWhole(this.at(`${FOLDER}/chunks/${name}`), text, this.storage);
    for (const record of records) this.count(record);
  }

  private async chunkUris(): Promise<string[]> {
    const uris: string[] = [];
    for await (const entry of list({ prefix: this.at(`${FOLDER}/chunks/`), recursive: true, storage: this.storage })) {
      if (entry.type === 'file' && entry.location.uri.endsWith('.jsonl')) uris.push(entry.location.uri);
    }
    return uris.sort();
  }

  private async readChunk(uri: string): Promise<JournalRecord[] | undefined> {
    try {
      const text = await readText({ from: uri, storage: this.storage });
      if (!text.endsWith('\n')) return undefined;
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const record = JSON.parse(line) as JournalRecord;
          if (typeof record.n !== 'number' || (record.r === undefined) === (record.e === undefined)) throw new Error('not a journal record');
          return record;
        });
    } catch {
      return undefined;
    }
  }

  /**
   * Writes Vertex AI's files from the chunks: `prediction.results-*` and `prediction.errors_stats-*`, at most
   * `maxRecordsPerFile` lines each, one file of each kind at least (empty when nothing belongs in it). Then
   * complete.json, then the journal is deleted.
   */
  async finish(maxRecordsPerFile: number, signal?: AbortSignal): Promise<JournalCompletion> {
    for (const name of await this.outputFiles()) {
      if (/^prediction\.(results|errors_stats)-/.test(name)) await deleteFile({ from: this.at(name), storage: this.storage });
    }
    await removeLocalTemporaries(this.outputDirectory);
    const totals = { results: this.successfulCount, errors_stats: this.failedCount };
    const shardCounts = { results: Math.max(1, Math.ceil(totals.results / maxRecordsPerFile)), errors_stats: Math.max(1, Math.ceil(totals.errors_stats / maxRecordsPerFile)) };
    const files: string[] = [];
    const buffers = { results: [] as string[], errors_stats: [] as string[] };
    const written = { results: 0, errors_stats: 0 };
    const shardIndex = { results: 0, errors_stats: 0 };
    const flush = async (kind: 'results' | 'errors_stats'): Promise<void> => {
      const pad = (n: number): string => String(n).padStart(5, '0');
      const name = `prediction.${kind}-${pad(shardIndex[kind]++)}-of-${pad(shardCounts[kind])}`;
      const lines = buffers[kind];
      await writeWhole(this.at(name), lines.length > 0 ? `${lines.join('\n')}\n` : '', this.storage);
      written[kind] += lines.length;
      buffers[kind] = [];
      files.push(name);
    };
    const seen = new Set<number>();
    for (const uri of await this.chunkUris()) {
      signal?.throwIfAborted();
      const records = await this.readChunk(uri);
      if (!records) throw new Error(`${uri} was damaged after it was read at the start; run again to predict its instances again`);
      for (const record of records) {
        if (seen.has(record.n)) continue;
        seen.add(record.n);
        const kind = record.r !== undefined ? 'results' : 'errors_stats';
        buffers[kind].push(JSON.stringify(record.r ?? record.e));
        if (buffers[kind].length === maxRecordsPerFile && shardIndex[kind] < shardCounts[kind] - 1) await flush(kind);
      }
    }
    await flush('results');
    await flush('errors_stats');
    if (written.results !== totals.results || written.errors_stats !== totals.errors_stats) {
      throw new Error(`the journal changed while the output was written (${written.results}/${totals.results} results, ${written.errors_stats}/${totals.errors_stats} errors); is another process running this job?`);
    }
    const completion: JournalCompletion = { successfulCount: totals.results, failedCount: totals.errors_stats, files };
    await writeWhole(this.at(`${FOLDER}/complete.json`), JSON.stringify(completion), this.storage);
    await this.removeJournal();
    return completion;
  }

  /** Deletes the journal: chunks, then the manifest, then complete.json. */
  async removeJournal(): Promise<void> {
    await deletePrefix({ prefix: this.at(`${FOLDER}/chunks/`), storage: this.storage });
    await deleteFile({ from: this.at(`${FOLDER}/manifest.json`), storage: this.storage, ignoreNotFound: true });
    await deleteFile({ from: this.at(`${FOLDER}/complete.json`), storage: this.storage, ignoreNotFound: true });
    await removeLocalTemporaries(this.at(`${FOLDER}/chunks`));
    await removeLocalTemporaries(this.at(FOLDER), true);
  }
}

/** sha256 of what decides a run's output: resuming is for the same run, not a changed spec. */
export function runIdentity(parts: Record<string, unknown>): string {
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The folder as a URI ending in `/` on Cloud Storage (a local path has none). */
export function directoryUri(uri: string): string {
  const location = parseLocation(uri);
  return location.scheme === 'gs' && !location.uri.endsWith('/') ? `${location.uri}/` : location.uri;
}

function baseName(uri: string): string {
  const trimmed = uri.endsWith('/') ? uri.slice(0, -1) : uri;
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf(path.sep)) + 1);
}

/**
 * Writes a whole file at once, so a reader (or a restarted run) sees all of it or nothing. Locally: a temporary
 * name in the same folder, fsync, rename, then fsync of the folder, so that the data is on disk before the name
 * is and a power cut cannot leave an empty file under the final name. On Cloud Storage: one upload, which
 * becomes visible only when complete (and is retried by @vertexkit/storage).
 */
async function writeWhole(uri: string, text: string, storage: Storage | undefined): Promise<void> {
  const location = parseLocation(uri);
  if (location.scheme === 'gs') {
    await write({ to: location, data: text, storage, contentType: 'application/jsonl' });
    return;
  }
  const dir = path.dirname(location.path);
  const temp = path.join(dir, `.${path.basename(location.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx').catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    return open(temp, 'wx');
  });
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, location.path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** Deletes temporary files a killed local write left behind (`.<name>.<random>.tmp`); and the folder itself when asked and empty. */
async function removeLocalTemporaries(uri: string, removeFolder = false): Promise<void> {
  const location = parseLocation(uri);
  if (location.scheme !== 'file') return;
  const names = await readdir(location.path).catch(() => undefined);
  if (!names) return;
  for (const name of names) if (name.startsWith('.') && name.endsWith('.tmp')) await rm(path.join(location.path, name), { force: true });
  if (removeFolder) {
    await rm(path.join(location.path, 'chunks'), { recursive: true, force: true });
    await rmdir(location.path).catch(() => undefined);
  }
}

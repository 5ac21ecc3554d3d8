import { randomBytes } from 'node:crypto';
import { createWriteStream, readFile as readFileCb, rename as renameCb, stat as statCb, writeFile as writeFileCb } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Backend, BackendListOptions, BackendWriteOptions, ListEntry, ObjectInfo } from './backend.js';
import { HashingStream, readHashed, verify } from './checksum.js';
import { StorageError, toStorageError } from './errors.js';
import type { LocalLocation, Location } from './location.js';

/** Suffix of in-progress files: never listed, never synced, removed on failure. */
export const PARTIAL_SUFFIX = '.vkpart';

function asLocal(location: Location): LocalLocation {
  if (location.scheme !== 'file') throw new Error(`local backend given ${location.uri}`);
  return location;
}

function local(p: string): LocalLocation {
  return { scheme: 'file', path: p, uri: p };
}

function infoOf(p: string, stats: { size: number; mtime: Date }): ObjectInfo {
  return { location: local(p), size: stats.size, updated: stats.mtime };
}

/** Writes of a known size up to this are read into memory, verified, then written in one call. */
const SMALL_WRITE_LIMIT = 8 * 1024 * 1024;

/** Temp name next to the destination, so the final rename stays on one file system (atomic). */
export function partialName(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`);
}

async function* walk(root: string, recursive: boolean): AsyncGenerator<ListEntry> {
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.name.endsWith(PARTIAL_SUFFIX)) continue;
    if (entry.isDirectory()) {
      if (recursive) yield* walk(full, true);
      else yield { type: 'prefix', location: local(full + path.sep) };
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      const stats = await fs.stat(full).catch(() => undefined);
      if (stats?.isFile()) yield { type: 'file', ...infoOf(full, stats) };
    }
  }
}

/** @internal Local file system backend: plain paths, `file://` URLs. */
export const localBackend: Backend = {
  async stat(location) {
    const { path: p } = asLocal(location);
    const stats = await fs.stat(p).catch((error: unknown) => {
      throw toStorageError(error, 'stat', p);
    });
    if (!stats.isFile()) {
      throw new StorageError('NOT_FOUND', `stat ${p} failed: it is a directory, not a file`, {
        location: p,
        operation: 'stat',
      });
    }
    return infoOf(p, stats);
  },

  async *list(prefix: Location, options: BackendListOptions) {
    // A directory lists its contents (what users of a local folder expect); any other path is a
    // string prefix, as in Cloud Storage: the parent's entries whose names start with it.
    const { path: p } = asLocal(prefix);
    const stats = await fs.stat(p).catch(() => undefined);
    if (stats?.isDirectory()) {
      yield* walk(p, options.recursive);
      return;
    }
    if (stats?.isFile()) {
      yield { type: 'file', ...infoOf(p, stats) };
      return;
    }
    const dir = path.dirname(p);
    const start = path.basename(p);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!entry.name.startsWith(start) || entry.name.endsWith(PARTIAL_SUFFIX)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (options.recursive) yield* walk(full, true);
        else yield { type: 'prefix', location: local(full + path.sep) };
      } else {
        const s = await fs.stat(full).catch(() => undefined);
        if (s?.isFile()) yield { type: 'file', ...infoOf(full, s) };
      }
    }
  },

  async openRead(location, { start, end, size }) {
    const { path: p } = asLocal(location);
    if (size !== undefined && size <= SMALL_WRITE_LIMIT && start === undefined && end === undefined) {
      // Measured reason: one callback readFile costs about 60 us here against about 200 us for
      // fs.promises open + createReadStream (the FileHandle and stream machinery), per 4 KiB file.
      const data = await new Promise<Buffer>((resolve, reject) => readFileCb(p, (error, d) => (error ? reject(error) : resolve(d)))).catch(
        (error: unknown) => {
          throw toStorageError(error, 'read', p);
        },
      );
      const stream = new Readable({ read() {} });
      stream.push(data);
      stream.push(null);
      return stream;
    }
    // Open eagerly so a missing file fails here, with a StorageError, not later on the stream.
    const handle = await fs.open(p, 'r').catch((error: unknown) => {
      throw toStorageError(error, 'read', p);
    });
    return handle.createReadStream({ start, end, autoClose: true });
  },

  async write(location, source: Readable, options: BackendWriteOptions) {
    const { path: dest } = asLocal(location);
    if (options.size !== undefined && options.size <= SMALL_WRITE_LIMIT) return writeSmall(dest, source, options);
    await fs.mkdir(path.dirname(dest), { recursive: true }).catch((error: unknown) => {
      throw toStorageError(error, 'write', dest);
    });
    const temp = partialName(dest);
    const hash = new HashingStream({ crc32c: options.expected?.crc32c !== undefined, onBytes: options.onBytes });
    try {
      await pipeline(source, hash, createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
      const seen = { size: hash.bytes, md5: hash.md5(), crc32c: hash.crc32c() };
      if (options.expected) verify(seen, options.expected, dest, 'write');
      await fs.rename(temp, dest);
      const stats = await fs.stat(dest);
      return { ...infoOf(dest, stats), md5: seen.md5 };
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw toStorageError(error, 'write', dest);
    }
  },

  async delete(location, { ignoreNotFound }) {
    const { path: p } = asLocal(location);
    try {
      await fs.unlink(p);
    } catch (error) {
      if (ignoreNotFound && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw toStorageError(error, 'delete', p);
    }
  },

  async copyWithin(from, to) {
    const src = asLocal(from).path;
    return localBackend.write(to, await localBackend.openRead(from, {}), {
      expected: { size: (await fs.stat(src)).size },
    });
  },
};

// Callback fs, not fs.promises, on the small-file path. Measured reason: writeFile costs ~58 us per
// 4 KiB file here against ~85 us through fs.promises (its FileHandle per call).
function writeNew(file: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => writeFileCb(file, data, { flag: 'wx' }, (error) => (error ? reject(error) : resolve())));
}

/**
 * write() for a small file of known size: the bytes are read and verified in memory, so a corrupted
 * or short transfer never touches the disk; then written to a temp name and renamed. Measured reason:
 * in a profile of a 1,000 x 4 KiB downloadDirectory the streamed path (a mkdir per file, a
 * WriteStream, a pipeline with its AbortController) cost about a quarter of the client's CPU. The
 * parent directory is created only when the write finds it missing.
 */
async function writeSmall(dest: string, source: Readable, options: BackendWriteOptions): Promise<ObjectInfo> {
  let read;
  try {
    read = await readHashed(options.signal ? addAbortSignal(options.signal, source) : source, {
      crc32c: options.expected?.crc32c !== undefined,
      onBytes: options.onBytes,
    });
  } catch (error) {
    source.destroy();
    throw toStorageError(error, 'write', dest);
  }
  const seen = { size: read.size, md5: read.md5, crc32c: read.crc32c };
  if (options.expected) verify(seen, options.expected, dest, 'write');
  const temp = partialName(dest);
  try {
    try {
      await writeNew(temp, read.data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await writeNew(temp, read.data);
    }
    options.signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => renameCb(temp, dest, (error) => (error ? reject(error) : resolve())));
    const stats = await new Promise<{ size: number; mtime: Date }>((resolve, reject) =>
      statCb(dest, (error, s) => (error ? reject(error) : resolve(s))),
    );
    return { ...infoOf(dest, stats), md5: seen.md5 };
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw toStorageError(error, 'write', dest);
  }
}

/** Remove empty directories below `root` (not `root` itself): a bucket has no empty "folders". */
export async function pruneEmptyDirectories(root: string): Promise<void> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    await pruneEmptyDirectories(dir);
    await fs.rmdir(dir).catch(() => undefined);
  }
}

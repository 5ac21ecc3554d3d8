import { Readable } from 'node:stream';
import type { ObjectInfo } from './backend.js';
import { StorageError } from './errors.js';
import type { LocationLike } from './location.js';
import { ProgressTracker, type ProgressCallback } from './progress.js';
import { withRetry } from './retry.js';
import { resolveParam, type CallOptions } from './storage.js';

/** What {@link write} accepts as content. */
export type WriteData = string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

/** Parameters of {@link write}. */
export interface WriteParams extends CallOptions {
  /** Destination object or file. Parent directories are created for local paths. */
  to: LocationLike;
  /** Content: text (UTF-8), bytes, a readable stream or any async iterable of chunks. */
  data: WriteData;
  /** MIME type recorded on Cloud Storage objects. */
  contentType?: string;
  /** Byte-level progress. */
  onProgress?: ProgressCallback;
}

/**
 * Write an object or file atomically: readers see the old content or the complete new one, never a part.
 * Local files are written to a temporary name beside the destination and renamed; Cloud Storage uploads
 * become visible only once complete, and are checked against the MD5 the server computed.
 * Text and bytes are retried on transient failures; streams cannot be replayed and are not.
 */
export async function write(params: WriteParams): Promise<ObjectInfo> {
  const { loc, backend, storage } = resolveParam(params, 'to');
  if (params.data === undefined || params.data === null) {
    throw new StorageError('INVALID_ARGUMENT', `write ${loc.uri}: data is ${String(params.data)}; pass a string, bytes or a stream`, {
      location: loc.uri,
      operation: 'write',
    });
  }
  const tracker = new ProgressTracker(params.onProgress);
  const replayable = typeof params.data === 'string' || params.data instanceof Uint8Array;
  const bytes = typeof params.data === 'string' ? Buffer.from(params.data, 'utf8') : params.data;
  if (replayable) tracker.bytesTotal = (bytes as Uint8Array).byteLength;
  tracker.filesTotal = 1;
  const attempt = async (): Promise<ObjectInfo> => {
    const start = tracker.bytesDone;
    const source = replayable
      ? Readable.from([Buffer.from(bytes as Uint8Array)])
      : params.data instanceof Readable
        ? params.data
        : Readable.from(params.data as AsyncIterable<Uint8Array | string>);
    try {
      const info = await backend.write(loc, source, {
        contentType: params.contentType,
        size: replayable ? (bytes as Uint8Array).byteLength : undefined,
        signal: params.signal,
        onBytes: (n) => {
          tracker.bytesDone += n;
          tracker.report(loc.uri);
        },
      });
      tracker.filesDone = 1;
      tracker.report(loc.uri);
      return info;
    } catch (error) {
      tracker.bytesDone = start;
      throw error;
    }
  };
  if (!replayable) return attempt();
  return withRetry(storage.retry, 'write', loc.uri, attempt, params.signal);
}

/** Write text (UTF-8) to an object or file, atomically. */
export async function writeText(params: Omit<WriteParams, 'data'> & { text: string }): Promise<ObjectInfo> {
  const { text, ...rest } = params;
  if (typeof text !== 'string') {
    throw new StorageError('INVALID_ARGUMENT', `writeText: text must be a string, got ${typeof text}`, {
      operation: 'write',
    });
  }
  return write({ ...rest, data: text, contentType: params.contentType ?? 'text/plain; charset=utf-8' });
}

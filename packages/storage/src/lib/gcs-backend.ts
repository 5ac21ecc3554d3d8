import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { File, Storage as GcsClient, StorageOptions as GcsClientOptions } from '@google-cloud/storage';
import type { Backend, BackendListOptions, BackendWriteOptions, ListEntry, ObjectInfo } from './backend.js';
import { HashingStream, readHashed, registerCrc32c, verify } from './checksum.js';
import { StorageError, toStorageError } from './errors.js';
import type { GcsLocation, Location } from './location.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { downloadMedia, uploadMedia, type ObjectResource } from './gcs-media.js';

/** Uploads up to this size go in one request; larger or unknown sizes use a resumable session. */
const SIMPLE_UPLOAD_LIMIT = 8 * 1024 * 1024;

/** @internal How to build the Cloud Storage client. */
export interface GcsBackendOptions {
  projectId?: string | undefined;
  keyFilename?: string | undefined;
  credentials?: GcsClientOptions['credentials'];
  apiEndpoint?: string | undefined;
  retry: RetryPolicy;
  /** A ready client (tests, or callers that share one). */
  client?: GcsClient | undefined;
}

function asGcs(location: Location): GcsLocation {
  if (location.scheme !== 'gs') throw new Error(`gs backend given ${location.uri}`);
  return location;
}

function gcsLocation(bucket: string, key: string): GcsLocation {
  return { scheme: 'gs', bucket, key, uri: `gs://${bucket}/${key}` };
}

function infoOf(bucket: string, metadata: File['metadata']): ObjectInfo {
  return {
    location: gcsLocation(bucket, metadata.name ?? ''),
    size: Number(metadata.size ?? 0),
    md5: metadata.md5Hash ?? undefined,
    crc32c: metadata.crc32c ?? undefined,
    updated: metadata.updated ? new Date(metadata.updated) : undefined,
    contentType: metadata.contentType ?? undefined,
    generation: metadata.generation === undefined ? undefined : String(metadata.generation),
  };
}

/** @internal Cloud Storage backend over `@google-cloud/storage`, imported on first use only. */
export function createGcsBackend(options: GcsBackendOptions): Backend {
  let clientPromise: Promise<GcsClient> | undefined;

  function client(): Promise<GcsClient> {
    clientPromise ??= (async () => {
      const mod = await import('@google-cloud/storage');
      registerCrc32c(() => new mod.CRC32C());
      if (options.client) return options.client;
      return new mod.Storage({
        ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
        ...(options.keyFilename === undefined ? {} : { keyFilename: options.keyFilename }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
        // Every retry is ours (withRetry), with one policy: the client's own retries of streamed
        // downloads crash on Node 24 (teeny-request pipes into a stream it destroyed), a plain
        // save() switches them off for the whole client, and uploads are only retried with
        // preconditions. Metadata calls are retried below; transfers one level up, from the start.
        retryOptions: { autoRetry: false, maxRetries: 0 },
      });
    })();
    return clientPromise;
  }

  /**
   * The location as an object name. Checked without building a File: measured reason, a File (with
   * its Acl and ServiceObject closures) per transfer was about 2% of the client's CPU in a profile of
   * 1,000 x 4 KiB uploads, for an object the media path never used.
   */
  function objectLoc(location: Location): GcsLocation {
    const loc = asGcs(location);
    if (loc.key === '' || loc.key.endsWith('/')) {
      throw new StorageError('INVALID_ARGUMENT', `${loc.uri} names a prefix, not an object; add a file name`, {
        location: loc.uri,
      });
    }
    return loc;
  }

  async function file(location: Location, generation?: string): Promise<File> {
    const loc = objectLoc(location);
    const c = await client();
    return c.bucket(loc.bucket).file(loc.key, generation === undefined ? {} : { generation: Number(generation) });
  }

  async function writeSimple(loc: GcsLocation, source: Readable, opts: BackendWriteOptions): Promise<ObjectInfo> {
    let read;
    try {
      read = await readHashed(opts.signal ? addAbortSignal(opts.signal, source) : source, { onBytes: opts.onBytes });
    } catch (error) {
      source.destroy();
      throw toStorageError(error, 'write', loc.uri);
    }
    const seen = { size: read.size, md5: read.md5 };
    // Checked before sending: bytes that differ from what the caller expected never reach the bucket.
    if (opts.expected) verify(seen, opts.expected, loc.uri, 'upload');
    let resource: ObjectResource;
    try {
      resource = await uploadMedia(await client(), loc.bucket, loc.key, read.data, {
        md5: seen.md5,
        contentType: opts.contentType,
        signal: opts.signal,
      });
    } catch (error) {
      throw toStorageError(error, 'write', loc.uri);
    }
    const info = infoOf(loc.bucket, resource as File['metadata']);
    try {
      verify(seen, { size: info.size, md5: info.md5 }, loc.uri, 'upload');
    } catch (error) {
      await (await file(loc)).delete({ ignoreNotFound: true }).catch(() => undefined);
      throw error;
    }
    return info;
  }

  return {
    async stat(location) {
      const loc = asGcs(location);
      return withRetry(options.retry, 'stat', loc.uri, async () => {
        try {
          const [metadata] = await (await file(loc)).getMetadata();
          return infoOf(loc.bucket, metadata);
        } catch (error) {
          throw toStorageError(error, 'stat', loc.uri);
        }
      });
    },

    async *list(prefix: Location, opts: BackendListOptions): AsyncGenerator<ListEntry> {
      const loc = asGcs(prefix);
      const bucket = (await client()).bucket(loc.bucket);
      let pageToken: string | undefined;
      do {
        opts.signal?.throwIfAborted();
        const token = pageToken;
        const page = await withRetry(
          options.retry,
          'list',
          loc.uri,
          () =>
            bucket.getFiles({
              prefix: loc.key,
              autoPaginate: false,
              ...(opts.recursive ? {} : { delimiter: '/' }),
              ...(opts.pageSize === undefined ? {} : { maxResults: opts.pageSize }),
              ...(token === undefined ? {} : { pageToken: token }),
            }),
          opts.signal,
        );
        const [files, nextQuery, response] = page as unknown as [
          File[],
          { pageToken?: string } | null,
          { prefixes?: string[] } | undefined,
        ];
        for (const p of response?.prefixes ?? []) yield { type: 'prefix', location: gcsLocation(loc.bucket, p) };
        for (const f of files) {
          // Zero-byte "folder" placeholders made by the console are not files.
          if (f.name.endsWith('/') && Number(f.metadata.size ?? 0) === 0) continue;
          yield { type: 'file', ...infoOf(loc.bucket, f.metadata) };
        }
        pageToken = nextQuery?.pageToken ?? undefined;
      } while (pageToken);
    },

    async openRead(location, { start, end, generation }) {
      const loc = objectLoc(location);
      try {
        return await downloadMedia(await client(), loc.bucket, loc.key, { start, end, generation });
      } catch (error) {
        throw toStorageError(error, 'read', loc.uri);
      }
    },

    async write(location, source: Readable, opts: BackendWriteOptions) {
      const loc = objectLoc(location);
      if (opts.size !== undefined && opts.size <= SIMPLE_UPLOAD_LIMIT) return writeSimple(loc, source, opts);
      const f = await file(loc);
      const hash = new HashingStream({ onBytes: opts.onBytes });
      try {
        await pipeline(
          source,
          hash,
          f.createWriteStream({
            resumable: true,
            validation: false,
            ...(opts.contentType === undefined ? {} : { contentType: opts.contentType }),
          }),
          { signal: opts.signal },
        );
      } catch (error) {
        throw toStorageError(error, 'write', loc.uri);
      }
      const info = infoOf(loc.bucket, f.metadata);
      const seen = { size: hash.bytes, md5: hash.md5() };
      try {
        // What we sent must be what the server stored, and what the caller expected to send.
        verify(seen, { size: info.size, md5: info.md5 }, loc.uri, 'upload');
        if (opts.expected) verify(seen, opts.expected, loc.uri, 'upload');
      } catch (error) {
        await f.delete({ ignoreNotFound: true }).catch(() => undefined);
        throw error;
      }
      return info;
    },

    async delete(location, { ignoreNotFound }) {
      const loc = asGcs(location);
      const f = await file(loc);
      // A retry after a delete that succeeded but whose answer was lost sees 404: that is success.
      await withRetry(options.retry, 'delete', loc.uri, (attempt) => f.delete({ ignoreNotFound: ignoreNotFound || attempt > 1 }));
    },

    async copyWithin(from, to) {
      const src = asGcs(from);
      const dst = asGcs(to);
      const [source, target] = [await file(src), await file(dst)];
      return withRetry(options.retry, 'copy', `${src.uri} -> ${dst.uri}`, async () => {
        const [copied] = await source.copy(target);
        const [metadata] = await copied.getMetadata();
        return infoOf(dst.bucket, metadata);
      });
    },
  };
}

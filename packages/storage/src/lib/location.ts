import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StorageError } from './errors.js';

/** A Cloud Storage object or prefix: `gs://bucket/key`. */
export interface GcsLocation {
  readonly scheme: 'gs';
  readonly bucket: string;
  /** Object name or prefix inside the bucket, without a leading slash; `''` is the whole bucket. */
  readonly key: string;
  /** Canonical form: `gs://bucket/key`. */
  readonly uri: string;
}

/** A file or directory on the local file system. */
export interface LocalLocation {
  readonly scheme: 'file';
  /** Absolute path. */
  readonly path: string;
  /** Canonical form: the absolute path. */
  readonly uri: string;
}

/** Where data lives: a Cloud Storage location or a local path. */
export type Location = GcsLocation | LocalLocation;

/** Anything the API accepts as a location: a string URI or path, or a parsed {@link Location}. */
export type LocationLike = string | Location;

/** Where Vertex AI training jobs mount Cloud Storage buckets (Cloud Storage FUSE). */
export const GCS_FUSE_ROOT = '/gcs/';

// https://cloud.google.com/storage/docs/buckets#naming (dotted names may be up to 222 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function checkBucket(bucket: string, input: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new StorageError(
      'INVALID_URI',
      `"${input}": "${bucket}" is not a valid bucket name; bucket names are 3-63 lowercase letters, digits, "-", "_" or "." and start and end with a letter or digit`,
      { location: input, operation: 'parse' },
    );
  }
}

function gcs(bucket: string, key: string, input: string): GcsLocation {
  checkBucket(bucket, input);
  if (key.includes('\n') || key.includes('\r')) {
    throw new StorageError('INVALID_URI', `"${input}": object names cannot contain line breaks`, {
      location: input,
      operation: 'parse',
    });
  }
  return { scheme: 'gs', bucket, key, uri: key === '' ? `gs://${bucket}/` : `gs://${bucket}/${key}` };
}

function local(p: string): LocalLocation {
  const abs = path.resolve(p);
  return { scheme: 'file', path: abs, uri: abs };
}

/**
 * Parse `gs://bucket/key`, `file:///abs/path`, a plain (absolute or relative) path, or a path under the
 * Vertex AI bucket mount `/gcs/<bucket>/<key>` (read as `gs://<bucket>/<key>`, so it works the same
 * inside and outside a training job, with checksums, without the FUSE layer).
 *
 * @throws {@link StorageError} `INVALID_URI` for other schemes and malformed bucket names.
 */
export function parseLocation(input: LocationLike): Location {
  if (typeof input !== 'string') return input;
  if (input.trim() === '') {
    throw new StorageError('INVALID_URI', 'location is empty; pass gs://bucket/path, file:///path or a local path', {
      operation: 'parse',
    });
  }
  if (input.startsWith('gs://')) {
    const rest = input.slice('gs://'.length);
    const slash = rest.indexOf('/');
    return slash === -1 ? gcs(rest, '', input) : gcs(rest.slice(0, slash), rest.slice(slash + 1), input);
  }
  if (input.startsWith('file://')) {
    try {
      return local(fileURLToPath(input));
    } catch (cause) {
      throw new StorageError('INVALID_URI', `"${input}" is not a valid file URL; use file:///absolute/path`, {
        location: input,
        operation: 'parse',
        cause,
      });
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  if (scheme) {
    throw new StorageError(
      'INVALID_URI',
      `"${input}": the ${scheme[1]}:// scheme is not supported; use gs://bucket/path, file:///path or a local path`,
      { location: input, operation: 'parse' },
    );
  }
  if (input.startsWith(GCS_FUSE_ROOT)) {
    const rest = input.slice(GCS_FUSE_ROOT.length);
    const slash = rest.indexOf('/');
    return slash === -1 ? gcs(rest, '', input) : gcs(rest.slice(0, slash), rest.slice(slash + 1), input);
  }
  return local(input);
}

/** The `/gcs/<bucket>/<key>` path under which a Vertex AI training job sees a `gs://` location. */
export function toFusePath(location: LocationLike): string {
  const loc = parseLocation(location);
  if (loc.scheme !== 'gs') return loc.path;
  return `${GCS_FUSE_ROOT}${loc.bucket}/${loc.key}`;
}

/** A `file://` URL for local locations, the `gs://` URI otherwise. */
export function toUri(location: LocationLike): string {
  const loc = parseLocation(location);
  return loc.scheme === 'gs' ? loc.uri : pathToFileURL(loc.path).href;
}

/** Append a relative, `/`-separated path to a location treated as a directory. */
export function joinLocation(base: LocationLike, relative: string): Location {
  const loc = parseLocation(base);
  const rel = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (rel.includes('..')) {
    throw new StorageError('INVALID_ARGUMENT', `"${relative}" leaves the directory ${loc.uri}; ".." is not allowed`, {
      location: loc.uri,
      operation: 'join',
    });
  }
  if (loc.scheme === 'file') return local(path.join(loc.path, ...rel));
  const dir = asDirectoryKey(loc.key);
  return gcs(loc.bucket, dir + rel.join('/'), loc.uri);
}

/** The key with a trailing `/`, unless it is the bucket root. */
export function asDirectoryKey(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** The last path segment of a location (its file name). */
export function baseName(location: Location): string {
  if (location.scheme === 'file') return path.basename(location.path);
  const parts = location.key.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/** The location as a directory: a `gs://` key gets its trailing `/` (so `data` does not match `data2/`). */
export function asDirectory(location: LocationLike): Location {
  const loc = parseLocation(location);
  if (loc.scheme === 'file') return loc;
  const key = asDirectoryKey(loc.key);
  return { scheme: 'gs', bucket: loc.bucket, key, uri: `gs://${loc.bucket}/${key}` };
}

/** The `/`-separated path of `entry` below the directory `root` (both of the same scheme). */
export function relativeName(root: Location, entry: Location): string {
  if (root.scheme === 'file' && entry.scheme === 'file') return path.relative(root.path, entry.path).split(path.sep).join('/');
  if (root.scheme === 'gs' && entry.scheme === 'gs') return entry.key.slice(asDirectoryKey(root.key).length);
  throw new Error(`${entry.uri} is not below ${root.uri}`);
}

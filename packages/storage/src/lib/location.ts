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

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URI typed almost right: why it is refused, what was probably meant, and whether a local path looks the same. */
interface NearMiss {
  readonly why: string;
  readonly meant: string;
  readonly couldBeLocal?: boolean;
}

/**
 * Without this check `gs:/bucket/x` (one slash) would be the relative path `./gs:/bucket/x` and fail
 * later with NOT_FOUND on a folder nobody meant. The spellings accepted are exactly those Vertex AI and
 * `@vertexkit/jobs` accept (`gs://`, lowercase), so a string that works here works there too.
 */
function nearMiss(input: string): NearMiss | undefined {
  // Pasted with the quotes or a space of a shell line or a config file.
  const wrapped = /^[\s'"`]+(?=[a-z][a-z0-9+.-]*:)/i.exec(input);
  if (wrapped) {
    const bare = input.slice(wrapped[0].length).replace(/[\s'"`]+$/, '');
    return { why: 'starts with a space or a quote', meant: nearMiss(bare)?.meant ?? bare };
  }
  // gs:/b, gs:b, gs:///b, gs//b, gs:\b, GS://b, gcs://b. One slash and no colon (gs/b) is a plain
  // relative path, and stays one.
  const gs = /^(gs|gcs)([:/\\]+)(.*)$/is.exec(input);
  if (gs) {
    const [, scheme = '', separator = '', rest = ''] = gs;
    if (scheme === 'gs' && separator === '://') return undefined;
    if (!separator.includes(':') && separator.length < 2) return undefined;
    const object = rest.replace(/\\/g, '/');
    return {
      why: 'is not a Cloud Storage URI, which starts with gs:// (lowercase, two slashes)',
      meant: object === '' ? 'gs://bucket/path' : `gs://${object}`,
      couldBeLocal: !input.includes('://'),
    };
  }
  const file = /^file:\/*(.*)$/is.exec(input);
  if (file && !input.startsWith('file://')) {
    return {
      why: 'is not a file URL, which starts with file:/// (lowercase) and an absolute path',
      meant: `file:///${file[1] ?? ''}`,
      couldBeLocal: !input.includes('://'),
    };
  }
  // The HTTPS URL of an object: path style (also the console's authenticated URL) or virtual-hosted
  // style. JSON API URLs (storage/v1/b/...) have no obvious gs:// form: they get the plain "not supported".
  const pathStyle = /^https?:\/\/storage\.(?:googleapis\.com|cloud\.google\.com)\/(?!(?:storage|download|upload)\/)([^?#]+)/i.exec(input);
  const hostStyle = /^https?:\/\/([a-z0-9][a-z0-9._-]*[a-z0-9])\.storage\.googleapis\.com\/([^?#]*)/i.exec(input);
  const object = pathStyle ? pathStyle[1] : hostStyle ? `${hostStyle[1]}/${hostStyle[2]}` : undefined;
  if (object !== undefined) {
    const scheme = /^https:/i.test(input) ? 'https' : 'http';
    return {
      why: `is the ${scheme}:// URL of a Cloud Storage object, and the ${scheme}:// scheme is not supported here`,
      meant: `gs://${decoded(object)}`,
    };
  }
  return undefined;
}

/**
 * Parse `gs://bucket/key`, `file:///abs/path`, a plain (absolute or relative) path, or a path under the
 * Vertex AI bucket mount `/gcs/<bucket>/<key>` (read as `gs://<bucket>/<key>`, so it works the same
 * inside and outside a training job, with checksums, without the FUSE layer).
 *
 * Near-misses of a URI are refused rather than read as local paths: `gs:/b/x`, `gs:b/x`, `gs:///b/x`,
 * `gs//b/x`, `GS://b/x`, `gcs://b/x`, `file:/x`, an object's `https://storage.googleapis.com/...` URL, or a
 * URI with a leading space or quote. Write `./gs:/x` to mean a local path of such a name.
 *
 * @throws {@link StorageError} `INVALID_URI` for other schemes, near-misses (with "did you mean ...?")
 * and malformed bucket names.
 */
export function parseLocation(input: LocationLike): Location {
  if (typeof input !== 'string') return input;
  if (input.trim() === '') {
    throw new StorageError('INVALID_URI', 'location is empty; pass gs://bucket/path, file:///path or a local path', {
      operation: 'parse',
    });
  }
  const miss = nearMiss(input);
  if (miss) {
    const local = miss.couldBeLocal ? ` (for a local path of that name, write ${JSON.stringify(`./${input}`)})` : '';
    throw new StorageError('INVALID_URI', `${JSON.stringify(input)} ${miss.why}; did you mean ${JSON.stringify(miss.meant)}?${local}`, {
      location: input,
      operation: 'parse',
    });
  }
  if (input === 'gs://') {
    throw new StorageError('INVALID_URI', '"gs://" names no bucket; pass gs://bucket/path', { location: input, operation: 'parse' });
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

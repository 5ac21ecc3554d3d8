// Media requests (downloads, single-request uploads) sent with node:http / node:https instead of
// through @google-cloud/storage. Measured reasons: on Node 24 the client's request stack
// (teeny-request, node-fetch 3, retry-request, duplexify) costs about 6 ms of CPU per small request,
// which made a 1,000-file sync CPU-bound at ~160 files/s here; it also warns MaxListenersExceeded on
// every streamed download (googleapis/google-cloud-node#9185) and throws an uncaught
// ERR_STREAM_UNABLE_TO_PIPE when it retries one. Not fetch() either: undici's fetch (Request,
// Headers, web streams, an AbortController per request, and a web-to-Node stream bridge for every
// download) was the largest single cost left in a CPU profile of 1,000 x 4 KiB uploadDirectory /
// downloadDirectory against the emulator (about a third of the client's CPU), where a keep-alive
// node:http Agent used under half the CPU (bench/storage, "emulator ceiling"). Metadata calls and
// resumable uploads still go through the official client, which also supplies the endpoint and the
// credentials used here.
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Storage as GcsClient } from '@google-cloud/storage';

/** What a failed media request throws: shaped like the client's ApiError, so toStorageError maps it. */
export class MediaRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface ClientInternals {
  apiEndpoint: string;
  customEndpoint?: boolean;
  useAuthWithCustomEndpoint?: boolean;
  authClient: { getRequestHeaders(url?: string): Promise<Headers | Record<string, string>> };
}

/** Per client: where media requests go, and one keep-alive agent reused across them. */
interface Target {
  base: URL;
  /** Path prefix of the endpoint (usually empty), without a trailing slash. */
  basePath: string;
  request: typeof http.request;
  agent: http.Agent;
  auth: boolean;
}

const targets = new WeakMap<GcsClient, Target>();

function targetOf(client: GcsClient): Target {
  let t = targets.get(client);
  if (t) return t;
  const c = client as unknown as ClientInternals;
  const base = new URL(c.apiEndpoint);
  const secure = base.protocol === 'https:';
  t = {
    base,
    basePath: base.pathname.replace(/\/+$/, ''),
    request: secure ? https.request : http.request,
    agent: secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true }),
    // The client skips auth for a custom endpoint (an emulator) unless told otherwise; so do we.
    auth: !(c.customEndpoint && !c.useAuthWithCustomEndpoint),
  };
  targets.set(client, t);
  return t;
}

async function headersFor(client: GcsClient, t: Target, url: string): Promise<Record<string, string>> {
  if (!t.auth) return {};
  // google-auth-library caches the token and refreshes it near expiry; this only builds the header.
  const headers = await (client as unknown as ClientInternals).authClient.getRequestHeaders(url);
  return headers instanceof Headers ? Object.fromEntries(headers.entries()) : { ...headers };
}

/** Send one request; resolves with the response (any status) once its headers arrive. */
function send(
  t: Target,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = t.request(
      {
        protocol: t.base.protocol,
        hostname: t.base.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: t.base.port,
        method,
        path: t.basePath + path,
        headers,
        agent: t.agent,
        ...(signal ? { signal } : {}),
      },
      resolve,
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

async function failure(res: IncomingMessage, what: string): Promise<MediaRequestError> {
  const text = await readAll(res).then(
    (b) => b.toString('utf8'),
    () => '',
  );
  let message = text || res.statusMessage || '';
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) message = parsed.error.message;
  } catch {
    // not JSON: keep the text
  }
  const status = res.statusCode ?? 0;
  return new MediaRequestError(status, `${what}: HTTP ${status}: ${message}`);
}

/** Object metadata as the JSON API returns it. */
export interface ObjectResource {
  name: string;
  bucket: string;
  size?: string;
  md5Hash?: string;
  crc32c?: string;
  updated?: string;
  contentType?: string;
  generation?: string;
}

/**
 * GET an object's bytes (optionally a range, optionally a pinned generation) as a Node stream. A
 * connection that drops mid-body errors the stream (ECONNRESET, "aborted"), which callers retry.
 */
export async function downloadMedia(
  client: GcsClient,
  bucket: string,
  key: string,
  options: { start?: number | undefined; end?: number | undefined; generation?: string | undefined; signal?: AbortSignal | undefined },
): Promise<Readable> {
  const t = targetOf(client);
  let path = `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}?alt=media`;
  if (options.generation !== undefined) path += `&generation=${encodeURIComponent(options.generation)}`;
  const headers: Record<string, string> = { ...(await headersFor(client, t, t.base.origin + t.basePath + path)), 'accept-encoding': 'identity' };
  if (options.start !== undefined || options.end !== undefined) {
    headers.range = `bytes=${options.start ?? 0}-${options.end ?? ''}`;
  }
  const res = await send(t, 'GET', path, headers, undefined, options.signal);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) throw await failure(res, `GET gs://${bucket}/${key}`);
  return res;
}

// Multipart boundaries: random per process, unique per request by a counter. Measured reason: 12
// random bytes per upload (randomFillSync) were 0.5% of the client's CPU in the small-file profile.
const boundaryPrefix = `vertexkit-${randomBytes(12).toString('hex')}-`;
let boundaryCount = 0;

/**
 * Upload bytes in one multipart request. The MD5 goes in the metadata, so Cloud Storage itself rejects
 * the upload if the bytes it received differ (and nothing is created).
 */
export async function uploadMedia(
  client: GcsClient,
  bucket: string,
  key: string,
  body: Buffer,
  options: { md5: string; contentType?: string | undefined; signal?: AbortSignal | undefined },
): Promise<ObjectResource> {
  const t = targetOf(client);
  const path = `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=multipart`;
  const boundary = boundaryPrefix + (boundaryCount++).toString(36);
  const contentType = options.contentType ?? 'application/octet-stream';
  const metadata = JSON.stringify({ name: key, md5Hash: options.md5, contentType });
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${metadata}\r\n--${boundary}\r\ncontent-type: ${contentType}\r\n\r\n`),
    body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const headers = {
    ...(await headersFor(client, t, t.base.origin + t.basePath + path)),
    'content-type': `multipart/related; boundary=${boundary}`,
    'content-length': payload.length,
  };
  const res = await send(t, 'POST', path, headers, payload, options.signal);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) throw await failure(res, `upload gs://${bucket}/${key}`);
  return JSON.parse((await readAll(res)).toString('utf8')) as ObjectResource;
}

import path from 'node:path';
import { md5OfFile } from './checksum.js';
import { StorageError } from './errors.js';
import { joinLocation, type LocationLike } from './location.js';
import type { ProgressCallback } from './progress.js';
import { resolveParam, type CallOptions } from './storage.js';
import { syncDirectory, type SyncResult } from './sync-directory.js';
import { write } from './write.js';
import { localBackend } from './local-backend.js';

/** The `manifest.json` written beside published artifacts. */
export interface ArtifactManifest {
  /** Format version of this file. */
  readonly version: 1;
  /** When the upload finished (ISO 8601). */
  readonly createdAt: string;
  /** Every file, `/`-separated path relative to the folder, sorted by path. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly md5: string }>;
  /** Sum of the file sizes. */
  readonly totalBytes: number;
}

/** Parameters of {@link publishArtifacts}. */
export interface PublishArtifactsParams extends CallOptions {
  /** Local folder with the artifacts (e.g. a trained model directory). */
  from: string;
  /** Destination directory or prefix, e.g. `$AIP_MODEL_DIR` or `gs://my-bucket/models/v1/`. */
  to: LocationLike;
  /** Name of the manifest file written into `to` (default `manifest.json`). */
  manifestName?: string;
  /** Files uploaded at once. */
  concurrency?: number;
  /** Bytes and files done so far. */
  onProgress?: ProgressCallback;
}

/** What {@link publishArtifacts} did. */
export interface PublishArtifactsResult extends SyncResult {
  /** The manifest as written. */
  readonly manifest: ArtifactManifest;
  /** Where the manifest was written. */
  readonly manifestUri: string;
}

/**
 * Artifact egress: upload a folder (skipping files already there and identical) and then write a
 * `manifest.json` listing every file with its size and MD5 (base64, as Cloud Storage reports it).
 * The manifest is written last, so its presence means the upload is complete.
 *
 * @example
 * ```ts
 * const { manifest } = await publishArtifacts({ from: './model', to: process.env.AIP_MODEL_DIR ?? './out/model' });
 * console.log(`${manifest.files.length} files, ${manifest.totalBytes} bytes`);
 * ```
 */
export async function publishArtifacts(params: PublishArtifactsParams): Promise<PublishArtifactsResult> {
  const from = path.resolve(params.from);
  const manifestName = params.manifestName ?? 'manifest.json';
  const files: { path: string; size: number; md5: string }[] = [];
  for await (const entry of localBackend.list({ scheme: 'file', path: from, uri: from }, { recursive: true })) {
    if (entry.type !== 'file' || entry.location.scheme !== 'file') continue;
    const rel = path.relative(from, entry.location.path).split(path.sep).join('/');
    if (rel === manifestName) continue;
    files.push({ path: rel, size: entry.size, md5: await md5OfFile(entry.location.path) });
  }
  if (files.length === 0) {
    throw new StorageError('NOT_FOUND', `publishArtifacts: ${from} has no files to publish; check the folder the job wrote its outputs to`, {
      location: from,
      operation: 'publishArtifacts',
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const result = await syncDirectory({
    from,
    to: params.to,
    exclude: manifestName,
    storage: params.storage,
    signal: params.signal,
    ...(params.concurrency === undefined ? {} : { concurrency: params.concurrency }),
    ...(params.onProgress === undefined ? {} : { onProgress: params.onProgress }),
  });
  const manifest: ArtifactManifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    files,
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
  };
  const target = joinLocation(resolveParam(params, 'to').loc, manifestName);
  await write({
    to: target,
    data: `${JSON.stringify(manifest, null, 2)}\n`,
    contentType: 'application/json',
    storage: params.storage,
    signal: params.signal,
  });
  return { ...result, manifest, manifestUri: target.uri };
}

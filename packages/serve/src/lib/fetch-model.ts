import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { downloadDirectory, parseLocation, StorageError, type ProgressCallback, type Storage } from '@vertexkit/storage';

/** Parameters of {@link fetchModel}. */
export interface FetchModelParams {
  /**
   * Where the model directory is: a local path, `file://` URL, `gs://bucket/prefix/`, or the
   * `/gcs/bucket/prefix/` mount path. On Vertex AI this is `AIP_STORAGE_URI`.
   */
  uri: string;
  /** Where `gs://` models are downloaded (default: `$TMPDIR/vertexkit-models`). */
  cacheDir?: string;
  /** Storage handle (credentials, retries) from `@vertexkit/storage`. */
  storage?: Storage;
  /** Download progress, e.g. for a log line per file. */
  onProgress?: ProgressCallback;
}

/**
 * Make a model directory available locally, once, at start-up: a local directory is used where it is;
 * a `gs://` one is synced into a cache folder (verified, and files already there and identical are not
 * downloaded again, which shortens restarts on a persistent disk). Returns the local directory.
 */
export async function fetchModel(params: FetchModelParams): Promise<string> {
  const location = parseLocation(params.uri);
  if (location.scheme === 'file') {
    const stats = await fs.stat(location.path).catch(() => undefined);
    if (!stats?.isDirectory()) {
      // A relative path is resolved against this process's working directory: say where that led.
      const shown = location.path === params.uri ? location.path : `${params.uri} (${location.path})`;
      const what = stats ? 'is not a directory' : 'does not exist';
      throw new Error(`model: ${shown} ${what}; point MODEL_URI (or AIP_STORAGE_URI) at the folder holding model.onnx`);
    }
    return location.path;
  }
  const cacheRoot = params.cacheDir ?? path.join(os.tmpdir(), 'vertexkit-models');
  const target = path.join(cacheRoot, createHash('sha256').update(location.uri).digest('hex').slice(0, 16));
  const result = await downloadDirectory({
    from: location.uri,
    to: target,
    deleteExtras: true,
    ...(params.storage ? { storage: params.storage } : {}),
    ...(params.onProgress ? { onProgress: params.onProgress } : {}),
  }).catch((error: unknown) => {
    // An empty or missing prefix: say what belongs there, not only that nothing is.
    if (StorageError.isInstance(error) && error.code === 'NOT_FOUND') {
      throw new Error(`model: ${location.uri} holds no files; upload the model directory (model.onnx, tokenizer.json, config.json) there`, { cause: error });
    }
    throw error;
  });
  if (result.transferred.length + result.skipped.length === 0) {
    throw new Error(`model: ${location.uri} holds no files; upload the model directory (model.onnx, tokenizer.json, config.json) there`);
  }
  return target;
}

/** Options for {@link startGcsEmulator}. */
export interface GcsEmulatorOptions {
  /** Port to listen on. `0` or unset picks a free port. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
}

/** A running Cloud Storage emulator (firebase-tools' storage emulator in a child process). */
export interface GcsEmulator {
  /** The host it listens on, as given (default `127.0.0.1`). */
  host: string;
  /** The port it listens on. */
  port: number;
  /**
   * Base URL, e.g. `http://127.0.0.1:9199`. Set `STORAGE_EMULATOR_HOST` to this for
   * `@google-cloud/storage` (its `apiEndpoint` option alone is not enough).
   */
  url: string;
  /** Deletes every object and bucket and drops unfinished resumable uploads (`POST /internal/reset`). */
  reset(): Promise<void>;
  /**
   * Creates a bucket (`POST /b`, like `storage.createBucket(name)`); an existing one is fine.
   * Optional: any request under `/b/<name>/` (an upload, a list) also creates the bucket.
   */
  createBucket(name: string): Promise<void>;
  /** Stops the child process and deletes its temp dir. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts the Cloud Storage emulator. Installs `tools/gcs-emulator`'s dependencies on first use
 * (see ensure.mjs). Needs no Java, network, login or firebase.json.
 */
export function startGcsEmulator(opts?: GcsEmulatorOptions): Promise<GcsEmulator>;

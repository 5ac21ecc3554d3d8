const MARKER = Symbol.for('vertexkit.serve.ModelDirectoryError');

/**
 * A model directory that cannot be served: a file is missing or malformed. The message names the file, what is
 * wrong and the fix, e.g. `config.json: id2label is missing; add {"id2label": {"0": "ham", "1": "spam"}}`.
 * Thrown while loading, so a bad deployment fails at start (and its health route never turns ready) rather
 * than on the first request.
 */
export class ModelDirectoryError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'ModelDirectoryError';
  /** The file within the directory the problem is in, e.g. `config.json` (the directory's path when it is missing). */
  readonly file: string;
  /** The full path of that file, for logs when the directory is a downloaded copy of a bucket. */
  readonly path: string;

  /**
   * @param file - the file name within the directory, e.g. `config.json`
   * @param path - the file's full path
   * @param message - what is wrong and the fix, e.g. `id2label is missing; add {...}`
   */
  constructor(file: string, path: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.file = file;
    this.path = path;
  }

  /** True for a `ModelDirectoryError` from any copy of this package. */
  static isInstance(error: unknown): error is ModelDirectoryError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

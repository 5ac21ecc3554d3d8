/** What went wrong, for code that reacts to an error rather than printing it. */
export type CreateVertexkitErrorCode =
  /** `template` is not one of the templates; the message lists them. */
  | 'UNKNOWN_TEMPLATE'
  /** The package name (given, or taken from the folder's name) is not a valid npm package name; the message says why. */
  | 'INVALID_NAME'
  /** The target folder has files in it and `force` was not set. */
  | 'DIRECTORY_NOT_EMPTY'
  /** The target path exists and is not a folder. */
  | 'NOT_A_DIRECTORY'
  /** Another option is malformed (a Google Cloud project ID, a region) or a command-line flag is wrong. */
  | 'INVALID_OPTIONS'
  /** The package's own templates/ folder is missing or broken: a packaging problem, not the caller's. */
  | 'TEMPLATES_MISSING';

const MARKER = Symbol.for('create-vertexkit.CreateVertexkitError');

/** The one error type of `create-vertexkit`: its message names the option or flag, the value and the fix. */
export class CreateVertexkitError extends Error {
  override readonly name = 'CreateVertexkitError';
  readonly code: CreateVertexkitErrorCode;
  /** The option the error is about (`template`, `name`, `dir`, `project`, `region`), when there is one. */
  readonly option: string | undefined;
  readonly [MARKER] = true;

  constructor(code: CreateVertexkitErrorCode, message: string, options: { option?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.option = options.option;
  }

  /** True for a CreateVertexkitError, also one thrown by another copy of this package in node_modules. */
  static isInstance(error: unknown): error is CreateVertexkitError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

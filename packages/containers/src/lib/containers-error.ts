/** What went wrong, for code that reacts to an error rather than printing it. */
export type ContainersErrorCode =
  /** An option is missing, malformed or out of range; `issues` names each field and its fix. */
  | 'INVALID_OPTIONS'
  /** The requested Python, CUDA and framework versions cannot work together; the message names those that do. */
  | 'INCOMPATIBLE_VERSIONS'
  /** A rendered or hand-written file failed its static checks; `issues` lists every finding. */
  | 'CHECK_FAILED';

/** One problem: where it is and what to do. */
export interface ContainersIssue {
  /** Option path (`memory`, `model.uri`) or file location (`Dockerfile:12`). */
  path: string;
  /** What is wrong and the fix. */
  message: string;
}

export interface ContainersErrorOptions {
  cause?: unknown;
  issues?: ContainersIssue[];
}

const MARKER = Symbol.for('@vertexkit/containers.ContainersError');

/** The one error type of `@vertexkit/containers`. */
export class ContainersError extends Error {
  override readonly name = 'ContainersError';
  readonly code: ContainersErrorCode;
  readonly issues: ContainersIssue[];
  readonly [MARKER] = true;

  constructor(code: ContainersErrorCode, message: string, options: ContainersErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  /** True for a ContainersError, also one thrown by another copy of this package in node_modules. */
  static isInstance(error: unknown): error is ContainersError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Throws one INVALID_OPTIONS error listing every issue, or returns when there are none. */
export function throwIfIssues(what: string, issues: ContainersIssue[]): void {
  if (issues.length === 0) return;
  const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
  throw new ContainersError('INVALID_OPTIONS', `${what}: ${issues.length} invalid option${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`, {
    issues,
  });
}

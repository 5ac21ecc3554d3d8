/** What went wrong, for code that reacts to an error rather than printing it. */
export type TrainerErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'INVALID_OPTION'
  /** The examples cannot be trained on: none, an empty text, an unknown label, too few for a split. */
  | 'INVALID_DATA'
  /** A checkpoint or model file is not one this package wrote, or is damaged. */
  | 'INVALID_CHECKPOINT'
  /** Training was stopped through its AbortSignal. */
  | 'ABORTED';

const MARKER = Symbol.for('@vertexkit/trainer.TrainerError');

/**
 * The one error type of `@vertexkit/trainer`. Its message names the option or file, the value and the fix,
 * e.g. `learningRate: expected a number > 0, got -1; try 0.01`.
 */
export class TrainerError extends Error {
  override readonly name = 'TrainerError';
  readonly code: TrainerErrorCode;
  readonly [MARKER] = true;

  constructor(code: TrainerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** True for a TrainerError, also one thrown by another copy of this package in node_modules. */
  static isInstance(error: unknown): error is TrainerError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * A problem in the data the user pointed at: a missing column, an empty file, a row without a label.
 * The message names the file, the line and the fix; it is printed as it is, without a stack trace.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
}

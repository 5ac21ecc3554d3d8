import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue, isPlainObject } from './describe-value.js';
import { ModelDirectoryError } from './model-directory-error.js';

/**
 * A JSON object file of a model directory, parsed. Missing (unless optional), unreadable, not JSON or not an
 * object: a {@link ModelDirectoryError} naming the file and ending with `fix`.
 */
export async function readJsonObject(root: string, file: string, fix: string): Promise<Record<string, unknown>>;
export async function readJsonObject(root: string, file: string, fix: string, options: { optional: true }): Promise<Record<string, unknown> | undefined>;
export async function readJsonObject(root: string, file: string, fix: string, options?: { optional: true }): Promise<Record<string, unknown> | undefined> {
  const path = join(root, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (options?.optional) return undefined;
      throw new ModelDirectoryError(file, path, `not found in ${root}; ${fix}`);
    }
    throw new ModelDirectoryError(file, path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelDirectoryError(file, path, `not valid JSON (${(error as Error).message}); ${fix}`, { cause: error });
  }
  if (!isPlainObject(value)) {
    throw new ModelDirectoryError(file, path, `not a JSON object (got ${describeValue(value)}); ${fix}`);
  }
  return value;
}

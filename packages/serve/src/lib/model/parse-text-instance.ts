import { InvalidInputError } from '../handler.js';
import { describeValue, isPlainObject } from './describe-value.js';

/**
 * Reads one instance of a text-classification request: a string, or `{"text": string}` (the object form lets
 * Vertex batch prediction read JSONL lines). Empty strings are texts too: the model scores them like any other.
 *
 * @throws {@link InvalidInputError} at `instances[index]` for anything else
 */
export function parseTextInstance(instance: unknown, index: number): string {
  if (typeof instance === 'string') return instance;
  const path = `instances[${index}]`;
  if (isPlainObject(instance)) {
    const extra = Object.keys(instance).find((key) => key !== 'text');
    if (extra !== undefined) {
      throw new InvalidInputError(path, `unknown key ${JSON.stringify(extra)}; expected a string or {"text": string} (request options go in "parameters")`);
    }
    if (typeof instance['text'] === 'string') return instance['text'];
  }
  throw new InvalidInputError(path, `expected a string or {"text": string}, got ${describeValue(instance)}`);
}

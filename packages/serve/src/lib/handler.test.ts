import { expect, test } from 'vitest';
import { InvalidInputError } from './handler.js';

test('InvalidInputError carries the path and reads as "path: message"', () => {
  const error = new InvalidInputError('instances[3]', 'expected a string or {"text": string}, got 42');
  expect(error.path).toBe('instances[3]');
  expect(error.message).toBe('instances[3]: expected a string or {"text": string}, got 42');
  expect(InvalidInputError.isInstance(error)).toBe(true);
  expect(InvalidInputError.isInstance(new Error('instances[3]: x'))).toBe(false);
  expect(InvalidInputError.isInstance({ [Symbol.for('vertexkit.serve.InvalidInputError')]: true })).toBe(true);
});

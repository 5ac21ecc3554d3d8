import { describe, expect, test } from 'vitest';
import { StorageError, toStorageError } from './errors.js';

describe('toStorageError', () => {
  test.each([
    [{ code: 404, message: 'No such object' }, 'NOT_FOUND', false],
    [{ code: 403, message: 'denied' }, 'PERMISSION_DENIED', false],
    [{ code: 401, message: 'no' }, 'UNAUTHENTICATED', false],
    [{ code: 429, message: 'slow down' }, 'RESOURCE_EXHAUSTED', true],
    [{ code: 503, message: 'unavailable' }, 'UNAVAILABLE', true],
    [{ response: { status: 502 }, message: 'bad gateway' }, 'UNAVAILABLE', true],
    [{ code: 'ECONNRESET', message: 'read ECONNRESET' }, 'UNAVAILABLE', true],
    [{ code: 'ENOENT', message: 'no such file' }, 'NOT_FOUND', false],
    [{ code: 'EACCES', message: 'permission denied' }, 'PERMISSION_DENIED', false],
    [new Error('socket hang up'), 'UNAVAILABLE', true],
    [new Error('Could not load the default credentials.'), 'UNAUTHENTICATED', false],
    [new Error('something odd'), 'UNKNOWN', false],
  ])('%j -> %s', (cause, code, retryable) => {
    const error = toStorageError(cause, 'read', 'gs://b-1/x');
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.location).toBe('gs://b-1/x');
    expect(error.operation).toBe('read');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('read gs://b-1/x failed');
  });

  test('isInstance works across copies of the class (by marker, not prototype)', () => {
    const error = new StorageError('NOT_FOUND', 'x');
    const lookalike = Object.assign(Object.create(null) as object, { [Symbol.for('vertexkit.storage.StorageError')]: true });
    expect(StorageError.isInstance(error)).toBe(true);
    expect(StorageError.isInstance(lookalike)).toBe(true);
    expect(StorageError.isInstance(new Error('x'))).toBe(false);
    expect(StorageError.isInstance(undefined)).toBe(false);
    expect(toStorageError(error, 'other')).toBe(error);
  });
});

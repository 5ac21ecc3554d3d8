import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { StorageError } from './errors.js';
import { asDirectory, joinLocation, parseLocation, relativeName, toFusePath, toUri } from './location.js';

describe('parseLocation', () => {
  test('gs:// URIs', () => {
    expect(parseLocation('gs://my-bucket/data/train.csv')).toEqual({
      scheme: 'gs',
      bucket: 'my-bucket',
      key: 'data/train.csv',
      uri: 'gs://my-bucket/data/train.csv',
    });
    expect(parseLocation('gs://my-bucket')).toMatchObject({ bucket: 'my-bucket', key: '', uri: 'gs://my-bucket/' });
    expect(parseLocation('gs://my.dotted_bucket-1/')).toMatchObject({ bucket: 'my.dotted_bucket-1', key: '' });
  });

  test('the Vertex AI bucket mount /gcs/<bucket>/ reads as gs://', () => {
    expect(parseLocation('/gcs/my-bucket/models/v1/')).toMatchObject({
      scheme: 'gs',
      bucket: 'my-bucket',
      key: 'models/v1/',
      uri: 'gs://my-bucket/models/v1/',
    });
    expect(toFusePath('gs://my-bucket/models/v1/model.onnx')).toBe('/gcs/my-bucket/models/v1/model.onnx');
  });

  test('file:// URLs and plain paths are local and absolute', () => {
    expect(parseLocation('file:///tmp/a%20b/c.txt')).toEqual({ scheme: 'file', path: '/tmp/a b/c.txt', uri: '/tmp/a b/c.txt' });
    expect(parseLocation('data/x.csv')).toMatchObject({ scheme: 'file', path: path.resolve('data/x.csv') });
    expect(toUri('/tmp/a b')).toBe('file:///tmp/a%20b');
  });

  test.each([
    ['s3://bucket/key', /s3:\/\/ scheme is not supported/],
    ['https://storage.googleapis.com/b/o', /https:\/\/ scheme is not supported/],
    ['gs://UpperCase/x', /"UpperCase" is not a valid bucket name/],
    ['gs://ab/x', /"ab" is not a valid bucket name/],
    ['gs://-bucket/x', /not a valid bucket name/],
    ['', /location is empty/],
    ['file://host/share', /not a valid file URL/],
  ])('rejects %j', (input, message) => {
    let error: unknown;
    try {
      parseLocation(input);
    } catch (e) {
      error = e;
    }
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as StorageError).code).toBe('INVALID_URI');
    expect((error as StorageError).message).toMatch(message);
  });
});

describe('near-misses of the gs:// scheme', () => {
  function parseError(input: string): StorageError {
    try {
      parseLocation(input);
    } catch (error) {
      expect(StorageError.isInstance(error)).toBe(true);
      return error as StorageError;
    }
    throw new Error(`${JSON.stringify(input)} parsed without an error`);
  }

  // Each of these used to become a local path (./gs:/my-bucket/...) or a bare "not supported", so the
  // call failed later with NOT_FOUND on a folder nobody meant, or with no hint of the fix.
  test.each([
    ['gs:/my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gs:my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gs:///my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gs//my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gs:\\my-bucket\\data\\x.csv', 'gs://my-bucket/data/x.csv'],
    ['GS://my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['Gs://my-bucket/', 'gs://my-bucket/'],
    ['gcs://my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['GCS://my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gcs:/my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['gs:', 'gs://bucket/path'],
    [' gs://my-bucket/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['"gs://my-bucket/data/x.csv"', 'gs://my-bucket/data/x.csv'],
    ['https://storage.googleapis.com/my-bucket/data/a%20b.csv', 'gs://my-bucket/data/a b.csv'],
    ['https://storage.cloud.google.com/my-bucket/data/x.csv?authuser=1', 'gs://my-bucket/data/x.csv'],
    ['https://my-bucket.storage.googleapis.com/data/x.csv', 'gs://my-bucket/data/x.csv'],
    ['file:/tmp/data/x.csv', 'file:///tmp/data/x.csv'],
    ['FILE:///tmp/data/x.csv', 'file:///tmp/data/x.csv'],
  ])('%j is INVALID_URI: did you mean %j?', (input, suggestion) => {
    const error = parseError(input);
    expect(error.code).toBe('INVALID_URI');
    expect(error.location).toBe(input);
    expect(error.message).toContain(`${JSON.stringify(input)}`);
    expect(error.message).toContain(`did you mean ${JSON.stringify(suggestion)}?`);
  });

  test('a mistyped scheme says how to mean a local path instead', () => {
    expect(parseError('gs:/my-bucket/x').message).toContain('"./gs:/my-bucket/x"');
    expect(parseLocation('./gs:/my-bucket/x')).toMatchObject({ scheme: 'file', path: path.resolve('gs:/my-bucket/x') });
  });

  test('gs:// without a bucket', () => {
    expect(parseError('gs://').message).toBe('"gs://" names no bucket; pass gs://bucket/path');
    expect(parseError('gs:///').message).toContain('did you mean "gs://bucket/path"?');
  });

  test('local paths that merely start with gs or gcs stay local', () => {
    for (const p of ['gs', 'gs/my-bucket/x.csv', 'gcs', 'gcs/x.csv', 'gsdata/x.csv', 'gs-exports/x', 'gs.txt', 'data/gs:/x']) {
      expect(parseLocation(p), p).toMatchObject({ scheme: 'file', path: path.resolve(p) });
    }
    expect(parseLocation('/gcs/my-bucket/x')).toMatchObject({ scheme: 'gs', uri: 'gs://my-bucket/x' });
  });

  test('other schemes stay unsupported, without a guess', () => {
    const error = parseError('s3://my-bucket/x');
    expect(error.message).toMatch(/s3:\/\/ scheme is not supported/);
    expect(error.message).not.toContain('did you mean');
  });
});

describe('joinLocation and relativeName', () => {
  test('treat the base as a directory on both schemes', () => {
    expect(joinLocation('gs://b-1/data', 'a/b.csv').uri).toBe('gs://b-1/data/a/b.csv');
    expect(joinLocation('gs://b-1/data/', 'a/b.csv').uri).toBe('gs://b-1/data/a/b.csv');
    expect(joinLocation('gs://b-1', 'x').uri).toBe('gs://b-1/x');
    expect(joinLocation('/tmp/d', 'a/b.csv').uri).toBe('/tmp/d/a/b.csv');
    expect(relativeName(parseLocation('gs://b-1/data'), parseLocation('gs://b-1/data/a/b.csv'))).toBe('a/b.csv');
    expect(relativeName(parseLocation('/tmp/d'), parseLocation('/tmp/d/a/b.csv'))).toBe('a/b.csv');
    expect(asDirectory('gs://b-1/data').uri).toBe('gs://b-1/data/');
  });

  test('refuses to leave the directory', () => {
    expect(() => joinLocation('gs://b-1/data', '../secret')).toThrow(/"\.\.\/secret" leaves the directory/);
  });
});

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

// Cloud Storage URIs and image references: what passes, and the fix for what does not.
import { describe, expect, test } from 'vitest';
import { gcsUriProblem, imageUriProblem } from '../src/lib/rules/uri-rules.js';

describe('gcsUriProblem', () => {
  test.each(['gs://my-bucket', 'gs://my-bucket/', 'gs://my.bucket_1/a/b/*.jsonl'])('%s passes', (uri) => {
    expect(gcsUriProblem(uri)).toBeUndefined();
  });
  test.each([
    ['gs://My-Bucket/x', /not a bucket name/],
    ['/gcs/my-bucket/out', /the API wants gs:\/\/my-bucket\/out/],
    ['https://storage.googleapis.com/my-bucket/x', /write gs:\/\/my-bucket\/x/],
    ['gs:/my-bucket/x', /misspelt/],
    ['./data/train.jsonl', /local path/],
    ['s3://bucket/x', /expected a gs:\/\/ URI/],
  ])('%s -> %s', (uri, message) => {
    expect(gcsUriProblem(uri)).toMatch(message);
  });
});

describe('imageUriProblem', () => {
  test.each([
    'python:3.11',
    'gcr.io/my-project/trainer',
    'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-4:latest',
    'localhost:5000/trainer:Dev',
    `europe-west4-docker.pkg.dev/p/r/i@sha256:${'a'.repeat(64)}`,
  ])('%s passes for training', (uri) => {
    expect(imageUriProblem(uri, 'training')).toBeUndefined();
  });
  test.each([
    ['https://gcr.io/p/t', 'training', /drop the scheme: write "gcr.io\/p\/t"/],
    ['gcr.io/p/My-Trainer', 'training', /are lowercase/],
    ['gcr.io/p/t:bad tag', 'training', /contains spaces/],
    ['gcr.io/p/t@sha256:123', 'training', /not a sha256 digest/],
    ['python:3.11', 'serving', /Artifact Registry .* or Container Registry .* only/],
    ['us-docker.pkg.dev/p/r/i:1', 'serving', undefined],
    ['eu.gcr.io/p/i', 'serving', undefined],
  ] as const)('%s (%s)', (uri, where, message) => {
    const problem = imageUriProblem(uri, where);
    if (message === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(message);
  });
});

// The README's first example must run as written against what it says it calls: a text classifier trained by
// @vertexkit/trainer and served by @vertexkit/serve, named in PREDICT_URL as the example reads it. (Its first
// version typed the answer as { label } and printed [ undefined, undefined ] against a real server.)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPredictionServer, createTextClassificationHandler } from '@vertexkit/serve';
import { exportModelDirectory, trainTextClassifier } from '@vertexkit/trainer';
import { afterAll, beforeAll, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');
let modelDir: string;

beforeAll(async () => {
  modelDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-client-readme-'));
  const spam = ['free money now', 'win free cash now', 'claim your free prize money', 'free money, click now'];
  const ham = ['lunch at noon?', 'see you at lunch', 'the meeting is at noon', 'lunch tomorrow at noon?'];
  const examples = [...spam.map((text) => ({ text, labels: ['spam'] })), ...ham.map((text) => ({ text, labels: ['ham'] }))];
  const { best } = await trainTextClassifier({ train: examples, dev: examples, epochs: 30, minCount: 1 });
  await exportModelDirectory(best, modelDir);
});
afterAll(() => fs.rm(modelDir, { recursive: true, force: true }));

test('the README example runs as written against a served text classifier', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);

  const handler = createTextClassificationHandler({ modelDir, worker: false });
  const run = handler.run.bind(handler);
  const batches: number[] = [];
  const server = createPredictionServer({
    handler: { ...handler, run: (texts: string[]) => (batches.push(texts.length), run(texts)) },
    port: 0,
    host: '127.0.0.1',
    logger: false,
    handleSignals: false,
  });
  const { url } = await server.listen();
  await server.ready;
  let lines: unknown[];
  try {
    const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/client', code, env: { PREDICT_URL: `${url}/predict` } });
    lines = calls.map(([first]) => first);
  } finally {
    await server.close();
  }
  expect(lines).toEqual([['spam', 'ham'], '1000 predictions in 16 requests']);
  expect(batches.reduce((a, b) => a + b, 0)).toBe(1002);
});

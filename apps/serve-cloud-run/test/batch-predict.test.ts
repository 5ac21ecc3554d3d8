// `npm run batch-predict`: the app run as Vertex AI runs its container for a batch prediction job, over a JSON
// Lines file, writing Vertex's output layout; a second run of the same command finds the job done and starts
// nothing twice.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readBatchPredictionErrors, readBatchPredictionResults } from '@vertexkit/jobs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTextClassifierDir } from '../../../packages/serve/test/fixtures/build-model.js';

const appDir = path.resolve(import.meta.dirname, '..');
let work: string;
let modelDir: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-batch-app-'));
  modelDir = path.join(work, 'model');
  await buildTextClassifierDir(modelDir, { labels: ['ham', 'spam'], seed: 3 });
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function batchPredict(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['batch/batch-predict.ts', ...args], { cwd: appDir, env: { ...process.env, INIT_CWD: work }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('predicts every line into prediction.results, records the bad line in errors_stats, paths relative to the caller', async () => {
  const texts = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? `free money offer ${i}` : `lunch meeting ${i}`));
  await fs.writeFile(path.join(work, 'instances.jsonl'), [...texts.map((text) => JSON.stringify(text)), '{"txt": "wrong key"}'].join('\n') + '\n');
  const run = await batchPredict(['--model', 'model', '--input', 'instances.jsonl', '--output', 'predictions', '--parameters', '{"top_k": 1}', '--batch-size', '16']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const folder = /in (\S+)\n$/.exec(run.stdout)?.[1] ?? '';
  expect(folder).toMatch(new RegExp(`^${work}/predictions/prediction-model-\\d{4}_\\d\\d_\\d\\dT\\d\\d_\\d\\d_\\d\\d_\\d{3}Z$`));
  expect(run.stdout).toContain('JOB_STATE_SUCCEEDED: 150 predicted, 1 failed');
  const results = [];
  for await (const result of readBatchPredictionResults({ outputDirectory: folder })) results.push(result);
  expect(results.map((r) => r.instance).sort()).toEqual([...texts].sort());
  for (const { prediction } of results) expect((prediction as { labels: { label: string }[] }).labels).toHaveLength(1);
  const errors = await readBatchPredictionErrors({ outputDirectory: folder });
  expect(errors.count).toBe(1);
  expect(errors.examples[0]?.instance).toEqual({ txt: 'wrong key' });
  expect(JSON.stringify(errors.examples[0]?.error)).toContain('unknown key');
});

test('a bad flag is a usage error, exit 2', async () => {
  const run = await batchPredict(['--model', 'model', '--input', 'x.jsonl']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('error: missing --output');
});

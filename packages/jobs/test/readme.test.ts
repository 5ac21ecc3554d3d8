// The README's examples run as written and print what the page shows (the package import pointed at the
// source), and the error it shows is the one the library throws.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';
import { parseWorkerPoolSpecFlag, validateCustomJobSpec } from '../src/index.js';
import { customJob, variant, REMOVE } from './fixtures/specs.js';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');
const texts = await readmeBlocks(packageDir, 'text');

async function run(code: string, cwd?: string): Promise<unknown[]> {
  const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/jobs', code, ...(cwd ? { cwd } : {}) });
  return calls.map(([first]) => first);
}

test('the first example is at most 12 lines and prints the command shown below it', async () => {
  const [example = '', second = ''] = await readmeBlocks(packageDir, 'ts');
  expect(example.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const [output = ''] = texts;
  expect(await run(example)).toEqual([output.trimEnd()]);
  await run(second);
});

test('the error shown is the one thrown', () => {
  const spec = variant(customJob(), {
    'jobSpec.workerPoolSpecs[0].machineSpec.acceleratorType': 'NVIDIA_TESLA_T5',
    'jobSpec.workerPoolSpecs[0].replicaCount': REMOVE,
    'jobSpec.workerPoolSpecs[0].replica_count': 1,
    'jobSpec.scheduling.timeout': '2 hours',
  });
  expect(() => validateCustomJobSpec(spec)).toThrow(texts[1]?.trimEnd());
});

test("the --worker-pool-spec error shown is the one thrown", () => {
  const shown = (texts[2] ?? '').replace(/^ {2}/gm, '').trimEnd();
  expect(shown).toMatch(/^--worker-pool-spec has 3 problems:/);
  expect(() => parseWorkerPoolSpecFlag('machine-typ=n1-standard-4,replica-count=two')).toThrow(shown);
});

test('the local batch prediction example prints what the page shows, and writes the layout it shows', async () => {
  const example = (await readmeBlocks(packageDir, 'ts')).find((block) => block.includes('startLocalBatchPredictionJob({'));
  const cwd = await mkdtemp(path.join(tmpdir(), 'vertexkit-jobs-readme-'));
  try {
    expect(await run(example ?? '', cwd)).toEqual((texts[3] ?? '').trimEnd().split('\n'));
    const [folder, ...others] = await readdir(path.join(cwd, 'predictions'));
    expect(others).toEqual([]);
    expect(folder).toMatch(/^prediction-opus-mt-tr-en-\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d_\d{3}Z$/);
    expect((await readdir(path.join(cwd, 'predictions', folder!))).sort()).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00001']);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

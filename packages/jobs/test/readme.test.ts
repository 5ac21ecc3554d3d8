// The README's examples run as written and print what the page shows (the package import pointed at the
// source), and the error it shows is the one the library throws.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test, vi } from 'vitest';
import { validateCustomJobSpec } from '../src/index.js';
import { customJob, variant, REMOVE } from './fixtures/specs.js';

const here = import.meta.dirname;
const page = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
const blocks = (language: string): string[] => [...page.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1] ?? '');

async function run(code: string): Promise<unknown[]> {
  const file = path.join(here, `.readme-example-${process.pid}-${Math.random().toString(36).slice(2)}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/jobs'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));
  const lines: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    lines.push(value);
  });
  try {
    await import(file);
  } finally {
    log.mockRestore();
    await fs.rm(file, { force: true });
  }
  return lines;
}

test('the first example is at most 12 lines and prints the command shown below it', async () => {
  const [example = '', second = ''] = blocks('ts');
  expect(example.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const [output = ''] = blocks('text');
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
  expect(() => validateCustomJobSpec(spec)).toThrow(blocks('text')[1]?.trimEnd());
});

// The README's examples must run as written: the first and the `from` one against a local folder, the
// Errors one against the Cloud Storage emulator, printing what the page says it prints.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-readme-'));
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function block(containing: string): Promise<string> {
  const code = (await readmeBlocks(packageDir, 'ts')).find((b) => b.includes(containing));
  if (code === undefined) throw new Error(`README.md has no ts block with ${containing}`);
  return code;
}

async function run(code: string, env?: Record<string, string>): Promise<string[]> {
  const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/storage', code, cwd: work, ...(env ? { env } : {}) });
  return calls.map((args) => args.map(String).join(' '));
}

test('the README example runs as written, and a second run skips the unchanged file', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  const lines: string[] = [];
  for (let i = 0; i < 2; i++) lines.push(...(await run(code)));
  expect(lines).toEqual([
    'uploaded 1 file(s), 0 unchanged',
    'spam <- free money now',
    'ham <- lunch at noon?',
    'uploaded 0 file(s), 1 unchanged',
    'spam <- free money now',
    'ham <- lunch at noon?',
  ]);
  expect(await fs.readFile(path.join(work, 'example-bucket', 'datasets', 'spam', 'train.csv'), 'utf8')).toContain('free money now');
});

test('the example of from in stat, exists and deleteFile runs as written', async () => {
  expect(await run(await block('deleteFile({ from'))).toEqual(['5', 'false']);
});

test('the Errors example prints what the page says', async () => {
  const env = { STORAGE_EMULATOR_HOST: inject('gcsEmulatorUrl'), GOOGLE_CLOUD_PROJECT: 'demo-vertexkit' };
  const lines = await run(await block('StorageError.isInstance(error)'), env);
  const [printed = ''] = await readmeBlocks(packageDir, 'text');
  expect(lines).toEqual(printed.trimEnd().split('\n'));
  await expect(fs.access(path.join(work, 'model'))).rejects.toThrow();
});

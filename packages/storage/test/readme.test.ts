// The README's first example must run as written (against a local folder).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-readme-'));
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the README example runs as written, and a second run skips the unchanged file', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  const lines: string[] = [];
  for (let run = 0; run < 2; run++) {
    const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/storage', code, cwd: work });
    lines.push(...calls.map((args) => args.join(' ')));
  }
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

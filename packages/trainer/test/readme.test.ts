// The README's first example must run as written (the package import pointed at the source).
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');

test('the README example runs as written and writes a model directory', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const cwd = await fs.mkdtemp(path.join(tmpdir(), 'vertexkit-trainer-readme-'));
  try {
    const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/trainer', code, cwd });
    expect(calls.map(([first]) => first)).toEqual([['spam']]);
    expect((await fs.readdir(path.join(cwd, 'model'))).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  } finally {
    await fs.rm(cwd, { recursive: true, force: true });
  }
});

// The README's first example runs as written (the package import pointed at the source), and the Dockerfile the
// README shows is the one it renders.
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';
import { checkCloudRunService, renderNodeServeImage } from '../src/index.js';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');

test('the README example runs as written and writes a checked Dockerfile, .dockerignore and service.yaml', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(10);
  const cwd = await fs.mkdtemp(path.join(tmpdir(), 'vertexkit-containers-readme-'));
  try {
    const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/containers', code, cwd });
    expect(calls.map(([first]) => first)).toEqual([[]]);
    expect((await fs.readdir(cwd)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'service.yaml']);
    expect(checkCloudRunService(await fs.readFile(path.join(cwd, 'service.yaml'), 'utf8'))).toEqual([]);
    const [shown] = await readmeBlocks(packageDir, 'dockerfile');
    expect(shown).toBe(await fs.readFile(path.join(cwd, 'Dockerfile'), 'utf8'));
    expect(shown).toBe(renderNodeServeImage({ model: { uri: 'gs://my-bucket/models/spam/' } }).dockerfile);
  } finally {
    await fs.rm(cwd, { recursive: true, force: true });
  }
});

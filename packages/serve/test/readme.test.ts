// The README's first example must run as written.
import path from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');

test('the README example runs as written', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  // The example listens on the platform's port; give it a free one.
  const calls = await runReadmeCode({ packageDir, packageName: '@vertexkit/serve', code, env: { PORT: '0' } });
  expect(calls.map(([first]) => first)).toEqual([{ predictions: [{ length: 5 }] }]);
});

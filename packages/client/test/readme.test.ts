// The README's first example must run as written: here against a @vertexkit/serve server this test starts
// and names in PREDICT_URL, as the example reads it.
import path from 'node:path';
import { createPredictionServer } from '@vertexkit/serve';
import { expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as readmeExampleModule from '../../../tools/readme-example/index.mjs';
import type * as ReadmeExample from '../../../tools/readme-example/index.d.ts';

const { readmeBlocks, runReadmeCode } = readmeExampleModule as typeof ReadmeExample;
const packageDir = path.resolve(import.meta.dirname, '..');

test('the README example runs as written', async () => {
  const [code = ''] = await readmeBlocks(packageDir, 'ts');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);

  const batches: number[] = [];
  const server = createPredictionServer({
    handler: {
      parseInstance: (instance) => String(instance),
      run: (texts: string[]) => {
        batches.push(texts.length);
        return Promise.resolve(texts.map((text) => ({ label: text.includes('money') ? 'spam' : 'ham' })));
      },
    },
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

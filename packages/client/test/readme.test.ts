// The README's first example must run as written: here against a @vertexkit/serve server this test starts
// and names in PREDICT_URL, as the example reads it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createPredictionServer } from '@vertexkit/serve';
import { expect, test, vi } from 'vitest';

const here = import.meta.dirname;

test('the README example runs as written', async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts example');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const file = path.join(here, `.readme-example-${process.pid}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/client'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));

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
  const lines: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    lines.push(value);
  });
  const saved = process.env.PREDICT_URL;
  process.env.PREDICT_URL = `${url}/predict`;
  try {
    await import(file);
  } finally {
    log.mockRestore();
    if (saved === undefined) delete process.env.PREDICT_URL;
    else process.env.PREDICT_URL = saved;
    await fs.rm(file, { force: true });
    await server.close();
  }
  expect(lines).toEqual([['spam', 'ham'], '1000 predictions in 16 requests']);
  expect(batches.reduce((a, b) => a + b, 0)).toBe(1002);
});

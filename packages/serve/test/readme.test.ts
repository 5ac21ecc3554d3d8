// The README's first example must run as written.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test, vi } from 'vitest';

const here = import.meta.dirname;

test('the README example runs as written', async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts example');
  const file = path.join(here, `.readme-example-${process.pid}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/serve'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));
  const lines: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    lines.push(value);
  });
  // The example listens on the platform's port; give it a free one.
  const saved = process.env.PORT;
  process.env.PORT = '0';
  try {
    await import(file);
  } finally {
    log.mockRestore();
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
    await fs.rm(file, { force: true });
  }
  expect(lines).toEqual([{ predictions: [{ length: 5 }] }]);
});

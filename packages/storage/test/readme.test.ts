// The README's first example must run as written (against a local folder).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';

const here = path.dirname(new URL(import.meta.url).pathname);
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-readme-'));
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function exampleModule(): Promise<string> {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts example');
  // The example imports the published name; run it against this checkout's source instead.
  const file = path.join(here, `.readme-example-${process.pid}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/storage'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));
  return file;
}

test('the README example runs as written, and a second run skips the unchanged file', async () => {
  const file = await exampleModule();
  const cwd = process.cwd();
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  try {
    process.chdir(work);
    await import(`${file}?run=1`);
    await import(`${file}?run=2`);
  } finally {
    process.chdir(cwd);
    log.mockRestore();
    await fs.rm(file, { force: true });
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

// The README's first example must run as written (the package import pointed at the source).
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, vi } from 'vitest';

const here = import.meta.dirname;

test('the README example runs as written and writes a model directory', async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts example');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const file = path.join(here, `.readme-example-${process.pid}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/trainer'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));
  const cwd = await fs.mkdtemp(path.join(tmpdir(), 'vertexkit-trainer-readme-'));
  const lines: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    lines.push(value);
  });
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    await import(file);
    expect(lines).toEqual([['spam']]);
    expect((await fs.readdir(path.join(cwd, 'model'))).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  } finally {
    process.chdir(previous);
    log.mockRestore();
    await fs.rm(file, { force: true });
    await fs.rm(cwd, { recursive: true, force: true });
  }
});

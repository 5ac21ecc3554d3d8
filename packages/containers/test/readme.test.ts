// The README's first example runs as written (the package import pointed at the source), and the Dockerfile the
// README shows is the one it renders.
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, vi } from 'vitest';
import { checkCloudRunService, renderNodeServeImage } from '../src/index.js';

const here = import.meta.dirname;

test('the README example runs as written and writes a checked Dockerfile, .dockerignore and service.yaml', async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts example');
  expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(10);
  const file = path.join(here, `.readme-example-${process.pid}.ts`);
  await fs.writeFile(file, code.replace("from '@vertexkit/containers'", `from ${JSON.stringify(path.join(here, '..', 'src', 'index.ts'))}`));
  const cwd = await fs.mkdtemp(path.join(tmpdir(), 'vertexkit-containers-readme-'));
  const lines: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    lines.push(value);
  });
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    await import(file);
    expect(lines).toEqual([[]]);
    expect((await fs.readdir(cwd)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'service.yaml']);
    expect(checkCloudRunService(await fs.readFile(path.join(cwd, 'service.yaml'), 'utf8'))).toEqual([]);
    const shown = /```dockerfile\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(await fs.readFile(path.join(cwd, 'Dockerfile'), 'utf8'));
    expect(shown).toBe(renderNodeServeImage({ model: { uri: 'gs://my-bucket/models/spam/' } }).dockerfile);
  } finally {
    process.chdir(previous);
    log.mockRestore();
    await fs.rm(file, { force: true });
    await fs.rm(cwd, { recursive: true, force: true });
  }
});

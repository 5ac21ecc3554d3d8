import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainersError, listWorkspaceDependencies } from '../../src/index.js';

let root: string;

async function writePackage(dir: string, pkg: Record<string, unknown>): Promise<void> {
  await fs.mkdir(path.join(root, dir), { recursive: true });
  await fs.writeFile(path.join(root, dir, 'package.json'), JSON.stringify(pkg));
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-workspaces-'));
  await writePackage('.', { name: 'repo', private: true, workspaces: ['packages/*', 'apps/*'] });
  await writePackage('packages/serve', { name: '@x/serve', dependencies: { '@x/storage': '^1.0.0', 'onnxruntime-node': '1.0.0' } });
  await writePackage('packages/storage', { name: '@x/storage', dependencies: { '@google-cloud/storage': '^8' } });
  await writePackage('packages/auth', { name: '@x/auth' });
  await writePackage('packages/containers', { name: '@x/containers', dependencies: { '@x/auth': '^1' } });
  await writePackage('packages/unused', { name: '@x/unused' });
  await writePackage('apps/web', {
    name: '@x/app-web',
    dependencies: { '@x/serve': '^1.0.0', express: '^5' },
    optionalDependencies: { '@x/auth': '^1' },
    devDependencies: { '@x/containers': '^1' },
  });
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('listWorkspaceDependencies', () => {
  it('follows dependencies transitively, leaves out devDependencies and packages from the registry, sorted by folder', async () => {
    expect(await listWorkspaceDependencies({ root, appDir: 'apps/web' })).toEqual([
      { dir: 'packages/auth' },
      { dir: 'packages/serve' },
      { dir: 'packages/storage' },
    ]);
  });

  it('takes an absolute app folder too', async () => {
    expect(await listWorkspaceDependencies({ root, appDir: path.join(root, 'packages', 'serve') })).toEqual([{ dir: 'packages/storage' }]);
  });

  it('this repository: the serving app runs on @vertexkit/serve and @vertexkit/storage', async () => {
    const repo = path.resolve(import.meta.dirname, '..', '..', '..', '..');
    expect(await listWorkspaceDependencies({ root: repo, appDir: 'apps/serve-cloud-run' })).toEqual([{ dir: 'packages/serve' }, { dir: 'packages/storage' }]);
  });

  it('refuses a root without workspaces, naming the file', async () => {
    const error = await listWorkspaceDependencies({ root: path.join(root, 'packages', 'serve'), appDir: '.' }).catch((e: unknown) => e);
    expect(ContainersError.isInstance(error)).toBe(true);
    expect((error as ContainersError).message).toContain(`${path.join(root, 'packages', 'serve', 'package.json')} has no "workspaces"`);
  });

  it('names the app package.json it cannot read', async () => {
    const error = await listWorkspaceDependencies({ root, appDir: 'apps/missing' }).catch((e: unknown) => e);
    expect((error as ContainersError).message).toContain(`cannot read ${path.join(root, 'apps', 'missing', 'package.json')}`);
  });
});

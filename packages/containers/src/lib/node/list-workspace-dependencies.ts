import { readFile } from 'node:fs/promises';
import path from 'node:path';
// npm's own reader of the `workspaces` globs, so that the packages found are exactly those `npm ci` links.
import mapWorkspaces from '@npmcli/map-workspaces';
import { ContainersError } from '../containers-error.js';
import type { WorkspacePackage } from './render-node-app-image.js';

/** Options of {@link listWorkspaceDependencies}. */
export interface ListWorkspaceDependenciesOptions {
  /** The monorepo root: the folder whose package.json has `workspaces` (the image's build context). */
  root: string;
  /** The app's folder, relative to `root` (`apps/serve-cloud-run`) or absolute. */
  appDir: string;
}

interface PackageJson {
  name?: string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readPackageJson(file: string): Promise<PackageJson> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PackageJson;
  } catch (error) {
    throw new ContainersError('INVALID_OPTIONS', `listWorkspaceDependencies: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The workspace packages an app needs at run time, for {@link NodeImageOptions.workspaces}: those named in
 * its package.json `dependencies` (and `optionalDependencies`), and theirs, transitively. `devDependencies`
 * are left out, as `npm ci --omit=dev` in the image leaves them out. Sorted by folder, so a rendered
 * Dockerfile only changes when the dependencies do.
 *
 * @example
 * ```ts
 * const workspaces = await listWorkspaceDependencies({ root: '.', appDir: 'apps/serve-cloud-run' });
 * // [{ dir: 'packages/serve' }, { dir: 'packages/storage' }]
 * ```
 */
export async function listWorkspaceDependencies(options: ListWorkspaceDependenciesOptions): Promise<WorkspacePackage[]> {
  const root = path.resolve(options.root);
  const rootPackage = await readPackageJson(path.join(root, 'package.json'));
  if (rootPackage.workspaces === undefined) {
    throw new ContainersError('INVALID_OPTIONS', `listWorkspaceDependencies: ${path.join(root, 'package.json')} has no "workspaces"; root must be the monorepo's root folder`);
  }
  const workspaces = await mapWorkspaces({ cwd: root, pkg: rootPackage as Parameters<typeof mapWorkspaces>[0]['pkg'] });
  const appDir = path.resolve(root, options.appDir);
  const app = await readPackageJson(path.join(appDir, 'package.json'));

  const found = new Map<string, string>();
  const visit = async (pkg: PackageJson): Promise<void> => {
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const dir = workspaces.get(name);
      if (dir === undefined || found.has(name) || path.resolve(dir) === appDir) continue;
      found.set(name, dir);
      await visit(await readPackageJson(path.join(dir, 'package.json')));
    }
  };
  await visit(app);
  return [...found.values()]
    .map((dir) => path.relative(root, dir).split(path.sep).join('/'))
    .sort()
    .map((dir) => ({ dir }));
}

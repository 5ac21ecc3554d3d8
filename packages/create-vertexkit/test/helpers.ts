// What the tests share: a scratch folder per test, and a scaffolded project's dependencies linked from this
// repository (as npm install would give them from the registry) so that its own test runs here, offline and fast.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

export const PACKAGE_DIR = path.resolve(import.meta.dirname, '..');
export const ROOT = path.resolve(PACKAGE_DIR, '..', '..');
export const TEMPLATES_DIR = path.join(PACKAGE_DIR, 'templates');

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder, removed after the test. */
export function tempDir(prefix = 'create-vertexkit-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** The folder of package `name` as `fromDir` resolves it (its realpath: its own dependencies resolve from there). */
function packageDir(name: string, fromDir: string): string {
  const require = createRequire(path.join(fromDir, 'package.json'));
  const paths = require.resolve.paths(name) ?? [];
  for (const base of paths) {
    const dir = path.join(base, name);
    if (fs.existsSync(path.join(dir, 'package.json'))) return fs.realpathSync(dir);
  }
  throw new Error(`${name} does not resolve from ${fromDir}`);
}

/**
 * node_modules/<dep> for each dependency of the project's package.json, linked to the copy the app it comes from uses
 * (devDependencies: the repository's), the @vertexkit packages being this checkout's built ones.
 */
export function linkDependencies(projectDir: string, appDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  for (const [deps, from] of [
    [manifest.dependencies, path.join(ROOT, appDir)],
    [manifest.devDependencies, ROOT],
  ] as const) {
    for (const name of Object.keys(deps ?? {})) {
      const link = path.join(projectDir, 'node_modules', name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(packageDir(name, from), link, 'dir');
    }
  }
}

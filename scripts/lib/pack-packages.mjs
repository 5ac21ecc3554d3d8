// What `npm run pack` and the release check share: the publishable packages under packages/*, and `npm pack`
// of each into one folder.
/* global process */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** The non-private packages under `<root>/packages`, sorted by name: `{ name, version, dir, rel, workspaceDeps }`. */
export async function listPublicPackages(root) {
  const dir = path.join(root, 'packages');
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const packages = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const pkgDir = path.join(dir, entry.name);
    let manifest;
    try {
      manifest = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw new Error(`cannot read ${path.relative(root, pkgDir)}/package.json: ${err.message}`, { cause: err });
    }
    if (manifest.private) continue;
    const runtime = { ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies };
    packages.push({ name: manifest.name, version: manifest.version, dir: pkgDir, rel: path.relative(root, pkgDir), runtimeDeps: Object.keys(runtime) });
  }
  const names = new Set(packages.map((p) => p.name));
  for (const pkg of packages) pkg.workspaceDeps = pkg.runtimeDeps.filter((name) => names.has(name));
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/** `pkg` and the workspace packages it needs at run time, transitively: what to install together from tarballs. */
export function withWorkspaceDeps(pkg, packages) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const found = new Map();
  const visit = (p) => {
    if (found.has(p.name)) return;
    found.set(p.name, p);
    for (const name of p.workspaceDeps) visit(byName.get(name));
  };
  visit(pkg);
  return [...found.values()];
}

/**
 * `npm pack` each package into `to` (created if needed), replacing an older tarball of the same package.
 * Sets `pkg.tarball` (its path) and returns npm's own report of each (`filename`, `size`, `unpackedSize`, `files`).
 */
export async function packPackages({ packages, to, env = process.env }) {
  await fs.mkdir(to, { recursive: true });
  const reports = [];
  for (const pkg of packages) {
    const stem = `${pkg.name.replace(/^@/, '').replace('/', '-')}-`;
    for (const old of await fs.readdir(to)) {
      if (old.startsWith(stem) && old.endsWith('.tgz') && /^\d/.test(old.slice(stem.length))) await fs.rm(path.join(to, old));
    }
    const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', to], { cwd: pkg.dir, env, maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(stdout.slice(stdout.indexOf('[')))[0];
    pkg.tarball = path.join(to, report.filename);
    pkg.version = report.version;
    reports.push(report);
  }
  return reports;
}

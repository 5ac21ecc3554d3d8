#!/usr/bin/env node
// `npm run pack`: every publishable package built and packed into one folder (default tarballs/), for trying
// the packages outside this repository before they are on a registry. A package that depends on another
// (@vertexkit/jobs on @vertexkit/storage) installs from its tarball together with theirs, which this prints.
//
//   npm run pack [-- --to <dir>]
/* global process, console */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { listPublicPackages, packPackages, withWorkspaceDeps } from './lib/pack-packages.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { to: { type: 'string', default: path.join(ROOT, 'tarballs') } } });
const to = path.resolve(values.to);

const packages = await listPublicPackages(ROOT);
const nx = path.join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
// What gets packed is dist/: build exactly the packages packed (and what they depend on), with nx's cache.
const built = spawnSync(process.execPath, [nx, 'run-many', '-t', 'build', `--projects=${packages.map((p) => p.name).join(',')}`, '--output-style=static-failures-only'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

const reports = await packPackages({ packages, to });
console.log(`\npacked ${reports.length} packages into ${to}:`);
for (const report of reports) console.log(`  ${report.filename}  ${(report.size / 1024).toFixed(0)} kB`);
console.log('\nInstall one in another project (the paths are absolute) together with the @vertexkit packages it depends on:');
for (const pkg of packages) {
  console.log(`  npm install ${withWorkspaceDeps(pkg, packages).map((p) => p.tarball).join(' ')}`);
}

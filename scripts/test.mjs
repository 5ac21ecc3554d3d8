#!/usr/bin/env node
// `npm test`: lint, type-check, build and test every project (nx, cached in .nx/cache), then the
// release check; then one summary line summed from every package's vitest JSON report, in the
// `N passed, N failed, N skipped` form CI reads.
/* global process, console */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = (args) =>
  spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: process.env }).status ?? 1;

const nx = path.join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
let status = run([nx, 'run-many', '-t', 'lint', 'typecheck', 'build', 'test', '--output-style=static']);
if (status === 0 && !process.argv.includes('--no-release-check')) {
  status = run([path.join(ROOT, 'scripts', 'release-check.mjs')]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of ['packages', 'apps', 'tools']) {
  const base = path.join(ROOT, dir);
  if (!fs.existsSync(base)) continue;
  for (const project of fs.readdirSync(base)) {
    const report = path.join(base, project, 'test-results', 'vitest.json');
    if (!fs.existsSync(report)) continue;
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
console.log(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
const { containerToolsMissing } = await import('../tools/container-images/index.mjs');
const noContainers = containerToolsMissing();
if (noContainers) console.log(`container image tests skipped: ${noContainers}`);
if (passed === 0 && status === 0) {
  console.error('no test ran');
  status = 1;
}
process.exit(status === 0 && failed === 0 ? 0 : status || 1);

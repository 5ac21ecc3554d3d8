#!/usr/bin/env node
// `npx vertexkit-train ...`: src/main.ts, after making sure the packages it imports are built.
//
// In a clone of the vertexkit repository their dist/ folders exist only once built, so nx builds them
// first, from the project graph (what @vertexkit/app-train depends on, never a hand-kept list; cached, so
// about a second when nothing changed): the command then works right after `npm ci`. nx's output is shown
// only when the build fails, so that stdout stays this CLI's own (e.g. `--print-gcloud > job.sh`).
// Anywhere else (a training image, an installed copy) there is no nx workspace above, and main.ts runs at once.
/* global process, console */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// src/main.ts is TypeScript, which Node runs as it is (type stripping) from 22.18 on.
if (!process.features.typescript) {
  console.error(`error: vertexkit-train runs TypeScript, which needs Node.js 22.18 or later; this is ${process.version}. In the repository, run it through npm (npx vertexkit-train), which uses the Node.js 24 that npm ci installs.`);
  process.exit(1);
}

const workspace = path.resolve(import.meta.dirname, '..', '..', '..');
const nx = path.join(workspace, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
if (existsSync(path.join(workspace, 'nx.json')) && existsSync(nx)) {
  const build = spawnSync(process.execPath, [nx, 'run', '@vertexkit/app-train:build', '--output-style=static-failures-only'], {
    cwd: workspace,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}${build.stderr}`);
    console.error(`error: building the packages vertexkit-train imports failed (nx run @vertexkit/app-train:build, exit ${build.status ?? build.signal}); see above`);
    process.exit(1);
  }
}
await import('../src/main.ts');

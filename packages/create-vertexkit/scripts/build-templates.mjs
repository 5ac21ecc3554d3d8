#!/usr/bin/env node
// Derives templates/<name>/ from the sample apps (template-sources.mjs says which files of which app): the app's
// files as they are under files/, the project's own test from overlays/<name>/, a model directory where the template
// serves one, and template.json: the package.json fields, tsconfig and image options transformed for a project of
// its own. Part of `npm run build` (nx reruns it when an app changes); runs on the Node 24 npm ci installs, since
// it imports the apps' deploy/image.ts as TypeScript. `--check` writes nothing and exits 1 when templates/ is stale.
/* global process, console */
import fs from 'node:fs';
import path from 'node:path';
import { TEMPLATE_SOURCES } from '../template-sources.mjs';
import { compareTemplateDirs, deriveTemplate } from './derive-template.mjs';

const PACKAGE_DIR = path.resolve(import.meta.dirname, '..');
const OUT = path.join(PACKAGE_DIR, 'templates');
const check = process.argv.includes('--check');

// Built beside templates/ and swapped in at the end: an interrupted build leaves the previous templates whole.
const staging = fs.mkdtempSync(path.join(PACKAGE_DIR, '.templates-'));
try {
  for (const source of TEMPLATE_SOURCES) {
    const started = Date.now();
    const { files } = await deriveTemplate(source, path.join(staging, source.name));
    if (!check) console.log(`templates/${source.name}: ${files.length} files from ${source.app} (${Date.now() - started} ms)`);
  }
  if (check) {
    const problems = compareTemplateDirs(staging, OUT);
    if (problems.length > 0) {
      console.error(`templates/ is stale (npm run build -w create-vertexkit):\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    }
  } else {
    const old = `${OUT}.old-${process.pid}`;
    if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
    fs.renameSync(staging, OUT);
    fs.rmSync(old, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

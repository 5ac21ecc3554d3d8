#!/usr/bin/env node
// `npm run generate:deploy`: writes each sample app's Dockerfile, ignore file and cloudbuild.yaml from the options
// in its deploy/ folder (rendered by @vertexkit/containers, checked before they are written). `--check` writes
// nothing and exits 1 when a committed file differs. Runs on the Node 24 `npm ci` installs (it imports .ts).
/* global process, console */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const APPS = ['serve-cloud-run', 'train'];
const check = process.argv.includes('--check');
const { checkCloudBuild, checkDockerfile } = await import('@vertexkit/containers');

let stale = 0;
for (const app of APPS) {
  const appDir = path.join(ROOT, 'apps', app);
  const { deployFiles } = await import(path.join(appDir, 'deploy', 'files.ts'));
  for (const [name, text] of Object.entries(deployFiles)) {
    const file = path.join(appDir, name);
    const relative = path.relative(ROOT, file);
    // Nothing is written that fails its own checks.
    const findings =
      path.basename(name) === 'Dockerfile'
        ? checkDockerfile(text, { fileName: relative, dockerignore: deployFiles[`${name}.dockerignore`] }).map((f) => `${f.path}: ${f.severity} ${f.rule}: ${f.message}`)
        : path.basename(name) === 'cloudbuild.yaml'
          ? checkCloudBuild(text).map((issue) => `${relative}: ${issue.path}: ${issue.message}`)
          : [];
    if (findings.length > 0) {
      console.error(findings.join('\n'));
      process.exit(1);
    }
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`${relative} is stale: run npm run generate:deploy`);
      stale++;
      continue;
    }
    // Write to a temporary name, then rename: an interrupted run never leaves half a Dockerfile.
    fs.writeFileSync(`${file}.tmp-${process.pid}`, text);
    fs.renameSync(`${file}.tmp-${process.pid}`, file);
    console.log(`wrote ${relative}`);
  }
}
process.exit(stale === 0 ? 0 : 1);

// This project's own test: what npm start runs (src/main.ts) packages trainer-package/, runs it as a local Vertex AI
// custom job in a virtual environment and serves the model it wrote. Skipped, saying why, without a python3 that can
// make virtual environments and build the package offline (Debian: python3-venv, python3-setuptools, python3-wheel).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
const python = process.env.PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import ensurepip, setuptools, venv, wheel'], { encoding: 'utf8' });
const missing = probe.status === 0 ? undefined : `${python} cannot make virtual environments or build the trainer package offline (${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}); on Debian or Ubuntu: apt-get install python3-venv python3-setuptools python3-wheel`;
if (missing) console.warn(`SKIPPED: ${missing}`);

test('packages the trainer, trains it as a local custom job and serves its model', { skip: missing ?? false }, () => {
  const result = spawnSync(process.execPath, ['src/main.ts', `--python=${python}`, '--epochs=20'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /packaged trainer-0\.1\.0\.tar\.gz/);
  assert.match(result.stdout, /served: "free cash prize, click now" -> spam/);
  assert.match(result.stdout, /served: "notes from the project meeting" -> ham/);
});

// Each scaffolded project's own test (what its npm test runs after tsc), in a project whose dependencies are this
// checkout's packages: a template whose test fails, or whose code does not run outside the repository, fails here
// before the release check installs it from a registry.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { expect, test } from 'vitest';
import { scaffoldProject, TEMPLATE_NAMES } from '../src/index.js';
import { linkDependencies, tempDir, TEMPLATES_DIR } from './helpers.js';
import * as pythonEnvModule from '../../../tools/python-env/index.mjs';
import type * as PythonEnv from '../../../tools/python-env/index.d.ts';

// The python3 the repository's Python tests use (with venv, setuptools and wheel), for the train-python project.
const findPythonTools: typeof PythonEnv.findPythonTools = pythonEnvModule.findPythonTools;
const pythonTools = findPythonTools();

test.each(TEMPLATE_NAMES)('the %s project type-checks and passes its own test', async (template) => {
  const dir = path.join(tempDir(), `my-${template}`);
  const { app } = await scaffoldProject({ dir, template, templatesDir: TEMPLATES_DIR });
  linkDependencies(dir, app);
  const tsc = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr, 'tsc').toBe('');
  const env = { ...process.env, ...(pythonTools.python ? { PYTHON: pythonTools.python } : {}) };
  const result = spawnSync(process.execPath, ['--test', 'test/**/*.test.ts'], { cwd: dir, encoding: 'utf8', timeout: 300_000, env });
  const output = stripVTControlCharacters(result.stdout + result.stderr);
  expect(result.status, output).toBe(0);
  expect(output).toMatch(/^ℹ fail 0$/m);
  // A template's test may skip only for a missing tool it names (train-python without python3-venv).
  const skipped = /^ℹ skipped (\d+)$/m.exec(output)?.[1];
  if (skipped !== '0') {
    expect(template).toBe('train-python');
    expect(output).toContain('SKIPPED: ');
    console.warn(`the ${template} project's test skipped its run: ${/SKIPPED: (.*)/.exec(output)?.[1] ?? ''}`);
  }
});

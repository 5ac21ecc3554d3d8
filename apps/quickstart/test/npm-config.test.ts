// npm in this repository warns about nothing in its own configuration: every command a newcomer runs
// (npm ci, npm start, npm test) would otherwise start with a warning they cannot act on.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

test('npm reads the repository config without an "Unknown ... config" warning', () => {
  const result = spawnSync('npm', ['config', 'list'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
  expect(result.status).toBe(0);
  expect(result.stderr).not.toMatch(/Unknown (project|env|user|global) config/);
});

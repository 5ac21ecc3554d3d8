// `npx vertexkit-train` in this repository: bin/vertexkit-train.mjs has nx build what the app imports, then runs
// src/main.ts with the same arguments and exit status, and keeps nx's output off stdout.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';

const bin = path.resolve(import.meta.dirname, '..', 'bin', 'vertexkit-train.mjs');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: path.resolve(import.meta.dirname, '..', '..', '..') });

test("--help: the CLI's own usage on stdout, nothing of the nx build, exit 0", () => {
  const result = run(['--help']);
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^Usage: vertexkit-train /);
  expect(result.stdout + result.stderr).not.toContain('nx run');
});

test('a usage error keeps its exit status 2', () => {
  const result = run(['--data', 'x', '--output', 'y', '--epochs', 'ten']);
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("error: option '--epochs <n>' argument 'ten' is invalid");
});

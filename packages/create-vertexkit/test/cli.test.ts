// The bin as npm create runs it without a terminal (CI, scripts): flags only, every file named, usage errors exit 2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_DIR, tempDir } from './helpers.js';

const BIN = path.join(PACKAGE_DIR, 'dist', 'cli.js');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '' }, stdio: ['ignore', 'pipe', 'pipe'] });

test('--template writes the project, naming every file, then the next commands', () => {
  const cwd = tempDir();
  const result = run(['my-model', '--template', 'train'], cwd);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const written = result.stdout.split('\n').filter((l) => l.startsWith('  wrote ')).map((l) => l.slice('  wrote my-model/'.length));
  const onDisk = fs.readdirSync(path.join(cwd, 'my-model'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(path.join(cwd, 'my-model'), path.join(e.parentPath, e.name)));
  expect(written.sort()).toEqual(onDisk.sort());
  expect(result.stdout).toContain('my-model: the train template (vertexkit\'s apps/train)');
  expect(result.stdout).toContain('  cd my-model\n  npm install\n  npm start\n');
});

test('usage errors exit 2 with one line naming the flag, the value and the fix; nothing is written', () => {
  const cwd = tempDir();
  const cases: Array<[string[], string]> = [
    [['app', '--template', 'trian'], 'error: --template "trian" is not a template; use one of: train, serve, translate, train-python\n'],
    [['app'], 'error: --template is required when not asked on a terminal: one of train, serve, translate, train-python (npm create vertexkit app -- --template train)\n'],
    [['--template', 'serve'], 'error: no project folder: give one (npm create vertexkit my-app -- --template train), or pass --yes for my-vertexkit-app\n'],
    [['app', '--template', 'serve', '--name', 'My App'], 'error: --name "My App" is not a valid npm package name: name can only contain URL-friendly characters; name can no longer contain capital letters. Pass --name with a name such as "my-spam-filter" (lowercase letters, digits, "-").\n'],
    [['app', '--tempalte', 'serve'], 'error: unknown flag --tempalte; did you mean --template? (create-vertexkit --help lists the flags)\n'],
    [['app', '--template'], 'error: --template needs a value: one of train, serve, translate, train-python, e.g. --template train\n'],
    [['app', '--template', 'serve', '--force=yes'], 'error: --force takes no value: write --force alone\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = run(args, cwd);
    expect({ args, stderr: result.stderr, status: result.status }).toEqual({ args, stderr, status: 2 });
  }
  expect(fs.readdirSync(cwd)).toEqual([]);
});

test('a folder with files in it is refused without --force, written with it', () => {
  const cwd = tempDir();
  fs.mkdirSync(path.join(cwd, 'app'));
  fs.writeFileSync(path.join(cwd, 'app', 'keep.txt'), 'x');
  const refused = run(['app', '--template', 'serve'], cwd);
  expect(refused.status).toBe(2);
  expect(refused.stderr).toBe('error: dir "app" is not empty (keep.txt); choose a new or empty folder, or pass --force to write into it (files with the same names are replaced, others are kept)\n');
  expect(fs.readdirSync(path.join(cwd, 'app'))).toEqual(['keep.txt']);
  const forced = run(['app', '--template', 'serve', '--force'], cwd);
  expect(forced.status).toBe(0);
  expect(forced.stdout).toContain('  wrote app/service.yaml\n');
  expect(fs.readFileSync(path.join(cwd, 'app', 'keep.txt'), 'utf8')).toBe('x');
});

test('--list and --help name every template', () => {
  const cwd = tempDir();
  const list = run(['--list'], cwd);
  expect(list.status).toBe(0);
  expect(list.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual(['train', 'serve', 'translate', 'train-python']);
  const help = run(['--help'], cwd);
  expect(help.stdout).toMatch(/^usage: npm create vertexkit@latest \[dir\] -- \[--template NAME\]/);
  expect(help.stdout).toContain('--force');
});

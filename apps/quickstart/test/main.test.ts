// The main job end to end on a small stratified sample, as `npm start -- --limit 400 --epochs 20` runs it:
// data, training (apps/train), serving (apps/serve-cloud-run), predictions through @vertexkit/client.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const appDir = path.resolve(import.meta.dirname, '..');
let work: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-quickstart-'));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function start(args: readonly string[]) {
  const child = spawn(process.execPath, ['src/main.ts', ...args], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidAfter = (text: string, label: RegExp): number => Number(label.exec(text)?.[1]);

test('trains, serves, scores the held-out messages and stops the server', async () => {
  const run = start(['--limit', '400', '--epochs', '20', '--work-dir', work]);
  const code = await run.done;
  const stdout = run.stdout();
  expect(run.stderr()).toBe('');
  expect(code).toBe(0);

  expect(stdout).toContain('1/4 data');
  expect(stdout).toMatch(/^ +320 \/ 40 \/ 40 messages, raw with headers/m);
  expect(stdout).toMatch(/^\[train\] epoch \d+\/20: loss /m);
  expect(stdout).toMatch(/^\[serve\] model loaded in [\d.]+ s; ready for predictions$/m);
  expect(stdout).toMatch(/^ {2}ham {4}\d\.\d{4} {5}\d\.\d{4} {2}\d\.\d{4} {2}\d+$/m);
  expect(stdout).toMatch(/^accuracy {5}\d\.\d{4}$/m);
  expect(stdout).toMatch(/^macro-F1 {5}\d\.\d{4}$/m);
  expect(stdout).toMatch(/^latency {6}p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms per request$/m);
  expect(stdout).toMatch(/^throughput {3}40 requests in [\d.]+ s: \d+ requests\/s$/m);
  expect(stdout).toMatch(/^server {7}pid \d+ logged 40 answered requests; stopped by SIGTERM, exit code 0$/m);
  expect(stdout).toMatch(/^checked {6}served scores match training's own on test\.csv \(macro-F1 \d\.\d{4}\); 40 of 40 requests answered$/m);
  // Even 320 messages separate ham from spam well: anything near chance means a broken path.
  const served = /^accuracy +([\d.]+)\nmacro-F1 +([\d.]+)$/m.exec(stdout);
  expect(Number(served?.[2])).toBeGreaterThan(0.8);
  // The served model scores test.csv exactly as training scored it: no drift between trainer and server.
  const trained = /^\[train\] test: +accuracy ([\d.]+), macro-F1 ([\d.]+)/m.exec(stdout);
  expect(served?.slice(1)).toEqual(trained?.slice(1));

  expect(alive(pidAfter(stdout, /^server +pid (\d+)/m))).toBe(false);
  expect(alive(pidAfter(stdout, /^2\/4 train[^\n]*\n +pid (\d+)/m))).toBe(false);
  const files = await fs.readdir(path.join(work, 'bucket', 'models', 'spam-assassin'));
  expect(files).toEqual(expect.arrayContaining(['model.onnx', 'tokenizer.json', 'config.json', 'manifest.json']));
  const header = (await fs.readFile(path.join(work, 'bucket', 'spam-assassin', 'test.csv'), 'utf8')).split('\n', 1)[0];
  expect(header).toBe('text,label');
}, 120_000);

test('Ctrl-C during training stops the training job and exits 130', async () => {
  const run = start(['--limit', '400', '--epochs', '1000', '--work-dir', path.join(work, 'interrupted')]);
  while (!/^\[train\] training on /m.test(run.stdout())) {
    if (run.child.exitCode !== null) throw new Error(`the quickstart ended early:\n${run.stdout()}${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const trainPid = pidAfter(run.stdout(), /^2\/4 train[^\n]*\n +pid (\d+)/m);
  expect(alive(trainPid)).toBe(true);
  run.child.kill('SIGINT');
  expect(await run.done).toBe(130);
  expect(run.stderr()).toContain('SIGINT: stopping the child processes');
  expect(alive(trainPid)).toBe(false);
}, 120_000);

test('a bad flag: usage and exit 2', async () => {
  const run = start(['--limit', 'all']);
  expect(await run.done).toBe(2);
  expect(run.stderr()).toContain('error: --limit all: expected a whole number >= 50');
  expect(run.stderr()).toContain('Usage: node apps/quickstart/src/main.ts');
});

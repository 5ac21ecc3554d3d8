// The sample app as a user runs it: `node src/main.ts` with MODEL_URI and PORT (and through
// `npm start -w` from the repository root), called over HTTP, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTextClassifierDir } from '../../../packages/serve/test/fixtures/build-model.js';

const appDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(appDir, '..', '..');
let work: string;
let modelDir: string;
let reference: (texts: string[]) => number[][];

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-serve-app-'));
  modelDir = path.join(work, 'model');
  const built = await buildTextClassifierDir(modelDir, { labels: ['ham', 'spam'], seed: 7 });
  reference = (texts) => built.referenceLogits(texts).map((row) => Array.from(row));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Start the app as `node src/main.ts` in its folder (as npm and the image run it), or `npm start -w ...` from `cwd`. */
function start(env: Record<string, string>, how: { npmFrom?: string } = {}): Started {
  // npm puts node_modules/.bin first on PATH: npm itself then runs on the repo's Node 24 too.
  const childEnv = { ...process.env, PATH: `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`, ...env };
  const child = how.npmFrom
    ? spawn('npm', ['start', '-w', '@vertexkit/app-serve-cloud-run'], { cwd: how.npmFrom, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['src/main.ts'], { cwd: appDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  // 'close', not 'exit': by then the output has been read to the end.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, stdout: () => stdout, stderr: () => stderr, exit };
}

/** The code it exits with, or a failure with its output if it is still running after `ms` (then it and `others` are killed). */
async function exitWithin(app: Started, ms: number, others: number[] = []): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      app.child.kill('SIGKILL');
      for (const pid of others.filter(alive)) process.kill(pid, 'SIGKILL');
      reject(new Error(`still running after ${ms} ms; output:\n${app.output()}`));
    }, ms);
  });
  try {
    return await Promise.race([app.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error code of a TCP connect to 127.0.0.1:`port` (ECONNREFUSED once nothing listens), or undefined if it connects. */
function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

/** Every process below `pid` (Linux: /proc/PID/task/PID/children), deepest last. */
async function descendants(pid: number): Promise<number[]> {
  const text = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const children = text.split(' ').filter(Boolean).map(Number);
  const below = await Promise.all(children.map((child) => descendants(child)));
  return [...children, ...below.flat()];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The JSON log lines in the server's stdout. */
const logLines = (stdout: string): Array<{ severity: string; message: string }> =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { severity: string; message: string });

async function waitHealthy(url: string, timeoutMs = 10_000, app?: Started): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (app && (app.child.exitCode !== null || app.child.signalCode !== null)) throw new Error(`exited before ${url} was healthy`);
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never became healthy`);
}

const softmax = (row: number[]): number[] => {
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
};

test('serves predictions on Cloud Run\'s contract and drains on SIGTERM', async () => {
  const port = await freePort();
  const app = start({ MODEL_URI: modelDir, PORT: String(port) });
  try {
    await waitHealthy(`http://127.0.0.1:${port}/health`);
    const texts = ['free money now', 'lunch at noon'];
    const response = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [texts[0], { text: texts[1] }], parameters: { top_k: 1 } }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: Array<{ labels: Array<{ label: string; score: number }> }> };
    const expected = reference(texts).map(softmax);
    body.predictions.forEach((prediction, i) => {
      const probabilities = expected[i]!;
      const best = probabilities[0]! >= probabilities[1]! ? 0 : 1;
      expect(prediction.labels).toHaveLength(1);
      expect(prediction.labels[0]!.label).toBe(['ham', 'spam'][best]);
      expect(prediction.labels[0]!.score).toBeCloseTo(probabilities[best]!, 5);
    });
  } finally {
    app.child.kill('SIGTERM');
  }
  expect(await app.exit).toBe(0);
}, 60_000);

test('Vertex AI contract: AIP_STORAGE_URI, AIP_HTTP_PORT and custom routes', async () => {
  const port = await freePort();
  const app = start({ AIP_STORAGE_URI: modelDir, AIP_HTTP_PORT: String(port), AIP_HEALTH_ROUTE: '/v1/health', AIP_PREDICT_ROUTE: '/v1/models/m:predict' });
  try {
    await waitHealthy(`http://127.0.0.1:${port}/v1/health`);
    const response = await fetch(`http://127.0.0.1:${port}/v1/models/m:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: ['free money'] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: Array<{ labels: unknown[] }> };
    expect(body.predictions[0]!.labels).toHaveLength(2);
  } finally {
    app.child.kill('SIGTERM');
  }
  expect(await app.exit).toBe(0);
}, 60_000);

test('a relative MODEL_URI is relative to where npm start was typed (INIT_CWD), not to the app folder', async () => {
  const port = await freePort();
  // npm runs the script in apps/serve-cloud-run and says where it was typed in INIT_CWD.
  const app = start({ MODEL_URI: 'model', INIT_CWD: work, PORT: String(port), HOST: '127.0.0.1' });
  try {
    await waitHealthy(`http://127.0.0.1:${port}/health`, 10_000, app);
  } catch (error) {
    throw new Error(`${(error as Error).message}; output:\n${app.output()}`, { cause: error });
  } finally {
    app.child.kill('SIGTERM');
  }
  expect(await app.exit).toBe(0);
}, 60_000);

test('a model that cannot load: one ERROR line naming the resolved path, and exit 1 (no server left answering 503)', async () => {
  const port = await freePort();
  const app = start({ MODEL_URI: 'no-such-model', INIT_CWD: work, PORT: String(port), HOST: '127.0.0.1' });
  const code = await exitWithin(app, 20_000);
  expect(code, app.output()).toBe(1);
  expect(app.stderr()).toBe('');
  const errors = logLines(app.stdout()).filter((line) => line.severity !== 'INFO' && line.severity !== 'DEBUG');
  expect(errors).toHaveLength(1);
  expect(errors[0]?.severity).toBe('ERROR');
  expect(errors[0]?.message).toContain(path.join(work, 'no-such-model'));
  expect(errors[0]?.message).toContain('exiting with code 1');
  expect(await connectError(port)).toBe('ECONNREFUSED');
}, 60_000);

test('a port already in use: one line that says so, and exit 1', async () => {
  const taken = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => taken.once('listening', resolve));
  const { port } = taken.address() as net.AddressInfo;
  try {
    const app = start({ MODEL_URI: modelDir, PORT: String(port), HOST: '127.0.0.1' });
    expect(await exitWithin(app, 20_000)).toBe(1);
    const lines = app.stderr().trim().split('\n');
    expect(lines, app.stderr()).toHaveLength(1);
    expect(lines[0]).toContain(`port ${port} on 127.0.0.1 is already in use`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}, 60_000);

test('SIGTERM to `npm start -w` from the repository root stops the server: exit 0, nothing left running or listening', async () => {
  const port = await freePort();
  // As the README says to run it, with the model given relative to the repository root.
  const app = start({ MODEL_URI: path.relative(repoRoot, modelDir), PORT: String(port), HOST: '127.0.0.1' }, { npmFrom: repoRoot });
  try {
    // npm start builds the packages first (nx; a cache hit unless sources changed).
    await waitHealthy(`http://127.0.0.1:${port}/health`, 90_000, app);
  } catch (error) {
    for (const pid of [app.child.pid!, ...(await descendants(app.child.pid!))].filter(alive)) process.kill(pid, 'SIGKILL');
    throw new Error(`${(error as Error).message}; output:\n${app.output()}`, { cause: error });
  }
  const below = await descendants(app.child.pid!);
  expect(below.length).toBeGreaterThan(0);
  app.child.kill('SIGTERM');
  const code = await exitWithin(app, 20_000, below);
  // Checked the moment npm is gone: whatever supervises npm (a terminal, a test, a process manager)
  // takes its exit as the server's.
  const stillRunning = below.filter(alive);
  const listening = await connectError(port);
  for (const pid of stillRunning) process.kill(pid, 'SIGKILL');
  expect(stillRunning, `processes left after npm exited:\n${app.output()}`).toEqual([]);
  expect(listening).toBe('ECONNREFUSED');
  expect(code, app.output()).toBe(0);
  expect(logLines(app.stdout()).at(-1)?.message).toBe('closed');
}, 150_000);

test('without MODEL_URI it says what to set and exits 2', async () => {
  const env = { ...process.env };
  delete env.MODEL_URI;
  delete env.AIP_STORAGE_URI;
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toContain('MODEL_URI is not set');
});

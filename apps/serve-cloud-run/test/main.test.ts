// The sample app as a user runs it: `node src/main.ts` with MODEL_URI and PORT, called over HTTP,
// stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTextClassifierDir } from '../../../packages/serve/test/fixtures/build-model.js';

const appDir = path.resolve(import.meta.dirname, '..');
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

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: appDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
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

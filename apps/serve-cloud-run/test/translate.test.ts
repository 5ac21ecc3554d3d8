// The same app serves a translation model directory unchanged: the seed service's request and answer, a 400
// for a malformed parameter, and a batch prediction over JSON Lines with the app as the serving container.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readBatchPredictionResults } from '@vertexkit/jobs';
import { buildMarianModelDir, disposeTransformersJsTranslators, generateWithTransformersJs, MARIAN_TEST_SENTENCES } from '@vertexkit/tool-marian-model';
import { afterAll, beforeAll, expect, test } from 'vitest';

const appDir = path.resolve(import.meta.dirname, '..');
let work: string;
let modelDir: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-translate-app-'));
  modelDir = path.join(work, 'opus-mt-tr-en');
  await buildMarianModelDir({ dir: modelDir });
});
afterAll(async () => {
  await disposeTransformersJsTranslators();
  await fs.rm(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('MODEL_URI=<translation dir>: the seed request answers in the seed shape, with transformers.js\'s beam-4 translation; a bad parameter is a 400', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: appDir, env: { ...process.env, MODEL_URI: modelDir, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; (await fetch(`${url}/health`).then((r) => r.status, () => 0)) !== 200; i++) {
      if (i > 300) throw new Error(`not healthy:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The seed service: {"instances": ["Bu odun yanmaz."]} -> {"predictions": [["..."]]}, with the model's defaults
    // (generation_config.json: 4 beams), as transformers' beam search translates it.
    const [reference] = await generateWithTransformersJs({ dir: modelDir, texts: ['Bu odun yanmaz.'], beamSearch: 'transformers' });
    const seed = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ['Bu odun yanmaz.'] }) });
    expect(seed.status).toBe(200);
    expect(await seed.json()).toEqual({ predictions: [[reference!.text]] });
    const bad = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ['Bu odun yanmaz.'], parameters: { num_beams: -1 } }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('parameters.num_beams: expected a whole number from 1 to 16, got -1');
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});

test('npm run batch-predict over a translation directory: one list of texts per instance, in Vertex AI\'s layout', async () => {
  const texts = MARIAN_TEST_SENTENCES.slice(0, 40);
  await fs.writeFile(path.join(work, 'instances.jsonl'), texts.map((text) => JSON.stringify(text)).join('\n') + '\n');
  const child = spawn(
    process.execPath,
    ['batch/batch-predict.ts', '--model', 'opus-mt-tr-en', '--input', 'instances.jsonl', '--output', 'out', '--parameters', '{"num_beams": 1, "max_new_tokens": 64}'],
    { cwd: appDir, env: { ...process.env, INIT_CWD: work }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
  const folder = /in (\S+)\n$/.exec(stdout)?.[1] ?? '';
  const reference = await generateWithTransformersJs({ dir: modelDir, texts, options: { num_beams: 1, max_new_tokens: 64 } });
  const expected = new Map(texts.map((text, i) => [text, [reference[i]!.text]]));
  let count = 0;
  for await (const { instance, prediction } of readBatchPredictionResults({ outputDirectory: folder })) {
    expect(prediction).toEqual(expected.get(instance as string));
    count++;
  }
  expect(count).toBe(texts.length);
});

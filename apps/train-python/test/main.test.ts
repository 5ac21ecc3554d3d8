// The sample as a user runs it: the trainer package staged as an sdist, run as a local Vertex AI custom job in a
// virtual environment, and the model directory it wrote served with @vertexkit/serve; and the gcloud equivalent.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as pythonEnvModule from '../../../tools/python-env/index.mjs';
import type * as PythonEnv from '../../../tools/python-env/index.d.ts';

const tools = (pythonEnvModule as typeof PythonEnv).findPythonTools();
if (tools.missing) console.warn(`train-python tests SKIPPED: ${tools.missing}`);
const MAIN = path.resolve(import.meta.dirname, '..', 'src', 'main.ts');

function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-python-app-'));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe.skipIf(Boolean(tools.missing))('apps/train-python', () => {
  test('packages, runs locally, and serves what the Python trainer wrote', async () => {
    const result = await run([`--python=${tools.python}`, '--epochs=20'], work);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^packaged trainer-0\.1\.0\.tar\.gz \(sha256 [0-9a-f]{64}, \d+ bytes, 7 \.py files compiled with .*\) as gs:\/\/demo\/staging\/trainer-[0-9a-f]{12}\.tar\.gz$/m);
    expect(result.stdout).toMatch(/^epoch 20\/20: loss /m);
    expect(result.stdout).toMatch(/^served: "free cash prize, click now" -> spam /m);
    expect(result.stdout).toMatch(/^served: "notes from the project meeting" -> ham /m);
  }, 120_000);

  test('--print-gcloud: stages the sdist on gs:// (the Cloud Storage emulator) and prints the gcloud command of the same job', async () => {
    const staging = `gs://vertexkit-test/train-python-${Date.now()}`;
    const args = ['--print-gcloud', '--project=my-project', `--staging=${staging}`, '--data=gs://my-bucket/spam/', '--as-of=2026-06-01'];
    const result = await run(args, work, { STORAGE_EMULATOR_HOST: inject('gcsEmulatorUrl') });
    expect(result.code, result.stderr).toBe(0);
    const uri = new RegExp(`as (${staging}/trainer-[0-9a-f]{12}\\.tar\\.gz)$`, 'm').exec(result.stdout)?.[1];
    expect(result.stdout).toContain(`--python-package-uris=${uri ?? 'missing'}`);
    expect(result.stdout).toContain('--worker-pool-spec=machine-type=n1-standard-4,replica-count=1,executor-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310:latest,python-module=trainer.task');
    expect(result.stdout).toContain('--args=--data=gs://my-bucket/spam/,--epochs=20');
    const today = await run(args.filter((arg) => !arg.startsWith('--as-of')), work, { STORAGE_EMULATOR_HOST: inject('gcsEmulatorUrl') });
    expect(today.code).toBe(2);
    expect(today.stderr).toMatch(/tf-cpu\.2-17\.py310 was available until 2026-07-11/);
  });
});

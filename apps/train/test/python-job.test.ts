// The issue's two seed command lines (gcloud ai custom-jobs create's flags) given to this app: run locally, the
// Python trainer (apps/train-python's package) trains in a virtual environment and leaves a model directory that
// @vertexkit/serve serves; submitted to tools/vertex-fake with the package staged in the Cloud Storage emulator, the
// CustomJob carries the staged URI, executor image and module, and the object has the package's sha256.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packagePythonTrainer } from '@vertexkit/jobs';
import { createPredictionServer, createTextClassificationHandler } from '@vertexkit/serve';
import { createStorage, readBytes } from '@vertexkit/storage';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as vertexFakeModule from '../../../tools/vertex-fake/index.mjs';
import type * as VertexFakeModule from '../../../tools/vertex-fake/index.d.ts';
import type { VertexFake } from '../../../tools/vertex-fake/index.d.ts';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it.
import * as pythonEnvModule from '../../../tools/python-env/index.mjs';
import type * as PythonEnv from '../../../tools/python-env/index.d.ts';
import { spamRows } from './helpers.ts';

const { startVertexFake } = vertexFakeModule as typeof VertexFakeModule;
const tools = (pythonEnvModule as typeof PythonEnv).findPythonTools();
if (tools.missing) console.warn(`Python job tests SKIPPED: ${tools.missing}`);

const MAIN = path.resolve(import.meta.dirname, '..', 'src', 'main.ts');
const TRAINER = path.resolve(import.meta.dirname, '..', '..', 'train-python', 'trainer-package');
const EXECUTOR = 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-12.py310:latest';
const MACHINE = 'machine-type=n1-standard-8,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1';
/** The issue's seed lines, the "..." filled in: a package copied to a bucket by hand, and gcloud's autopackaging. */
const SEED_PACKAGE = ['--python-package-uris=gs://my-bucket/trainer/trainer-0.1.0.tar.gz', `--worker-pool-spec=${MACHINE},executor-image-uri=${EXECUTOR},python-module=trainer.task`, '--args=--epochs=30,--batch_size=8'];
const SEED_AUTOPACKAGE = [`--worker-pool-spec=${MACHINE},executor-image-uri=${EXECUTOR},local-package-path=autopackage,python-module=trainer.task`];
/** A day on which tf-gpu.2-12.py310 was still available (it was until 2025-06-30). */
const AVAILABLE = '--as-of=2025-06-01';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, CLOUD_ML_JOB_ID: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let work: string;
let buckets: string;
let data: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-python-'));
  buckets = path.join(work, '.vertexkit', 'buckets');
  await fs.cp(TRAINER, path.join(work, 'autopackage'), { recursive: true });
  const csv = (rows: Array<{ text: string; label: string }>): string => `text,label\n${rows.map((row) => `${row.text},${row.label}`).join('\n')}\n`;
  data = path.join(buckets, 'my-bucket', 'data');
  await fs.mkdir(data, { recursive: true });
  await fs.writeFile(path.join(data, 'train.csv'), csv(spamRows(200, 3)));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

/** Serves the model directory with @vertexkit/serve and asks it about two texts. */
async function served(modelDir: string): Promise<string[]> {
  const server = createPredictionServer({ handler: createTextClassificationHandler({ modelDir, worker: false }), port: 0, host: '127.0.0.1', logger: false, handleSignals: false });
  const { url } = await server.listen();
  await server.ready;
  try {
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: ['win free cash prize now', 'team meeting about the project report'] }) });
    const body = (await response.json()) as { predictions: Array<{ labels: Array<{ label: string }> }> };
    return body.predictions.map((prediction) => prediction.labels[0]?.label ?? '');
  } finally {
    await server.close();
  }
}

describe.skipIf(Boolean(tools.missing))('the seed command lines, --local', () => {
  const env = (): Record<string, string> => ({ AIP_TRAINING_DATA_URI: path.join(data, 'train.csv') });

  test('autopackaging (local-package-path=autopackage): packaged, installed in a venv, trained; the model directory serves', async () => {
    const run = await cli([...SEED_AUTOPACKAGE, '--args=--epochs=30,--batch_size=8', `--python=${tools.python}`], work, env());
    expect(run.code, run.stderr).toBe(0);
    // The image is retired today: a warning locally (the image is not run here), an error for Vertex AI.
    expect(run.stderr).toMatch(/^warning: workerPoolSpecs\[0\] executor-image-uri: tf-gpu\.2-12\.py310 was available until 2025-06-30/m);
    expect(run.stdout).toMatch(/^workerPoolSpecs\[0\]: autopackage packaged as gs:\/\/vertexkit-local\/staging\/trainer-[0-9a-f]{12}\.tar\.gz \(sha256 [0-9a-f]{64}\): a Python package the executor image runs \(pythonPackageSpec; no image built\)$/m);
    expect(run.stdout).toMatch(/^epoch 30\/30: loss /m);
    const modelDir = /^local Vertex AI custom job \d+ \(.*\): model to (.*)$/m.exec(run.stdout)?.[1] ?? '';
    expect((await fs.readdir(modelDir)).sort()).toEqual(['config.json', 'metrics.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(await served(modelDir)).toEqual(['spam', 'ham']);
  }, 180_000);

  test('a package in a bucket (--python-package-uris): read from the local bucket folder, and the venv reused', async () => {
    const built = await packagePythonTrainer({ dir: TRAINER, outDir: path.join(buckets, 'my-bucket', 'trainer') });
    expect(path.basename(built.path ?? '')).toBe('trainer-0.1.0.tar.gz');
    const first = await cli([...SEED_PACKAGE, `--python=${tools.python}`], work, env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^python environment: /m);
    const second = await cli([...SEED_PACKAGE, `--python=${tools.python}`], work, env());
    expect(second.stdout).toMatch(/^python environment: .* \(reused\)$/m);
    const modelDir = /model to (.*)$/m.exec(second.stdout)?.[1] ?? '';
    expect(await served(modelDir)).toEqual(['spam', 'ham']);
  }, 180_000);

  test('a syntax error in the package is reported before anything is staged', async () => {
    const broken = path.join(work, 'broken');
    await fs.cp(TRAINER, broken, { recursive: true });
    await fs.appendFile(path.join(broken, 'trainer', 'model.py'), '\ndef oops(:\n');
    const staging = path.join(work, 'broken-staging');
    const run = await cli([SEED_AUTOPACKAGE[0]!.replace('local-package-path=autopackage', 'local-package-path=broken'), `--python=${tools.python}`, `--local-buckets=${staging}`], work);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: the package trainer 0\.1\.0 has 1 problem:\n {2}- trainer\/model\.py:\d+:\d+: invalid syntax/);
    await expect(fs.readdir(staging)).rejects.toThrow(/ENOENT/);
  });
});

describe('the seed command lines for Vertex AI (tools/vertex-fake, the Cloud Storage emulator)', () => {
  let fake: VertexFake;
  let gcs: Record<string, string>;
  const staging = `gs://vertexkit-test/staging-${randomUUID()}`;
  beforeAll(async () => {
    fake = await startVertexFake();
    gcs = { STORAGE_EMULATOR_HOST: inject('gcsEmulatorUrl'), VERTEXKIT_VERTEX_FAKE: fake.address };
  });
  afterAll(() => fake?.stop());

  test('autopackaging --submit: the CustomJob carries the staged sdist, executor image and module; the object has its sha256', async () => {
    const run = await cli([...SEED_AUTOPACKAGE, '--args=--epochs=30,--batch_size=8', '--submit', '--project=demo-project', `--staging=${staging}`, AVAILABLE, '--python=unused'], work, gcs);
    expect(run.stderr).toBe('error: --python applies to --local: on Vertex AI the executor image\'s Python runs the package\n');
    const submitted = await cli([...SEED_AUTOPACKAGE, '--args=--epochs=30,--batch_size=8', '--submit', '--project=demo-project', `--staging=${staging}`, AVAILABLE, '--no-wait'], work, gcs);
    expect(submitted.code, submitted.stderr).toBe(0);
    const local = await packagePythonTrainer({ dir: path.join(work, 'autopackage'), python: false });
    const uri = `${staging}/trainer-${local.sha256.slice(0, 12)}.tar.gz`;
    const [request] = fake.requestsFor<{ customJob: { jobSpec: { workerPoolSpecs: Array<Record<string, unknown>> } } }>('CreateCustomJob');
    expect(request?.customJob.jobSpec.workerPoolSpecs).toEqual([
      {
        machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
        replicaCount: '1',
        pythonPackageSpec: { executorImageUri: EXECUTOR, packageUris: [uri], pythonModule: 'trainer.task', args: ['--epochs=30', '--batch_size=8'] },
      },
    ]);
    const storage = createStorage({ projectId: 'demo', retry: { retries: 1, minDelayMs: 10 } });
    process.env.STORAGE_EMULATOR_HOST = gcs.STORAGE_EMULATOR_HOST;
    const staged = await readBytes({ from: uri, storage });
    expect(createHash('sha256').update(staged).digest('hex')).toBe(local.sha256);
  }, 60_000);

  test('--print-job and --print-gcloud say which: an sdist run by the executor image, or an image built from it', async () => {
    const job = await cli([...SEED_AUTOPACKAGE, '--print-job', '--project=demo-project', `--staging=${staging}`, AVAILABLE], work, gcs);
    expect(job.code, job.stderr).toBe(0);
    const printed = JSON.parse(job.stdout) as { autopackaging: Array<Record<string, unknown>>; customJob: { jobSpec: { workerPoolSpecs: Array<Record<string, unknown>> } } };
    expect(printed.autopackaging).toEqual([{ pool: 0, mode: 'python-package', source: 'autopackage', packageUri: expect.stringMatching(/^gs:\/\/vertexkit-test\/.*\/trainer-[0-9a-f]{12}\.tar\.gz$/) as unknown, sha256: expect.any(String) as unknown }]);
    const gcloud = await cli([...SEED_PACKAGE, '--print-gcloud', '--project=demo-project', AVAILABLE], work, gcs);
    expect(gcloud.stdout).toContain('--python-package-uris=gs://my-bucket/trainer/trainer-0.1.0.tar.gz');
    expect(gcloud.stdout).toContain(`--worker-pool-spec=${MACHINE},executor-image-uri=${EXECUTOR},python-module=trainer.task`);
    const image = await cli([`${SEED_AUTOPACKAGE[0]!},output-image-uri=us-central1-docker.pkg.dev/demo-project/trainers/trainer:1`, '--print-gcloud', '--project=demo-project', `--staging=${staging}`], work, gcs);
    expect(image.code, image.stderr).toBe(0);
    expect(image.stdout).toMatch(/^# workerPoolSpecs\[0\]: autopackage built into the image us-central1-docker\.pkg\.dev\/demo-project\/trainers\/trainer:1 FROM us-docker\.pkg\.dev\/vertex-ai\/training\/tf-gpu\.2-12\.py310:latest \(containerSpec; not built: build .* with buildah or docker and push it\)$/m);
    expect(image.stdout).toContain(`--worker-pool-spec=${MACHINE},container-image-uri=us-central1-docker.pkg.dev/demo-project/trainers/trainer:1`);
    const context = /not built: build (\S+) with/.exec(image.stdout)?.[1] ?? '';
    expect(await fs.readFile(path.join(context, 'Dockerfile'), 'utf8')).toContain(`FROM ${EXECUTOR}\n`);
  }, 60_000);

  test('for today, the retired executor image is refused with the reason and the way out', async () => {
    const run = await cli([...SEED_PACKAGE, '--print-job', '--project=demo-project'], work, gcs);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/executor-image-uri: tf-gpu\.2-12\.py310 was available until 2025-06-30 \(the job is for \d{4}-\d{2}-\d{2}\), and Vertex AI no longer runs it; /);
  });
});

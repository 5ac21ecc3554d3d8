// Where the training runs: --local (the default) as a local Vertex AI custom job through @vertexkit/jobs'
// local runner, --submit to Vertex AI (here tools/vertex-fake, over real gRPC), --print-gcloud.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeCsv } from '@vertexkit/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as vertexFakeModule from '../../../tools/vertex-fake/index.mjs';
import type * as VertexFakeModule from '../../../tools/vertex-fake/index.d.ts';
import type { VertexFake } from '../../../tools/vertex-fake/index.d.ts';
import { runCli, spamRows } from './helpers.ts';

const { startVertexFake } = vertexFakeModule as typeof VertexFakeModule;

let work: string;
let spam: string;
const QUICK = ['--ngrams', '1', '--dim', '16', '--epochs', '2'];

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-modes-'));
  spam = path.join(work, 'spam');
  await writeCsv({ to: path.join(spam, 'train.csv'), rows: spamRows(200) });
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('--local (the default outside a job)', () => {
  test('without --output, the model lands in <base-output-dir>/model/ (the job\'s AIP_MODEL_DIR)', async () => {
    const base = path.join(work, 'job-base');
    // CLOUD_ML_JOB_ID in the parent would mean "inside a job": the tests must not inherit one.
    const run = await runCli(['--data', spam, '--base-output-dir', base, ...QUICK, '--verbose'], { CLOUD_ML_JOB_ID: undefined });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^local Vertex AI custom job (\\d+) \\(vertexkit-train-\\d{8}-\\d{6}\\): model to ${base}/model/$`, 'm'));
    // The replica saw CLOUD_ML_JOB_ID (it trained in its own process, not as another local job) and AIP_MODEL_DIR.
    expect(run.stdout.match(/^local Vertex AI custom job /gm)).toHaveLength(1);
    expect(run.stdout).toMatch(/^epoch 2\/2: loss /m);
    expect(run.stdout).toContain(`model: ${base}/model (6 files,`);
    expect(run.stdout).toContain(`checkpoints: ${base}/checkpoints`);
    expect((await fs.readdir(path.join(base, 'model'))).sort()).toContain('manifest.json');
    expect((await fs.readdir(path.join(base, 'checkpoints'))).sort()).toEqual(['best-model.safetensors', 'final-model.safetensors']);
  });

  test('the replica\'s error reaches stderr unchanged; the job folders are made as Vertex AI makes them', async () => {
    const base = path.join(work, 'env-base');
    const run = await runCli(['--data', path.join(work, 'missing'), '--base-output-dir', base]);
    expect(run.code).toBe(1);
    const id = /^local Vertex AI custom job (\d+) /m.exec(run.stdout)?.[1];
    expect(id).toMatch(/^\d+$/);
    // The replica's own error, unchanged, is the last word: the data folder is not there.
    expect(run.stderr).toMatch(/^error: fetchDataset: required file "train\.csv" not found under .*missing/m);
    expect(run.stderr).not.toContain('workerpool0-0');
    for (const dir of ['model', 'checkpoints', 'logs']) await fs.access(path.join(base, dir));
  });

  test('a data error in the replica: its message, exit 1', async () => {
    const data = path.join(work, 'bad');
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(path.join(data, 'train.csv'), 'text,label\nhello,ham\nfree money,\n');
    const run = await runCli(['--data', data, '--output', path.join(work, 'bad-model'), ...QUICK]);
    expect(run.stderr).toContain('train.csv line 3: the label (column "label") is empty; every row needs one');
    expect(run.code).toBe(1);
  });

  test('with --output, the job folder is scratch: removed, and no checkpoints are kept', async () => {
    const tmp = path.join(work, 'tmp');
    await fs.mkdir(tmp);
    const output = path.join(work, 'explicit-model');
    const run = await runCli(['--data', spam, '--output', output, ...QUICK], { TMPDIR: tmp });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^local Vertex AI custom job \\d+ .*: model to ${output}$`, 'm'));
    expect(run.stdout).not.toContain('checkpoints:');
    expect(await fs.readdir(tmp)).toEqual([]);
  });

  test('inside a job (CLOUD_ML_JOB_ID) it trains in this process; job flags are usage errors there', async () => {
    const output = path.join(work, 'in-job-model');
    const run = await runCli(['--data', spam, '--output', output, ...QUICK], { CLOUD_ML_JOB_ID: '123' });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('local Vertex AI custom job');
    const misplaced = await runCli(['--here', '--data', spam, '--output', output, '--image', 'gcr.io/p/t:1']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('error: --image applies to --local and --submit, not to --here');
  });
});

describe('--submit', () => {
  let fake: VertexFake;
  const submitArgs = ['--submit', '--project', 'demo-project', '--image', 'us-docker.pkg.dev/demo-project/train/app:1', '--base-output-dir', 'gs://demo-bucket/runs/1/'];

  beforeAll(async () => {
    fake = await startVertexFake();
  });
  afterAll(() => fake?.stop());
  beforeEach(() => fake.reset());

  const submit = (...args: string[]) => runCli([...submitArgs, ...args], { VERTEXKIT_VERTEX_FAKE: fake.address });

  test('sends the job (image, training flags, output directory) and waits for it to succeed', async () => {
    const run = await submit('--data', 'gs://demo-bucket/spam/', '--epochs', '3', '--labels', 'team=ml', '--machine-type', 'n1-standard-8', '--accelerator-type', 'NVIDIA_TESLA_T4');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [request] = fake.requestsFor<{ parent: string; customJob: Record<string, unknown> }>('CreateCustomJob');
    expect(request!.parent).toBe('projects/demo-project/locations/us-central1');
    expect(request!.customJob).toMatchObject({
      displayName: expect.stringMatching(/^vertexkit-train-\d{8}-\d{6}$/) as unknown,
      labels: { team: 'ml' },
      jobSpec: {
        workerPoolSpecs: [{
          machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
          replicaCount: '1',
          containerSpec: { imageUri: 'us-docker.pkg.dev/demo-project/train/app:1', args: ['--data', 'gs://demo-bucket/spam/', '--epochs', '3'] },
        }],
        baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/runs/1/' },
      },
    });
    const id = /^submitted projects\/demo-project\/locations\/us-central1\/customJobs\/(\d+) /m.exec(run.stdout)?.[1];
    expect(id).toMatch(/^\d+$/);
    expect(run.stdout).toContain(`https://console.cloud.google.com/vertex-ai/locations/us-central1/training/${id}?project=demo-project`);
    expect(run.stdout).toMatch(/^JOB_STATE_RUNNING after \d+ s$/m);
    expect(run.stdout).toMatch(/^JOB_STATE_SUCCEEDED after \d+ s$/m);
  });

  test('a failed job: exit 1 with its error message', async () => {
    fake.setOutcome('spam-1', { state: 'JOB_STATE_FAILED', error: { code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 1.' } });
    const run = await submit('--data', '/gcs/demo-bucket/spam/', '--display-name', 'spam-1');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: job projects\/.*\/customJobs\/\d+ failed: The replica workerpool0-0 exited with a non-zero status of 1\.$/m);
  });

  test('--no-wait returns once the job is created', async () => {
    const run = await submit('--data', 'gs://demo-bucket/spam/', '--no-wait');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('JOB_STATE_');
    expect(fake.requestsFor('GetCustomJob')).toEqual([]);
  });

  test('local data is a usage error: the job cannot read this disk', async () => {
    const run = await submit('--data', spam);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: --data ${spam} is on this machine, but a submitted job runs on Vertex AI: give a gs:// (or /gcs/) location`);
    expect(fake.requests).toEqual([]);
  });

  test('a missing --image or --base-output-dir is a usage error', async () => {
    const noImage = await runCli(['--submit', '--project', 'p', '--base-output-dir', 'gs://b-1/r/', '--data', 'gs://b-1/d/']);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toContain('error: --submit needs --image');
    const noBase = await runCli(['--submit', '--project', 'p', '--image', 'gcr.io/p/t:1', '--data', 'gs://b-1/d/']);
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain('error: --submit needs --base-output-dir gs://');
  });
});

test('--print-gcloud prints the gcloud command and submits nothing', async () => {
  const run = await runCli(['--print-gcloud', '--project', 'demo-project', '--region', 'europe-west4', '--image', 'gcr.io/demo-project/train:1', '--base-output-dir', 'gs://demo-bucket/runs/2', '--data', 'gs://demo-bucket/spam/', '--epochs', '5', '--display-name', 'spam-2']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('gcloud ai custom-jobs create \\\n  --project=demo-project \\\n  --region=europe-west4 \\\n  --display-name=spam-2');
  expect(run.stdout).toContain('imageUri: "gcr.io/demo-project/train:1"');
  expect(run.stdout).toContain('outputUriPrefix: "gs://demo-bucket/runs/2"');
  expect(run.stdout).toMatch(/- "--epochs"\n\s+- "5"/);
});

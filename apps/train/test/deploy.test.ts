// deploy/deploy.ts as a user runs it: printing the commands, and with --run running them: gcloud (here a stand-in
// on PATH that records its arguments) for the image, then this app's --submit against Vertex AI (here
// tools/vertex-fake, over real gRPC).
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as vertexFakeModule from '../../../tools/vertex-fake/index.mjs';
import type * as VertexFakeModule from '../../../tools/vertex-fake/index.d.ts';
import type { VertexFake } from '../../../tools/vertex-fake/index.d.ts';

const { startVertexFake } = vertexFakeModule as typeof VertexFakeModule;
const appDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(appDir, '..', '..');
const FLAGS = ['--project', 'demo-project', '--region', 'us-central1', '--data', 'gs://demo-bucket/spam/', '--output-dir', 'gs://demo-bucket/jobs/spam', '--tag', 'v3'];
const IMAGE = 'us-central1-docker.pkg.dev/demo-project/vertexkit/train:v3';
let bin: string;
let calls: string;
let fake: VertexFake;

beforeAll(async () => {
  fake = await startVertexFake();
  bin = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-fake-gcloud-'));
  calls = path.join(bin, 'calls.jsonl');
  await fs.writeFile(
    path.join(bin, 'gcloud'),
    `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }) + '\\n');\n`,
    { mode: 0o755 },
  );
});
afterAll(async () => {
  await fake?.stop();
  await fs.rm(bin, { recursive: true, force: true });
});

function deploy(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['deploy/deploy.ts', ...args], {
    cwd: appDir,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, VERTEXKIT_VERTEX_FAKE: fake.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('prints the image build and the job, with the job as gcloud too', async () => {
  const { code, stdout } = await deploy([...FLAGS, '--', '--epochs', '5']);
  expect(code).toBe(0);
  expect(stdout).toContain('gcloud builds submit \\\n  --config=apps/train/cloudbuild.yaml \\\n  --project=demo-project \\\n  --substitutions=_REGION=us-central1,_REPOSITORY=vertexkit,_TAG=v3 \\\n  .');
  expect(stdout).toContain(`npx vertexkit-train \\\n  --submit \\\n  --image=${IMAGE} \\`);
  expect(stdout).toContain('  --base-output-dir=gs://demo-bucket/jobs/spam/ \\');
  expect(stdout).toContain(`#         imageUri: "${IMAGE}"`);
  expect(stdout).toContain('#   gcloud ai custom-jobs create \\');
  expect(stdout).toContain('--model-uri gs://demo-bucket/jobs/spam/model/');
});

test('--run builds the image with gcloud from the repository root, then submits the job and waits for it', async () => {
  const { code, stdout, stderr } = await deploy([...FLAGS, '--run', '--', '--epochs', '5']);
  expect(code, stderr).toBe(0);
  const recorded = (await fs.readFile(calls, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { args: string[]; cwd: string });
  expect(recorded.map((call) => call.args.slice(0, 3).join(' '))).toEqual(['artifacts repositories create', 'builds submit --config=apps/train/cloudbuild.yaml']);
  expect(recorded.every((call) => call.cwd === repoRoot)).toBe(true);
  const [request] = fake.requestsFor<{ customJob: { jobSpec: Record<string, unknown> } }>('CreateCustomJob');
  expect(request!.customJob.jobSpec).toMatchObject({
    workerPoolSpecs: [{ containerSpec: { imageUri: IMAGE, args: ['--data', 'gs://demo-bucket/spam/', '--epochs', '5'] } }],
    baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/jobs/spam/' },
  });
  expect(stdout).toMatch(/^JOB_STATE_SUCCEEDED after \d+ s$/m);
  expect(stdout).toContain('The model is in gs://demo-bucket/jobs/spam/model/');
});

test('a local --data is refused with the reason (exit 2)', async () => {
  const { code, stderr } = await deploy([...FLAGS.slice(0, 4), '--data', './data/', '--output-dir', 'gs://b/x/']);
  expect(code).toBe(2);
  expect(stderr).toContain('error: --data ./data/: a Vertex AI job reads and writes Cloud Storage; give a gs:// prefix');
});

test('a value Google Cloud would refuse: the one line vertexkit-train or the renderer gives, exit 2, no stack trace', async () => {
  const bucket = await deploy([...FLAGS.slice(0, 4), '--data', 'gs://b/data/', '--output-dir', 'gs://my-bucket/x/']);
  expect(bucket.code).toBe(2);
  expect(bucket.stderr).toMatch(/^error: option '--data <prefix>' argument 'gs:\/\/b\/data\/' is invalid\. "gs:\/\/b\/data\/": "b" is not a valid bucket name; [^\n]+\n$/);
  const project = await deploy(['--project', 'p', ...FLAGS.slice(2)]);
  expect(project.code).toBe(2);
  expect(project.stderr).toContain('project: "p" is not a Google Cloud project ID');
  expect(project.stderr).not.toMatch(/\n\s+at /);
});

// deploy/deploy.ts as a user runs it: printing the gcloud commands, and with --run running them, here against
// a stand-in `gcloud` on PATH that records its arguments (and answers `ai endpoints list` as gcloud would).
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkCloudRunService } from '@vertexkit/containers';

const appDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(appDir, '..', '..');
const FLAGS = ['--project', 'my-project', '--region', 'europe-west4', '--model-uri', 'gs://my-bucket/jobs/spam/model/', '--tag', 'v7'];
const IMAGE = 'europe-west4-docker.pkg.dev/my-project/vertexkit/serve-cloud-run:v7';
let bin: string;
let calls: string;

beforeAll(async () => {
  bin = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-fake-gcloud-'));
  calls = path.join(bin, 'calls.jsonl');
  await fs.writeFile(
    path.join(bin, 'gcloud'),
    `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ args, cwd: process.cwd() }) + '\\n');
if (args[0] === 'artifacts') { process.stderr.write('ERROR: (gcloud.artifacts.repositories.create) ALREADY_EXISTS: the repository already exists\\n'); process.exit(1); }
if (args[0] === 'ai' && args[2] === 'list') console.log('projects/123/locations/europe-west4/endpoints/4455667788');
`,
    { mode: 0o755 },
  );
});
afterAll(() => fs.rm(bin, { recursive: true, force: true }));

function deploy(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['deploy/deploy.ts', ...args], {
    cwd: appDir,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('prints every gcloud command, and writes the Cloud Run service YAML they use', async () => {
  const { code, stdout } = await deploy(FLAGS);
  expect(code).toBe(0);
  expect(stdout).toContain('gcloud builds submit \\\n  --config=apps/serve-cloud-run/cloudbuild.yaml \\\n  --project=my-project \\\n  --substitutions=_REGION=europe-west4,_REPOSITORY=vertexkit,_TAG=v7 \\\n  .');
  expect(stdout).toContain('gcloud run services replace .vertexkit/deploy/serve-cloud-run/service.yaml \\\n  --region=europe-west4 \\\n  --project=my-project');
  expect(stdout).toContain('#   gcloud run deploy spam-classifier \\');
  expect(stdout).toContain(`  --container-image-uri=${IMAGE} \\`);
  expect(stdout).toContain('export ENDPOINT_ID=$(gcloud ai endpoints list \\');
  expect(stdout).toContain("--format='value(name.basename())'");
  expect(stdout).toContain('gcloud ai endpoints deploy-model "$ENDPOINT_ID" \\');
  const yaml = await fs.readFile(path.join(repoRoot, '.vertexkit', 'deploy', 'serve-cloud-run', 'service.yaml'), 'utf8');
  expect(checkCloudRunService(yaml)).toEqual([]);
  expect(yaml).toContain(`- image: ${IMAGE}`);
  expect(yaml).toContain('value: gs://my-bucket/jobs/spam/model/');
  expect(yaml).toContain('path: /health');
});

test('--run runs them in order from the repository root, passing the endpoint ID on', async () => {
  await fs.rm(calls, { force: true });
  const { code, stdout, stderr } = await deploy([...FLAGS, '--run', '--target', 'both']);
  expect(code, stderr).toBe(0);
  const recorded = (await fs.readFile(calls, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { args: string[]; cwd: string });
  expect(recorded.map((call) => call.args.slice(0, 3).join(' '))).toEqual([
    'artifacts repositories create',
    'builds submit --config=apps/serve-cloud-run/cloudbuild.yaml',
    'run services replace',
    'ai models upload',
    'ai endpoints create',
    'ai endpoints list',
    'ai endpoints deploy-model',
  ]);
  expect(recorded.every((call) => call.cwd === repoRoot)).toBe(true);
  expect(recorded.at(-1)?.args).toEqual(expect.arrayContaining(['4455667788', '--model=spam-classifier', '--traffic-split=0=100']));
  // An existing repository is not a failure; the printed ID is what the next step used.
  expect(stdout).toContain('ENDPOINT_ID=4455667788');
});

test('--target cloud-run skips Vertex AI; a missing flag is a usage error (exit 2)', async () => {
  const { stdout } = await deploy([...FLAGS, '--target', 'cloud-run']);
  expect(stdout).not.toContain('gcloud ai');
  const missing = await deploy(['--project', 'p']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('error: missing --region, --model-uri');
  const local = await deploy([...FLAGS.slice(0, 4), '--model-uri', './model']);
  expect(local.code).toBe(2);
  expect(local.stderr).toContain('give a gs:// prefix');
});

test('a value Google Cloud would refuse, or an unknown flag: one error line naming it, exit 2, no stack trace', async () => {
  const project = await deploy(['--project', 'p', ...FLAGS.slice(2)]);
  expect(project.code).toBe(2);
  expect(project.stderr).toBe('error: cloudBuildSubmitCommand: 1 invalid option\n  project: "p" is not a Google Cloud project ID: 6–30 lowercase letters, digits and "-", starting with a letter\n');
  const bucket = await deploy([...FLAGS.slice(0, 4), '--model-uri', 'gs://b/model/']);
  expect(bucket.code).toBe(2);
  expect(bucket.stderr).toContain('model.artifactUri: "b" is not a bucket name');
  expect(bucket.stderr).not.toMatch(/\n\s+at /);
  const unknown = await deploy([...FLAGS, '--projec', 'x']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^error: Unknown option '--projec'.*\(--help lists the flags\)\n$/);
});

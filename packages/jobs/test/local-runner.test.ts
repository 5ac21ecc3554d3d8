// The local runner with real child processes: the environment Vertex AI sets, the states a remote job goes
// through, logs as they are written, a failure with Vertex's message, and cancellation.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsError } from '../src/lib/jobs-error.js';
import type { JobProgressEvent } from '../src/lib/job-handle.js';
import { startLocalCustomJob } from '../src/lib/local-runner/run-local-job.js';
import type { CustomJobSpec } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-jobs-local-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A CustomJob whose primary replica runs `script` with Node. */
function nodeJob(script: string, extra: Record<string, unknown> = {}): CustomJobSpec {
  const machineSpec = { machineType: 'n1-standard-4' };
  return {
    displayName: 'local-test',
    labels: { team: 'ml' },
    jobSpec: {
      workerPoolSpecs: [
        { machineSpec, replicaCount: 1, containerSpec: { imageUri: 'us-docker.pkg.dev/p/r/train:1', command: [process.execPath, '-e', script, '--'], args: ['--flag', 'value'], env: { FROM_SPEC: 'yes' } } },
        { machineSpec, replicaCount: 2, containerSpec: { imageUri: 'us-docker.pkg.dev/p/r/train:1' } },
      ],
      ...extra,
    },
  };
}

describe('startLocalCustomJob', () => {
  it('validates the spec as submitCustomJob does', () => {
    const spec = nodeJob('') as unknown as { jobSpec: { workerPoolSpecs: Array<Record<string, unknown>> } };
    spec.jobSpec.workerPoolSpecs[0]!['machinespec'] = {};
    expect(() => startLocalCustomJob(spec as unknown as CustomJobSpec)).toThrow(JobsError);
  });

  it('runs the primary replica with the environment Vertex AI sets, and succeeds', async () => {
    const base = path.join(root, 'ok');
    const script = `
      const fs = require('node:fs');
      const env = Object.fromEntries(['AIP_MODEL_DIR','AIP_CHECKPOINT_DIR','AIP_TENSORBOARD_LOG_DIR','CLOUD_ML_JOB_ID','CLUSTER_SPEC','TF_CONFIG','FROM_SPEC'].map((k) => [k, process.env[k]]));
      fs.writeFileSync(process.env.AIP_MODEL_DIR + 'env.json', JSON.stringify({ env, argv: process.argv.slice(1) }));
      console.log('training done');`;
    const job = startLocalCustomJob(nodeJob(script, { baseOutputDirectory: { outputUriPrefix: `gs://unused-bucket/x` } }), { baseOutputDir: base });
    const events: JobProgressEvent[] = [];
    const done = await job.wait({ pollIntervalMs: 5, onProgress: (event) => events.push(event) });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.startTime).toBeInstanceOf(Date);
    expect(done.endTime!.getTime()).toBeGreaterThanOrEqual(done.startTime!.getTime());
    expect(job.exitCode).toBe(0);
    expect(job.logs).toContainEqual({ replica: 'workerpool0-0', stream: 'stdout', line: 'training done' });
    const states = events.filter((event) => event.type === 'state').map((event) => event.state);
    expect(states.at(-1)).toBe('JOB_STATE_SUCCEEDED');
    expect(states.every((state, i) => i === 0 || ['JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_SUCCEEDED'].includes(state))).toBe(true);

    const { env, argv } = JSON.parse(await readFile(path.join(base, 'model', 'env.json'), 'utf8')) as { env: Record<string, string>; argv: string[] };
    expect(argv).toEqual(['--flag', 'value']);
    expect(env).toMatchObject({
      AIP_MODEL_DIR: `${base}/model/`,
      AIP_CHECKPOINT_DIR: `${base}/checkpoints/`,
      AIP_TENSORBOARD_LOG_DIR: `${base}/logs/`,
      FROM_SPEC: 'yes',
    });
    expect(job.name).toBe(`projects/local/locations/local/customJobs/${env['CLOUD_ML_JOB_ID']}`);
    expect(JSON.parse(env['CLUSTER_SPEC']!)).toMatchObject({
      cluster: { workerpool0: ['127.0.0.1:2222'], workerpool1: ['127.0.0.1:2223', '127.0.0.1:2224'] },
      environment: 'cloud',
      task: { type: 'workerpool0', index: 0 },
    });
    expect(JSON.parse(env['TF_CONFIG']!)).toEqual({
      cluster: { chief: ['127.0.0.1:2222'], worker: ['127.0.0.1:2223', '127.0.0.1:2224'] },
      task: { type: 'chief', index: 0 },
      environment: 'cloud',
    });
  });

  it('fails with Vertex AI\'s message for a non-zero exit, and the replica\'s last error line', async () => {
    const job = startLocalCustomJob(nodeJob(`console.error('error: train.csv is missing'); process.exit(3);`), { baseOutputDir: path.join(root, 'fail') });
    const error = await job.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_FAILED');
    expect((error as JobsError).jobError).toEqual({ code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 3. Last error line: error: train.csv is missing' });
    expect((error as Error).message).toContain('ended in JOB_STATE_FAILED: The replica workerpool0-0 exited with a non-zero status of 3.');
    expect(job.exitCode).toBe(3);
    expect((await job.get()).state).toBe('JOB_STATE_FAILED');
  });

  it('cancels a running job: SIGTERM, CANCELLING, then CANCELLED', async () => {
    const lines: string[] = [];
    const job = startLocalCustomJob(nodeJob(`process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143); }); console.log('ready'); setInterval(() => {}, 1000);`), {
      baseOutputDir: path.join(root, 'cancel'),
      onLog: ({ line }) => lines.push(line),
    });
    await job.wait({ pollIntervalMs: 5, timeoutMs: 20, onProgress: () => undefined }).catch(() => undefined);
    while (!lines.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 10));
    await job.cancel();
    expect(lines).toContain('got SIGTERM');
    const error = await job.wait().catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_CANCELLED');
  });

  it('times out waiting without stopping the job', async () => {
    const job = startLocalCustomJob(nodeJob(`setTimeout(() => {}, 300);`), { baseOutputDir: path.join(root, 'timeout') });
    const error = await job.wait({ pollIntervalMs: 5, timeoutMs: 30 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('TIMEOUT');
    expect((await job.wait({ pollIntervalMs: 5 })).state).toBe('JOB_STATE_SUCCEEDED');
  });

  it('needs a command when the image\'s entrypoint cannot be read, and takes one per image', async () => {
    const resource = nodeJob('') as unknown as { jobSpec: { workerPoolSpecs: Array<{ containerSpec: { command?: string[] } }> } } & CustomJobSpec;
    delete resource.jobSpec.workerPoolSpecs[0]!.containerSpec.command;
    expect(() => startLocalCustomJob(resource)).toThrow(/workerPoolSpecs\[0\]\.containerSpec\.command: the local runner needs the command to run/);
    const job = startLocalCustomJob(resource, { baseOutputDir: path.join(root, 'commands'), commands: { 'us-docker.pkg.dev/p/r/train:1': [process.execPath, '-e', 'console.log(String(process.argv.length))', '--'] } });
    expect((await job.wait({ pollIntervalMs: 5 })).state).toBe('JOB_STATE_SUCCEEDED');
    expect(job.logs.map((entry) => entry.line)).toEqual(['3']);
  });
});

// createJobsClient against tools/vertex-fake over real gRPC: specs validated before anything is sent, exactly
// the expected requests on the wire, jobs waited for through their states, failures and cancellation surfaced,
// and the model -> endpoint -> deploy path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it (TypeScript looks for index.d.mts).
import * as vertexFakeModule from '../../../tools/vertex-fake/index.mjs';
import type * as VertexFakeModule from '../../../tools/vertex-fake/index.d.ts';
import type { VertexFake } from '../../../tools/vertex-fake/index.d.ts';
import { createJobsClient, type JobsClient } from '../src/client.js';
import { JobsError, type CustomJobSpec, type JobProgressEvent } from '../src/index.js';
import { batchJob, modelUpload, tuningJob } from './fixtures/specs.js';

const { startVertexFake } = vertexFakeModule as typeof VertexFakeModule;

let fake: VertexFake;
let jobs: JobsClient;
beforeAll(async () => {
  fake = await startVertexFake();
  jobs = createJobsClient({ project: 'demo-project', location: 'us-central1', clientOptions: fake.clientOptions, pollIntervalMs: 1 });
});
afterAll(async () => {
  await jobs?.close();
  await fake?.stop();
});
beforeEach(() => fake.reset());

const spec = (displayName: string, labels: Record<string, string> = {}): CustomJobSpec => ({
  displayName,
  labels,
  jobSpec: {
    workerPoolSpecs: [
      {
        machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
        replicaCount: 1,
        containerSpec: { imageUri: 'us-docker.pkg.dev/demo-project/train/app:1', args: ['--epochs', '3'], env: { SEED: '7' } },
      },
    ],
    scheduling: { timeout: '2h' },
    baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/runs/1' },
  },
});

describe('createJobsClient: custom jobs', () => {
  it('sends the converted spec and waits through QUEUED, PENDING and RUNNING to SUCCEEDED', async () => {
    const job = await jobs.submitCustomJob(spec('train-spam', { team: 'ml' }));
    expect(job.name).toMatch(/^projects\/[\w-]+\/locations\/us-central1\/customJobs\/\d+$/);
    const [request] = fake.requestsFor<{ parent: string; customJob: Record<string, unknown> }>('CreateCustomJob');
    expect(request!.parent).toBe('projects/demo-project/locations/us-central1');
    expect(request!.customJob).toMatchObject({
      displayName: 'train-spam',
      labels: { team: 'ml' },
      jobSpec: {
        workerPoolSpecs: [{
          machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
          replicaCount: '1',
          containerSpec: { imageUri: 'us-docker.pkg.dev/demo-project/train/app:1', args: ['--epochs', '3'], env: [{ name: 'SEED', value: '7' }] },
        }],
        scheduling: { timeout: { seconds: '7200' } },
        baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/runs/1' },
      },
    });

    const events: JobProgressEvent[] = [];
    const done = await job.wait({ onProgress: (event) => events.push(event) });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.displayName).toBe('train-spam');
    expect(done.labels).toEqual({ team: 'ml' });
    expect(done.createTime).toBeInstanceOf(Date);
    expect(events.filter((event) => event.type === 'state').map((event) => event.state)).toEqual(['JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_SUCCEEDED']);
  });

  it('sends nothing for an invalid spec, and lists every issue with its path', async () => {
    const bad = spec('bad') as unknown as { jobSpec: { workerPoolSpecs: Array<Record<string, unknown>> } };
    bad.jobSpec.workerPoolSpecs[0]!['machineSpec'] = { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T5', acceleratorCount: 1 };
    bad.jobSpec.workerPoolSpecs[0]!['replica_count'] = 1;
    const error = await jobs.submitCustomJob(bad as unknown as CustomJobSpec).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_SPEC');
    const paths = (error as JobsError).issues.map((issue) => issue.path);
    expect(paths).toContain('jobSpec.workerPoolSpecs[0].machineSpec.acceleratorType');
    expect(paths).toContain('jobSpec.workerPoolSpecs[0].replica_count');
    expect((error as Error).message).toMatch(/NVIDIA_TESLA_T4/);
    expect(fake.requests).toEqual([]);
  });

  it('surfaces a failed job\'s error message', async () => {
    fake.setOutcome('will-fail', { state: 'JOB_STATE_FAILED', error: { code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 1.' } });
    const job = await jobs.submitCustomJob(spec('will-fail'));
    const error = await job.wait().catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_FAILED');
    expect((error as JobsError).jobError).toEqual({ code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 1.' });
    expect((error as Error).message).toContain('ended in JOB_STATE_FAILED: The replica workerpool0-0 exited with a non-zero status of 1.');
    expect((error as JobsError).resource).toBe(job.name);
  });

  it('cancels a job, which ends CANCELLED', async () => {
    fake.setOutcome('long', { hold: true });
    const job = await jobs.submitCustomJob(spec('long'));
    // Each Get moves the fake's job one state; a held job stops at RUNNING.
    let state = (await job.get()).state;
    while (state !== 'JOB_STATE_RUNNING') state = (await job.get()).state;
    await job.cancel();
    const error = await job.wait().catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_CANCELLED');
    expect(fake.requestsFor('CancelCustomJob')).toEqual([{ name: job.name }]);
  });

  it('times out waiting without cancelling', async () => {
    fake.setOutcome('held', { hold: true });
    const job = await jobs.submitCustomJob(spec('held'));
    const error = await job.wait({ timeoutMs: 30 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('TIMEOUT');
    expect(fake.requestsFor('CancelCustomJob')).toEqual([]);
  });

  it('lists jobs by label and finds a job by name', async () => {
    await jobs.submitCustomJob(spec('a', { team: 'ml', run: '1' }));
    const b = await jobs.submitCustomJob(spec('b', { team: 'ml', run: '2' }));
    await jobs.submitCustomJob(spec('c', { team: 'web' }));
    const listed: string[] = [];
    for await (const job of jobs.listJobs({ labels: { team: 'ml' } })) listed.push(job.displayName);
    expect(listed.sort()).toEqual(['a', 'b']);
    expect(fake.requestsFor<{ filter: string }>('ListCustomJobs')[0]!.filter).toBe('labels.team="ml"');
    expect((await jobs.job(b.name).get()).displayName).toBe('b');
    const missing = await jobs.job('projects/demo-project/locations/us-central1/customJobs/42').get().catch((caught: unknown) => caught);
    expect(JobsError.isInstance(missing) && missing.code).toBe('NOT_FOUND');
    expect(() => jobs.job('projects/p/locations/l/models/1')).toThrow(/is not a job name/);
  });
});

describe('createJobsClient: models and endpoints', () => {
  it('uploads a model, creates an endpoint, deploys with a traffic split and undeploys', async () => {
    const { model } = await jobs.uploadModel({
      model: {
        displayName: 'spam-classifier',
        artifactUri: 'gs://demo-bucket/models/spam/',
        containerSpec: {
          imageUri: 'us-docker.pkg.dev/demo-project/serve/app:1',
          predictRoute: '/predict',
          healthRoute: '/health',
          ports: [{ containerPort: 8080 }],
          env: { LOG_LEVEL: 'info' },
        },
      },
    });
    expect(model).toMatch(/^projects\/[\w-]+\/locations\/us-central1\/models\/\d+$/);
    const [upload] = fake.requestsFor<{ model: Record<string, unknown> }>('UploadModel');
    expect(upload!.model).toMatchObject({ containerSpec: { env: [{ name: 'LOG_LEVEL', value: 'info' }], ports: [{ containerPort: 8080 }] } });

    const endpoint = await jobs.createEndpoint({ displayName: 'spam-endpoint' });
    expect(endpoint).toMatch(/\/endpoints\/\d+$/);
    const deployed = await jobs.deployModel(endpoint, {
      deployedModel: {
        model,
        displayName: 'spam-v1',
        dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1, maxReplicaCount: 3 },
      },
      trafficSplit: { '0': 100 },
    });
    expect(deployed.deployedModelId).toMatch(/^\d+$/);
    const [deploy] = fake.requestsFor<Record<string, unknown>>('DeployModel');
    expect(deploy).toMatchObject({ endpoint, trafficSplit: { '0': 100 }, deployedModel: { model, dedicatedResources: { minReplicaCount: 1, maxReplicaCount: 3 } } });
    expect(fake.get<{ trafficSplit: Record<string, number> }>(endpoint)!.trafficSplit).toEqual({ [deployed.deployedModelId]: 100 });

    await jobs.undeployModel({ endpoint, deployedModelId: deployed.deployedModelId, trafficSplit: {} });
    expect(fake.get<{ deployedModels?: unknown[] }>(endpoint)!.deployedModels ?? []).toEqual([]);
  });
});

describe('createJobsClient: tuning and batch prediction jobs', () => {
  it('runs a hyperparameter tuning job to its trials', async () => {
    const job = await jobs.submitHyperparameterTuningJob(tuningJob());
    expect(job.kind).toBe('hyperparameterTuningJob');
    const done = await job.wait();
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect((done.resource['trials'] as unknown[]).length).toBe(20);
    const [request] = fake.requestsFor<{ hyperparameterTuningJob: Record<string, unknown> }>('CreateHyperparameterTuningJob');
    expect(request!.hyperparameterTuningJob).toMatchObject({ maxTrialCount: 20, parallelTrialCount: 2, studySpec: { algorithm: 'RANDOM_SEARCH' } });
  });

  it('runs a batch prediction job and reports where its results went', async () => {
    const { model } = await jobs.uploadModel(modelUpload());
    const done = await (await jobs.submitBatchPredictionJob({ ...batchJob(), model })).wait();
    expect(done.kind).toBe('batchPredictionJob');
    expect((done.resource['outputInfo'] as { gcsOutputDirectory: string }).gcsOutputDirectory).toMatch(/^gs:\/\//);
    const [request] = fake.requestsFor<{ batchPredictionJob: Record<string, unknown> }>('CreateBatchPredictionJob');
    expect(request!.batchPredictionJob).toMatchObject({ model, inputConfig: batchJob().inputConfig });
  });
});

// Drives the official @google-cloud/aiplatform clients against tools/vertex-fake over real gRPC:
// proves the fake is wire-compatible (auth, LROs, Any payloads, enums, int64s) before any
// @vertexkit/jobs test relies on it.
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { protos } from '@google-cloud/aiplatform';
// Deep imports: the package index loads every Vertex client (about 1.4 s); these three load in a third of that.
import { EndpointServiceClient } from '@google-cloud/aiplatform/build/src/v1/endpoint_service_client.js';
import { JobServiceClient } from '@google-cloud/aiplatform/build/src/v1/job_service_client.js';
import { ModelServiceClient } from '@google-cloud/aiplatform/build/src/v1/model_service_client.js';
// @ts-expect-error -- plain ESM module; its types are in the index.d.ts beside it, not the index.d.mts TypeScript looks for.
import * as vertexFakeModule from '../../../tools/vertex-fake/index.mjs';
import type * as VertexFakeModule from '../../../tools/vertex-fake/index.d.ts';
import type { VertexFake } from '../../../tools/vertex-fake/index.d.ts';

const { startVertexFake } = vertexFakeModule as typeof VertexFakeModule;

type ICustomJob = protos.google.cloud.aiplatform.v1.ICustomJob;
type ICreateCustomJobRequest = protos.google.cloud.aiplatform.v1.ICreateCustomJobRequest;

const parent = 'projects/demo-project/locations/us-central1';
const jobName = /^projects\/demo-project\/locations\/us-central1\/customJobs\/\d{19}$/;

function customJob(displayName: string, labels: Record<string, string> = {}): ICustomJob {
  return {
    displayName,
    labels,
    jobSpec: {
      workerPoolSpecs: [
        {
          machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
          replicaCount: 1,
          containerSpec: { imageUri: 'us-docker.pkg.dev/demo/train:1', args: ['--epochs=3'], env: [{ name: 'SEED', value: '7' }] },
        },
      ],
      baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/runs/1' },
    },
  };
}

let fake: VertexFake;
let jobs: JobServiceClient;
let models: ModelServiceClient;
let endpoints: EndpointServiceClient;

beforeAll(async () => {
  fake = await startVertexFake();
  jobs = new JobServiceClient(fake.clientOptions);
  models = new ModelServiceClient(fake.clientOptions);
  endpoints = new EndpointServiceClient(fake.clientOptions);
});
afterEach(() => fake.reset());
afterAll(async () => {
  await Promise.all([jobs.close(), models.close(), endpoints.close()]);
  await fake.stop();
});

/** The error a call rejects with: a gax GoogleError carrying the gRPC status. */
async function failure(call: Promise<unknown>): Promise<{ code?: number; details?: string }> {
  try {
    await call;
  } catch (err) {
    return err as { code?: number; details?: string };
  }
  throw new Error('expected the call to fail');
}

async function state(name: string): Promise<string> {
  const [job] = await jobs.getCustomJob({ name });
  return String(job.state);
}

async function uploadModel(displayName = 'sentiment'): Promise<string> {
  const [operation] = await models.uploadModel({
    parent,
    model: { displayName, artifactUri: 'gs://demo-bucket/model/', containerSpec: { imageUri: 'us-docker.pkg.dev/demo/serve:1', predictRoute: '/predict', healthRoute: '/health' } },
  });
  const [response] = await operation.promise();
  return String(response.model);
}

async function createEndpoint(): Promise<string> {
  const [operation] = await endpoints.createEndpoint({ parent, endpoint: { displayName: 'sentiment-endpoint' } });
  const [endpoint] = await operation.promise();
  return String(endpoint.name);
}

describe('CustomJob', () => {
  test('create returns a QUEUED job under the parent, and each get moves it one state', async () => {
    const [created] = await jobs.createCustomJob({ parent, customJob: customJob('train-1', { team: 'nlp' }) });
    expect(created.name).toMatch(jobName);
    expect(created).toMatchObject({ displayName: 'train-1', state: 'JOB_STATE_QUEUED', labels: { team: 'nlp' } });
    expect(Number(created.createTime?.seconds)).toBeGreaterThan(0);
    expect(created.startTime).toBeNull();

    const name = String(created.name);
    expect(await state(name)).toBe('JOB_STATE_PENDING');
    expect(await state(name)).toBe('JOB_STATE_RUNNING');
    const [done] = await jobs.getCustomJob({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.startTime).not.toBeNull();
    expect(done.endTime).not.toBeNull();
    expect(done.error).toBeNull();
    // Stored as sent: the spec round-trips through the fake, int64s and enums included.
    expect(done.jobSpec?.workerPoolSpecs?.[0]).toMatchObject({ replicaCount: '1', machineSpec: { acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 } });
  });

  test('records exactly what the client sent', async () => {
    await jobs.createCustomJob({ parent, customJob: customJob('train-1', { team: 'nlp' }) });
    expect(fake.requests.map((r) => `${r.service}.${r.method}`)).toEqual(['JobService.CreateCustomJob']);
    // Decoded from the wire: camelCase, int64 as strings, enums by name, proto3 defaults absent.
    expect(fake.requestsFor<ICreateCustomJobRequest>('CreateCustomJob')).toEqual([
      {
        parent,
        customJob: {
          displayName: 'train-1',
          labels: { team: 'nlp' },
          jobSpec: {
            workerPoolSpecs: [
              {
                machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
                replicaCount: '1',
                containerSpec: { imageUri: 'us-docker.pkg.dev/demo/train:1', args: ['--epochs=3'], env: [{ name: 'SEED', value: '7' }] },
              },
            ],
            baseOutputDirectory: { outputUriPrefix: 'gs://demo-bucket/runs/1' },
          },
        },
      },
    ]);
  });

  test('list filters by AND-ed labels and pages', async () => {
    await jobs.createCustomJob({ parent, customJob: customJob('a', { team: 'nlp', run: 'r1' }) });
    await jobs.createCustomJob({ parent, customJob: customJob('b', { team: 'nlp' }) });
    await jobs.createCustomJob({ parent, customJob: customJob('c', { team: 'vision', run: 'r2' }) });
    await jobs.createCustomJob({ parent, customJob: customJob('d', { team: 'nlp', run: 'r3' }) });

    const names = async (filter: string) => (await jobs.listCustomJobs({ parent, filter }))[0].map((j) => j.displayName);
    expect(await names('labels.team=nlp')).toEqual(['a', 'b', 'd']);
    expect(await names('labels.team=nlp AND labels.run:*')).toEqual(['a', 'd']);
    expect(await names('labels.team="vision" AND labels.run=r2')).toEqual(['c']);
    expect(await names('display_name="b"')).toEqual(['b']);

    const [page, nextRequest] = await jobs.listCustomJobs({ parent, filter: 'labels.team=nlp', pageSize: 2 }, { autoPaginate: false });
    expect(page.map((j) => j.displayName)).toEqual(['a', 'b']);
    const [rest, last] = await jobs.listCustomJobs({ ...nextRequest }, { autoPaginate: false });
    expect(rest.map((j) => j.displayName)).toEqual(['d']);
    expect(last).toBeNull();

    await expect(jobs.listCustomJobs({ parent, filter: 'labels.team=nlp OR labels.team=vision' })).rejects.toMatchObject({ code: 3 });
  });

  test('cancel moves a running job to CANCELLING, then CANCELLED with code 1', async () => {
    const [created] = await jobs.createCustomJob({ parent, customJob: customJob('to-cancel') });
    const name = String(created.name);
    fake.advance(name, 'JOB_STATE_RUNNING');
    await jobs.cancelCustomJob({ name });
    expect(fake.get<ICustomJob>(name)?.state).toBe('JOB_STATE_CANCELLING');
    const [cancelled] = await jobs.getCustomJob({ name });
    expect(cancelled).toMatchObject({ state: 'JOB_STATE_CANCELLED', error: { code: 1 } });
    // A finished job cannot be cancelled again.
    await expect(jobs.cancelCustomJob({ name })).rejects.toMatchObject({ code: 9 });
  });

  test('a scripted failure ends FAILED with its error', async () => {
    const error = { code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 1.' };
    fake.setOutcome('broken', { state: 'JOB_STATE_FAILED', error });
    const [ok] = await jobs.createCustomJob({ parent, customJob: customJob('fine') });
    const [bad] = await jobs.createCustomJob({ parent, customJob: customJob('broken') });
    for (let i = 0; i < 3; i++) await jobs.getCustomJob({ name: bad.name });
    const [failed] = await jobs.getCustomJob({ name: bad.name });
    expect(failed).toMatchObject({ state: 'JOB_STATE_FAILED', error });
    expect(fake.advance<ICustomJob>(String(ok.name), 'JOB_STATE_SUCCEEDED').error).toBeUndefined();
  });

  test('hold keeps a job RUNNING until released; matcher functions see the request', async () => {
    fake.setOutcome((request) => (request.customJob as ICustomJob).labels?.slow === 'yes', { hold: true });
    const [created] = await jobs.createCustomJob({ parent, customJob: customJob('slow', { slow: 'yes' }) });
    const name = String(created.name);
    for (let i = 0; i < 5; i++) await jobs.getCustomJob({ name });
    expect(await state(name)).toBe('JOB_STATE_RUNNING');
    fake.release(name);
    expect(await state(name)).toBe('JOB_STATE_SUCCEEDED');

    const [other] = await jobs.createCustomJob({ parent, customJob: customJob('quick') });
    fake.hold(String(other.name));
    for (let i = 0; i < 4; i++) await jobs.getCustomJob({ name: other.name });
    expect(await state(String(other.name))).toBe('JOB_STATE_RUNNING');
  });

  test('delete is a long-running operation, refused while the job runs', async () => {
    const [created] = await jobs.createCustomJob({ parent, customJob: customJob('old') });
    const name = String(created.name);
    await expect(jobs.deleteCustomJob({ name })).rejects.toMatchObject({ code: 9 });
    fake.advance(name, 'JOB_STATE_SUCCEEDED');
    const [operation] = await jobs.deleteCustomJob({ name });
    expect(operation.name).toMatch(new RegExp(`^${name}/operations/\\d+$`));
    await operation.promise();
    await expect(jobs.getCustomJob({ name })).rejects.toMatchObject({ code: 5 });
  });

  test('errors are gRPC statuses worded like the API', async () => {
    expect(await failure(jobs.getCustomJob({ name: `${parent}/customJobs/42` }))).toEqual(
      expect.objectContaining({ code: 5, details: `CustomJob "${parent}/customJobs/42" not found.` }),
    );
    expect(await failure(jobs.createCustomJob({ parent, customJob: { displayName: 'no-spec' } }))).toEqual(
      expect.objectContaining({ code: 3, details: 'List of found errors:\t1.Field: custom_job.job_spec; Message: Required field is not set.\t' }),
    );
    const badLabels = await failure(jobs.createCustomJob({ parent, customJob: customJob('x', { Team: 'NLP' }) }));
    expect(badLabels.code).toBe(3);
    expect(badLabels.details).toContain('1.Field: custom_job.labels;');
    const noParent = await failure(jobs.createCustomJob({ customJob: customJob('x') }));
    expect(noParent.code).toBe(3);
    expect(noParent.details).toContain('1.Field: parent;');
  });
});

describe('HyperparameterTuningJob and BatchPredictionJob', () => {
  test('a tuning job succeeds with maxTrialCount measured trials', async () => {
    const [created] = await jobs.createHyperparameterTuningJob({
      parent,
      hyperparameterTuningJob: {
        displayName: 'tune',
        maxTrialCount: 4,
        parallelTrialCount: 2,
        studySpec: {
          metrics: [{ metricId: 'accuracy', goal: 'MAXIMIZE' }],
          parameters: [
            { parameterId: 'lr', doubleValueSpec: { minValue: 0.0001, maxValue: 0.1 }, scaleType: 'UNIT_LOG_SCALE' },
            { parameterId: 'layers', integerValueSpec: { minValue: 0, maxValue: 4 } },
          ],
        },
        trialJobSpec: customJob('trial').jobSpec,
      },
    });
    expect(created.name).toMatch(/\/hyperparameterTuningJobs\/\d{19}$/);
    const name = String(created.name);
    // Running: the first parallelTrialCount trials are active.
    const running = fake.advance<protos.google.cloud.aiplatform.v1.IHyperparameterTuningJob>(name, 'JOB_STATE_RUNNING');
    expect(running.trials?.map((t) => t.state)).toEqual(['ACTIVE', 'ACTIVE']);
    const [done] = await jobs.getHyperparameterTuningJob({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.trials).toHaveLength(4);
    for (const trial of done.trials ?? []) {
      expect(trial.state).toBe('SUCCEEDED');
      expect(trial.parameters?.map((p) => p.parameterId)).toEqual(['lr', 'layers']);
      const lr = trial.parameters?.[0]?.value?.numberValue ?? NaN;
      expect(lr).toBeGreaterThanOrEqual(0.0001);
      expect(lr).toBeLessThanOrEqual(0.1);
      expect(trial.finalMeasurement?.metrics?.[0]?.metricId).toBe('accuracy');
    }
  });

  test('a tuning job without trial counts is rejected; a 0 range bound is not mistaken for a missing one', async () => {
    const error = await failure(
      jobs.createHyperparameterTuningJob({
        parent,
        hyperparameterTuningJob: {
          displayName: 'tune',
          studySpec: { metrics: [{ metricId: 'accuracy', goal: 'MAXIMIZE' }], parameters: [{ parameterId: 'dropout', doubleValueSpec: { minValue: 0, maxValue: 0.5 } }] },
          trialJobSpec: customJob('t').jobSpec,
        },
      }),
    );
    expect(error).toEqual(
      expect.objectContaining({
        code: 3,
        details:
          'List of found errors:\t1.Field: hyperparameter_tuning_job.max_trial_count; Message: Required field is not set.\t2.Field: hyperparameter_tuning_job.parallel_trial_count; Message: Required field is not set.\t',
      }),
    );
  });

  test('a batch prediction job writes under the requested output prefix', async () => {
    const model = await uploadModel('sentiment');
    const [created] = await jobs.createBatchPredictionJob({
      parent,
      batchPredictionJob: {
        displayName: 'score',
        model,
        inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://demo-bucket/in/*.jsonl'] } },
        outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://demo-bucket/out/' } },
        dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, startingReplicaCount: 1 },
      },
    });
    const name = String(created.name);
    for (let i = 0; i < 3; i++) await jobs.getBatchPredictionJob({ name });
    const [done] = await jobs.getBatchPredictionJob({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.modelVersionId).toBe('1');
    expect(done.outputInfo?.gcsOutputDirectory).toMatch(/^gs:\/\/demo-bucket\/out\/prediction-sentiment-\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d_\d{3}Z$/);

    await expect(
      jobs.createBatchPredictionJob({ parent, batchPredictionJob: { ...created, name: null, model: `${parent}/models/404` } }),
    ).rejects.toMatchObject({ code: 5 });
  });
});

describe('ModelService and EndpointService', () => {
  test('upload model is an operation whose promise resolves to the model name', async () => {
    const [operation] = await models.uploadModel({ parent, modelId: 'sentiment-v1', model: { displayName: 'sentiment', labels: { team: 'nlp' }, containerSpec: { imageUri: 'us-docker.pkg.dev/demo/serve:1' } } });
    expect(operation.name).toBe(`${parent}/models/sentiment-v1/operations/1000000000000000001`);
    const [response, metadata] = await operation.promise();
    expect(response).toMatchObject({ model: `${parent}/models/sentiment-v1`, modelVersionId: '1' });
    expect(metadata?.genericMetadata?.createTime).toBeTruthy();

    const [model] = await models.getModel({ name: `${parent}/models/sentiment-v1` });
    expect(model).toMatchObject({ displayName: 'sentiment', versionId: '1', containerSpec: { imageUri: 'us-docker.pkg.dev/demo/serve:1' } });
    const [listed] = await models.listModels({ parent, filter: 'labels.team=nlp' });
    expect(listed.map((m) => m.name)).toEqual([`${parent}/models/sentiment-v1`]);
    expect(fake.requests.filter((r) => r.service === 'Operations').map((r) => r.method)).toEqual(['GetOperation']);

    const [deletion] = await models.deleteModel({ name: String(model.name) });
    await deletion.promise();
    await expect(models.getModel({ name: String(model.name) })).rejects.toMatchObject({ code: 5 });
  });

  test('deploy splits traffic as Vertex does, undeploy gives it back', async () => {
    const model = await uploadModel();
    const endpoint = await createEndpoint();
    const resources = { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1, maxReplicaCount: 2 };

    // The first model on an endpoint with no traffic takes all of it.
    const [first] = await endpoints.deployModel({ endpoint, deployedModel: { model, displayName: 'blue', dedicatedResources: resources } });
    const [firstResponse, firstMetadata] = await first.promise();
    const blue = String(firstResponse.deployedModel?.id);
    expect(blue).toMatch(/^\d{19}$/);
    // Operation payloads are decoded by protobufjs itself, not proto-loader: enums arrive as numbers.
    expect(firstMetadata?.deploymentStage).toBe(11); // SUCCESSFULLY_DEPLOYED
    expect((await endpoints.getEndpoint({ name: endpoint }))[0].trafficSplit).toEqual({ [blue]: 100 });

    // "0" in a request's split stands for the model being deployed.
    const [second] = await endpoints.deployModel({ endpoint, deployedModel: { model, displayName: 'green', dedicatedResources: resources }, trafficSplit: { '0': 20, [blue]: 80 } });
    const green = String((await second.promise())[0].deployedModel?.id);
    const [both] = await endpoints.getEndpoint({ name: endpoint });
    expect(both.trafficSplit).toEqual({ [blue]: 80, [green]: 20 });
    expect(both.deployedModels?.map((d) => [d.id, d.displayName, d.model])).toEqual([
      [blue, 'blue', model],
      [green, 'green', model],
    ]);
    expect(fake.requestsFor('DeployModel')[1]).toEqual({
      endpoint,
      deployedModel: { model, displayName: 'green', dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1, maxReplicaCount: 2 } },
      trafficSplit: { '0': 20, [blue]: 80 },
    });

    await expect(endpoints.deployModel({ endpoint, deployedModel: { model, dedicatedResources: resources }, trafficSplit: { '0': 50 } })).rejects.toMatchObject({ code: 3 });
    // A model with traffic cannot leave unless the request moves its traffic elsewhere.
    await expect(endpoints.undeployModel({ endpoint, deployedModelId: green })).rejects.toMatchObject({ code: 9 });
    await expect(models.deleteModel({ name: model })).rejects.toMatchObject({ code: 9 });
    await expect(endpoints.deleteEndpoint({ name: endpoint })).rejects.toMatchObject({ code: 9 });

    const [undeployGreen] = await endpoints.undeployModel({ endpoint, deployedModelId: green, trafficSplit: { [blue]: 100 } });
    await undeployGreen.promise();
    expect((await endpoints.getEndpoint({ name: endpoint }))[0]).toMatchObject({ trafficSplit: { [blue]: 100 }, deployedModels: [{ id: blue }] });
    const [undeployBlue] = await endpoints.undeployModel({ endpoint, deployedModelId: blue });
    await undeployBlue.promise();
    const [empty] = await endpoints.getEndpoint({ name: endpoint });
    expect(empty.deployedModels).toEqual([]);
    expect(empty.trafficSplit).toEqual({});

    const [deletion] = await endpoints.deleteEndpoint({ name: endpoint });
    await deletion.promise();
    const [remaining] = await endpoints.listEndpoints({ parent });
    expect(remaining).toEqual([]);
  });

  test('deploy of an unknown model is NOT_FOUND, without resources INVALID_ARGUMENT', async () => {
    const endpoint = await createEndpoint();
    await expect(endpoints.deployModel({ endpoint, deployedModel: { model: `${parent}/models/7`, automaticResources: { minReplicaCount: 1 } } })).rejects.toMatchObject({ code: 5 });
    const model = await uploadModel();
    const error = await failure(endpoints.deployModel({ endpoint, deployedModel: { model } }));
    expect(error.code).toBe(3);
    expect(error.details).toContain('dedicated_resources');
  });
});

describe('options', () => {
  test('stepMs moves jobs on a timer; projectNumber renames resources as Vertex does', async () => {
    const timed = await startVertexFake({ stepMs: 5, projectNumber: '123456789012', operationPolls: 0 });
    const client = new JobServiceClient(timed.clientOptions);
    try {
      const [created] = await client.createCustomJob({ parent, customJob: customJob('timed') });
      expect(created.name).toMatch(/^projects\/123456789012\/locations\/us-central1\/customJobs\/\d{19}$/);
      const byId = String(created.name).replace('123456789012', 'demo-project');
      await vi.waitFor(async () => expect((await client.getCustomJob({ name: byId }))[0].state).toBe('JOB_STATE_SUCCEEDED'), { timeout: 5000, interval: 10 });
      const [operation] = await client.deleteCustomJob({ name: created.name });
      expect(operation.done).toBe(true);
    } finally {
      await client.close();
      await timed.stop();
    }
  });
});

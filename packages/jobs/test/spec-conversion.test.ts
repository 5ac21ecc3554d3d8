// Good specs become exactly the objects the official client should get, and those objects survive the
// client's own encoding (protobufjs fromObject over the package's protos.json) without losing a field.
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import {
  toBatchPredictionJobResource,
  toCustomJobResource,
  toDeployModelRequest,
  toEndpointResource,
  toHyperparameterTuningJobResource,
  toUndeployModelRequest,
  toUploadModelRequest,
  JobsError,
  type CustomJobSpec,
  type DurationInput,
} from '../src/index.js';
import { batchJob, customJob, deployment, endpoint, IMAGE, MODEL, modelUpload, pythonPackageJob, tuningJob, undeployment } from './fixtures/specs.js';

interface ProtoType {
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}
interface ProtoRoot {
  lookupType(name: string): ProtoType;
}

/** The message types of the client's protos, through the protobufjs google-gax encodes with. */
function clientProtos(): ProtoRoot {
  const require = createRequire(import.meta.url);
  const aiplatform = require.resolve('@google-cloud/aiplatform/package.json');
  const fromAiplatform = createRequire(aiplatform);
  const protobufjs = createRequire(fromAiplatform.resolve('google-gax'))('protobufjs') as {
    Root: { fromJSON(json: unknown): ProtoRoot };
  };
  return protobufjs.Root.fromJSON(fromAiplatform('./build/protos/protos.json'));
}

const root = clientProtos();

/** What the client would send, read back: a field the client drops (unknown, plain-object Value) goes missing. */
function throughClient(type: string, resource: Record<string, unknown>): Record<string, unknown> {
  const messageType = root.lookupType(`google.cloud.aiplatform.v1.${type}`);
  return messageType.toObject(messageType.fromObject(resource), { enums: String, longs: Number, defaults: false });
}

describe('CustomJob', () => {
  test('a container job: duration, env record and defaults converted', () => {
    const resource = toCustomJobResource(customJob());
    expect(resource).toEqual({
      displayName: 'train-spam',
      jobSpec: {
        workerPoolSpecs: [
          {
            machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
            replicaCount: 1,
            containerSpec: { imageUri: IMAGE, args: ['--epochs=3'], env: [{ name: 'LOG_LEVEL', value: 'info' }] },
          },
        ],
        scheduling: { timeout: { seconds: 7200, nanos: 0 }, strategy: 'SPOT' },
        baseOutputDirectory: { outputUriPrefix: 'gs://my-bucket/runs/1/' },
      },
      labels: { team: 'ml' },
    });
    expect(throughClient('CustomJob', resource)).toEqual(resource);
  });

  test('a Python package job with a parameter server pool and a skipped worker pool', () => {
    const spec = pythonPackageJob();
    const chief = spec.jobSpec.workerPoolSpecs[0] ?? {};
    spec.jobSpec.workerPoolSpecs = [chief, {}, { ...chief, replicaCount: undefined, machineSpec: { machineType: 'n1-highmem-8' } }];
    spec.jobSpec.scheduling = { timeout: '1h30m', restartJobOnWorkerRestart: true };
    const resource = toCustomJobResource(spec);
    const python = chief.pythonPackageSpec;
    expect(resource.jobSpec).toEqual({
      workerPoolSpecs: [
        { machineSpec: { machineType: 'e2-standard-4' }, replicaCount: 1, pythonPackageSpec: python },
        {},
        { machineSpec: { machineType: 'n1-highmem-8' }, pythonPackageSpec: python, replicaCount: 1 },
      ],
      scheduling: { timeout: { seconds: 5400, nanos: 0 }, restartJobOnWorkerRestart: true },
    });
    expect(throughClient('CustomJob', resource)).toEqual(resource);
  });

  test.each<[DurationInput, { seconds: number; nanos: number }]>([
    ['3600s', { seconds: 3600, nanos: 0 }],
    ['30m', { seconds: 1800, nanos: 0 }],
    ['1.5s', { seconds: 1, nanos: 500_000_000 }],
    ['2d', { seconds: 172_800, nanos: 0 }],
    [90.25, { seconds: 90, nanos: 250_000_000 }],
    [{ seconds: '86400', nanos: 5 }, { seconds: 86_400, nanos: 5 }],
  ])('timeout %j is sent as %j', (timeout, expected) => {
    const spec = customJob();
    spec.jobSpec.scheduling = { timeout };
    expect((toCustomJobResource(spec).jobSpec as { scheduling: unknown }).scheduling).toEqual({ timeout: expected });
  });

  test('env given as the API list passes through; null fields are dropped', () => {
    const spec: CustomJobSpec = customJob();
    const pool = spec.jobSpec.workerPoolSpecs[0];
    if (!pool?.containerSpec) throw new Error('fixture');
    pool.containerSpec.env = [{ name: 'A', value: '1' }];
    (spec.jobSpec as unknown as Record<string, unknown>).network = null;
    const resource = toCustomJobResource(spec);
    const jobSpec = resource.jobSpec as { workerPoolSpecs: Array<{ containerSpec: unknown }>; network?: unknown };
    expect(jobSpec.workerPoolSpecs[0]?.containerSpec).toEqual({ imageUri: IMAGE, args: ['--epochs=3'], env: [{ name: 'A', value: '1' }] });
    expect('network' in jobSpec).toBe(false);
  });

  test('an invalid spec is not converted', () => {
    expect(() => toCustomJobResource({ displayName: 'x' } as CustomJobSpec)).toThrow(JobsError);
  });
});

test('HyperparameterTuningJob: the trial job spec is converted like a CustomJob', () => {
  const resource = toHyperparameterTuningJobResource(tuningJob());
  expect(resource).toEqual({
    displayName: 'tune-spam',
    studySpec: {
      metrics: [{ metricId: 'accuracy', goal: 'MAXIMIZE' }],
      parameters: [
        { parameterId: 'learning_rate', doubleValueSpec: { minValue: 0.0001, maxValue: 0.1 }, scaleType: 'UNIT_LOG_SCALE' },
        { parameterId: 'dim', discreteValueSpec: { values: [32, 64, 128] } },
      ],
      algorithm: 'RANDOM_SEARCH',
    },
    maxTrialCount: 20,
    parallelTrialCount: 2,
    trialJobSpec: {
      workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' }, replicaCount: 1, containerSpec: { imageUri: IMAGE } }],
    },
  });
  expect(throughClient('HyperparameterTuningJob', resource)).toEqual(resource);
});

test('BatchPredictionJob: modelParameters become a google.protobuf.Value the client keeps', () => {
  const resource = toBatchPredictionJobResource(batchJob());
  expect(resource.modelParameters).toEqual({
    structValue: {
      fields: {
        threshold: { numberValue: 0.5 },
        labels: { listValue: { values: [{ stringValue: 'spam' }, { stringValue: 'ham' }] } },
        verbose: { nullValue: 'NULL_VALUE' },
      },
    },
  });
  expect(resource).toEqual({
    displayName: 'score-spam',
    model: MODEL,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://my-bucket/input/*.jsonl'] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://my-bucket/predictions/' } },
    dedicatedResources: { machineSpec: { machineType: 'n1-standard-4' }, startingReplicaCount: 1, maxReplicaCount: 4 },
    modelParameters: resource.modelParameters,
  });
  expect(throughClient('BatchPredictionJob', resource)).toEqual(resource);
  // The reason for the conversion: the client turns a plain object into an empty Value.
  const plain = throughClient('BatchPredictionJob', { ...resource, modelParameters: { threshold: 0.5 } });
  expect(plain.modelParameters).toEqual({});
});

test('model upload: the request without parent', () => {
  const request = toUploadModelRequest({ ...modelUpload(), modelId: 'spam_classifier' });
  expect(request).toEqual({
    model: {
      displayName: 'spam-classifier',
      artifactUri: 'gs://my-bucket/models/spam/',
      containerSpec: {
        imageUri: 'europe-west4-docker.pkg.dev/my-project/serving/spam:1',
        predictRoute: '/predict',
        healthRoute: '/health',
        ports: [{ containerPort: 8080 }],
        env: [{ name: 'MODEL_DIR', value: '/model' }],
      },
    },
    modelId: 'spam_classifier',
  });
  expect(throughClient('UploadModelRequest', request)).toEqual(request);
});

test('endpoint, deployment and undeployment', () => {
  const created = toEndpointResource(endpoint());
  expect(created).toEqual({ displayName: 'spam', description: 'spam classifier', labels: { team: 'ml' } });
  expect(throughClient('Endpoint', created)).toEqual(created);

  const deploy = toDeployModelRequest(deployment());
  expect(deploy).toEqual({
    deployedModel: {
      model: MODEL,
      displayName: 'spam-v1',
      dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1, maxReplicaCount: 3 },
    },
    trafficSplit: { '0': 100 },
  });
  expect(throughClient('DeployModelRequest', deploy)).toEqual(deploy);

  const undeploy = toUndeployModelRequest(undeployment());
  expect(undeploy).toEqual({ deployedModelId: '111', trafficSplit: { '222': 100 } });
  expect(throughClient('UndeployModelRequest', undeploy)).toEqual(undeploy);
});

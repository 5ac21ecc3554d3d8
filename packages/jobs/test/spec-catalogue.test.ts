// The catalogue of bad specs: each is a valid spec with one thing wrong, the path the problem must be reported
// at and what the message must say. Every one must be caught before anything is sent.
import { describe, expect, test } from 'vitest';
import {
  findSpecIssues,
  JobsError,
  validateBatchPredictionJobSpec,
  validateCustomJobSpec,
  validateDeployModelSpec,
  validateEndpointSpec,
  validateHyperparameterTuningJobSpec,
  validateModelUploadSpec,
  validateUndeployModelSpec,
  type SpecKindName,
} from '../src/index.js';
import {
  batchJob,
  customJob,
  deployment,
  endpoint,
  modelUpload,
  pythonPackageJob,
  REMOVE,
  tuningJob,
  undeployment,
  variant,
} from './fixtures/specs.js';

interface BadSpec {
  name: string;
  kind: SpecKindName;
  spec: unknown;
  path: string;
  message: RegExp;
}

const POOL = 'jobSpec.workerPoolSpecs[0]';
const job = (changes: Record<string, unknown>): Record<string, unknown> => variant(customJob(), changes);

export const CATALOGUE: BadSpec[] = [
  // --- proto checks: unknown fields, enums, required, output only, oneofs, types
  {
    name: 'misspelt field',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.machineType`]: REMOVE, [`${POOL}.machineSpec.machinType`]: 'n1-standard-4' }),
    path: `${POOL}.machineSpec.machinType`,
    message: /unknown field "machinType" in MachineSpec; did you mean machineType\?/,
  },
  {
    name: 'snake_case field',
    kind: 'customJob',
    spec: job({ [`${POOL}.replicaCount`]: REMOVE, [`${POOL}.replica_count`]: 1 }),
    path: `${POOL}.replica_count`,
    message: /unknown field replica_count; write it as replicaCount/,
  },
  {
    name: 'field one level too high',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineType`]: 'n1-standard-4' }),
    path: `${POOL}.machineType`,
    message: /machineType is not a field of WorkerPoolSpec; it belongs in machineSpec/,
  },
  {
    name: 'job spec fields at the top',
    kind: 'customJob',
    spec: { displayName: 'x', workerPoolSpecs: customJob().jobSpec.workerPoolSpecs },
    path: 'workerPoolSpecs',
    message: /it belongs in jobSpec/,
  },
  {
    name: 'unknown accelerator',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.acceleratorType`]: 'NVIDIA_TESLA_T5' }),
    path: `${POOL}.machineSpec.acceleratorType`,
    message: /^"NVIDIA_TESLA_T5" is not a Vertex accelerator type; did you mean NVIDIA_TESLA_T4\?$/,
  },
  {
    name: 'enum in lower case',
    kind: 'customJob',
    spec: job({ 'jobSpec.scheduling.strategy': 'spot' }),
    path: 'jobSpec.scheduling.strategy',
    message: /"spot" is not a scheduling strategy; did you mean SPOT\?/,
  },
  {
    name: 'enum as its number',
    kind: 'customJob',
    spec: job({ 'jobSpec.scheduling.strategy': 4 }),
    path: 'jobSpec.scheduling.strategy',
    message: /write the enum value's name, not its number: "SPOT" \(= 4\)/,
  },
  {
    name: 'required field missing',
    kind: 'customJob',
    spec: job({ displayName: REMOVE }),
    path: 'displayName',
    message: /displayName is required: a name for the job/,
  },
  {
    name: 'required field of a nested message that is set',
    kind: 'customJob',
    spec: job({ [`${POOL}.containerSpec`]: { args: ['x'] } }),
    path: `${POOL}.containerSpec.imageUri`,
    message: /imageUri is required: the image to run/,
  },
  {
    name: 'output-only field set',
    kind: 'customJob',
    spec: job({ state: 'JOB_STATE_RUNNING' }),
    path: 'state',
    message: /^state is output only: the service sets it; remove it$/,
  },
  {
    name: 'both members of a oneof',
    kind: 'customJob',
    spec: job({ [`${POOL}.pythonPackageSpec`]: pythonPackageJob().jobSpec.workerPoolSpecs[0]?.pythonPackageSpec }),
    path: `${POOL}.pythonPackageSpec`,
    message: /containerSpec and pythonPackageSpec are alternatives \(oneof task of WorkerPoolSpec\): set only one/,
  },
  {
    name: 'number as a string',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.acceleratorCount`]: '1' }),
    path: `${POOL}.machineSpec.acceleratorCount`,
    message: /expected a number, got the string "1"; write 1 without quotes/,
  },
  {
    name: 'boolean as a string',
    kind: 'customJob',
    spec: job({ 'jobSpec.enableWebAccess': 'true' }),
    path: 'jobSpec.enableWebAccess',
    message: /expected true or false, got the string "true"; write true without quotes/,
  },
  {
    name: 'string for a list',
    kind: 'customJob',
    spec: job({ [`${POOL}.containerSpec.args`]: '--epochs=3' }),
    path: `${POOL}.containerSpec.args`,
    message: /expected a list of strings, got the string "--epochs=3"; wrap it in a list: \["--epochs=3"\]/,
  },
  {
    name: 'number for a string',
    kind: 'customJob',
    spec: job({ 'jobSpec.serviceAccount': 42 }),
    path: 'jobSpec.serviceAccount',
    message: /expected a string, got the number 42; write "42"/,
  },
  {
    name: 'unreadable duration',
    kind: 'customJob',
    spec: job({ 'jobSpec.scheduling.timeout': '2 hours' }),
    path: 'jobSpec.scheduling.timeout',
    message: /expected a duration like "2h", "30m", "1h30m", "3600s" or a number of seconds, got "2 hours"/,
  },
  {
    name: 'negative duration',
    kind: 'customJob',
    spec: job({ 'jobSpec.scheduling.timeout': -5 }),
    path: 'jobSpec.scheduling.timeout',
    message: /a duration can't be negative, got -5/,
  },
  {
    name: 'number in an env record',
    kind: 'customJob',
    spec: job({ [`${POOL}.containerSpec.env`]: { PORT: 8080 } }),
    path: `${POOL}.containerSpec.env.PORT`,
    message: /environment values are strings, got the number 8080; write "8080"/,
  },
  {
    name: 'list for a map',
    kind: 'customJob',
    spec: job({ labels: ['team=ml'] }),
    path: 'labels',
    message: /expected an object of string keys to strings, got a list/,
  },
  // --- beyond the protos: worker pools, accelerators, machines, locations
  {
    name: 'label key in upper case',
    kind: 'customJob',
    spec: job({ labels: { Team: 'ml' } }),
    path: 'labels.Team',
    message: /label keys are 1-64 lowercase letters, digits, _ and -, starting with a letter; got "Team"; e\.g\. "team"/,
  },
  {
    name: 'chief with more than one replica',
    kind: 'customJob',
    spec: job({ [`${POOL}.replicaCount`]: 2 }),
    path: `${POOL}.replicaCount`,
    message: /the first pool is the chief and runs exactly 1 replica, got 2/,
  },
  {
    name: 'empty chief pool',
    kind: 'customJob',
    spec: job({ 'jobSpec.workerPoolSpecs': [{}] }),
    path: POOL,
    message: /the first pool is the chief \(primary replica\) and can't be empty/,
  },
  {
    name: 'pool that runs nothing',
    kind: 'customJob',
    spec: job({ [`${POOL}.containerSpec`]: REMOVE }),
    path: POOL,
    message: /set what the pool runs: containerSpec: \{ imageUri \}/,
  },
  {
    name: 'accelerator count without a type',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.acceleratorType`]: REMOVE, [`${POOL}.machineSpec.acceleratorCount`]: 2 }),
    path: `${POOL}.machineSpec.acceleratorCount`,
    message: /acceleratorCount 2 without acceleratorType/,
  },
  {
    name: 'accelerator type without a count',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.acceleratorCount`]: REMOVE }),
    path: `${POOL}.machineSpec.acceleratorCount`,
    message: /acceleratorType NVIDIA_TESLA_T4 needs acceleratorCount >= 1/,
  },
  {
    name: 'GPU on a machine that takes none',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.machineType`]: 'e2-standard-4' }),
    path: `${POOL}.machineSpec.acceleratorType`,
    message: /e2-standard-4 takes no accelerators/,
  },
  {
    name: 'wrong GPU for an accelerator-optimized machine',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.machineType`]: 'a2-highgpu-1g' }),
    path: `${POOL}.machineSpec.acceleratorType`,
    message: /a2-highgpu-1g comes with NVIDIA_TESLA_A100, not NVIDIA_TESLA_T4/,
  },
  {
    name: 'machine type that does not exist',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.machineType`]: 'n1-standard-3' }),
    path: `${POOL}.machineSpec.machineType`,
    message: /"n1-standard-3" is not a machine type Vertex AI is known to offer; did you mean n1-standard-2, n1-standard-4 or n1-standard-8\? \(if it is a newer one, pass \{ allowUnknownMachineTypes: true \}\)/,
  },
  {
    name: 'misspelt machine type',
    kind: 'customJob',
    spec: job({ [`${POOL}.machineSpec.machineType`]: 'n1-stndard-4' }),
    path: `${POOL}.machineSpec.machineType`,
    message: /did you mean n1-standard-4\?/,
  },
  {
    name: 'Cloud Storage URI as the image',
    kind: 'customJob',
    spec: job({ [`${POOL}.containerSpec.imageUri`]: 'gs://my-bucket/trainer.tar.gz' }),
    path: `${POOL}.containerSpec.imageUri`,
    message: /is a Cloud Storage URI, not a container image/,
  },
  {
    name: 'mounted path instead of gs://',
    kind: 'customJob',
    spec: job({ 'jobSpec.baseOutputDirectory.outputUriPrefix': '/gcs/my-bucket/runs/1/' }),
    path: 'jobSpec.baseOutputDirectory.outputUriPrefix',
    message: /the API wants gs:\/\/my-bucket\/runs\/1\//,
  },
  {
    name: 'local package instead of gs://',
    kind: 'customJob',
    spec: variant(pythonPackageJob(), { [`${POOL}.pythonPackageSpec.packageUris`]: ['./dist/trainer-0.1.tar.gz'] }),
    path: `${POOL}.pythonPackageSpec.packageUris[0]`,
    message: /is a local path; Vertex AI reads Cloud Storage only/,
  },
  // --- hyperparameter tuning
  {
    name: 'more trials at once than in total',
    kind: 'hyperparameterTuningJob',
    spec: variant(tuningJob(), { parallelTrialCount: 30 }),
    path: 'parallelTrialCount',
    message: /30 trials at a time but only 20 in total/,
  },
  {
    name: 'empty parameter range',
    kind: 'hyperparameterTuningJob',
    spec: variant(tuningJob(), { 'studySpec.parameters[0].doubleValueSpec.maxValue': 0.0001 }),
    path: 'studySpec.parameters[0].doubleValueSpec.maxValue',
    message: /maxValue \(0\.0001\) must be greater than minValue \(0\.0001\)/,
  },
  {
    name: 'grid search over a continuous range',
    kind: 'hyperparameterTuningJob',
    spec: variant(tuningJob(), { 'studySpec.algorithm': 'GRID_SEARCH' }),
    path: 'studySpec.parameters[0].doubleValueSpec',
    message: /GRID_SEARCH cannot enumerate a continuous range/,
  },
  {
    name: 'metric without a goal',
    kind: 'hyperparameterTuningJob',
    spec: variant(tuningJob(), { 'studySpec.metrics[0].goal': 'GOAL_TYPE_UNSPECIFIED' }),
    path: 'studySpec.metrics[0].goal',
    message: /goal is required: MAXIMIZE or MINIMIZE/,
  },
  {
    name: 'trial pool rules apply too',
    kind: 'hyperparameterTuningJob',
    spec: variant(tuningJob(), { 'trialJobSpec.workerPoolSpecs[0].replicaCount': 3 }),
    path: 'trialJobSpec.workerPoolSpecs[0].replicaCount',
    message: /runs exactly 1 replica, got 3/,
  },
  // --- batch prediction
  {
    name: 'unknown instances format',
    kind: 'batchPredictionJob',
    spec: variant(batchJob(), { 'inputConfig.instancesFormat': 'json' }),
    path: 'inputConfig.instancesFormat',
    message: /"json" is not a format Vertex AI reads here; did you mean jsonl\?/,
  },
  {
    name: 'bare model ID',
    kind: 'batchPredictionJob',
    spec: variant(batchJob(), { model: '1234567890' }),
    path: 'model',
    message: /looks like a bare model ID; write the resource name projects\/PROJECT\/locations\/REGION\/models\/1234567890/,
  },
  {
    name: 'NaN in model parameters',
    kind: 'batchPredictionJob',
    spec: variant(batchJob(), { 'modelParameters.threshold': Number.NaN }),
    path: 'modelParameters.threshold',
    message: /NaN is not a JSON number/,
  },
  {
    name: 'input without a source',
    kind: 'batchPredictionJob',
    spec: variant(batchJob(), { 'inputConfig.gcsSource': REMOVE }),
    path: 'inputConfig',
    message: /say where: gcsSource \(Cloud Storage\) or bigquerySource \(BigQuery\)/,
  },
  // --- model upload, endpoints, deployment
  {
    name: 'parent in an upload spec',
    kind: 'modelUpload',
    spec: variant(modelUpload(), { parent: 'projects/p/locations/us-central1' }),
    path: 'parent',
    message: /parent is not part of the spec: give the project and region to the call instead/,
  },
  {
    name: 'serving image outside Google registries',
    kind: 'modelUpload',
    spec: variant(modelUpload(), { 'model.containerSpec.imageUri': 'docker.io/me/spam:1' }),
    path: 'model.containerSpec.imageUri',
    message: /Vertex AI serves images from Artifact Registry .* or Container Registry/,
  },
  {
    name: 'route without a slash',
    kind: 'modelUpload',
    spec: variant(modelUpload(), { 'model.containerSpec.predictRoute': 'predict' }),
    path: 'model.containerSpec.predictRoute',
    message: /a route is an HTTP path starting with \/, got "predict"; write "\/predict"/,
  },
  {
    name: 'port out of range',
    kind: 'modelUpload',
    spec: variant(modelUpload(), { 'model.containerSpec.ports': [{ containerPort: 70000 }] }),
    path: 'model.containerSpec.ports[0].containerPort',
    message: /a port is from 1 to 65535, got 70000/,
  },
  {
    name: 'display name too long',
    kind: 'endpoint',
    spec: variant(endpoint(), { displayName: 'x'.repeat(129) }),
    path: 'displayName',
    message: /at most 128 characters, got 129/,
  },
  {
    name: 'traffic that does not add up',
    kind: 'deployModel',
    spec: variant(deployment(), { trafficSplit: { '0': 50, '222': 40 } }),
    path: 'trafficSplit',
    message: /traffic percentages must add up to 100, got 90/,
  },
  {
    name: 'deployment with nowhere to run',
    kind: 'deployModel',
    spec: variant(deployment(), { 'deployedModel.dedicatedResources': REMOVE }),
    path: 'deployedModel.dedicatedResources',
    message: /say what it runs on: dedicatedResources/,
  },
  {
    name: 'fewer max replicas than min',
    kind: 'deployModel',
    spec: variant(deployment(), { 'deployedModel.dedicatedResources.maxReplicaCount': 0 }),
    path: 'deployedModel.dedicatedResources.maxReplicaCount',
    message: /maxReplicaCount \(0\) is below minReplicaCount \(1\)/,
  },
  {
    name: 'undeploying a model that keeps traffic',
    kind: 'undeployModel',
    spec: variant(undeployment(), { trafficSplit: { '111': 20, '222': 80 } }),
    path: 'trafficSplit["111"]',
    message: /still sends 20% to the model being undeployed/,
  },
];

const VALIDATORS: Record<SpecKindName, (spec: unknown) => unknown> = {
  customJob: validateCustomJobSpec,
  hyperparameterTuningJob: validateHyperparameterTuningJobSpec,
  batchPredictionJob: validateBatchPredictionJobSpec,
  modelUpload: validateModelUploadSpec,
  endpoint: validateEndpointSpec,
  deployModel: validateDeployModelSpec,
  undeployModel: validateUndeployModelSpec,
};

describe('the catalogue of bad specs', () => {
  test('has at least 20 entries, each with its own name', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(20);
    expect(new Set(CATALOGUE.map((entry) => entry.name)).size).toBe(CATALOGUE.length);
  });

  test.each(CATALOGUE)('$name: $path', ({ kind, spec, path, message }) => {
    const issues = findSpecIssues(kind, spec);
    const atPath = issues.filter((issue) => issue.path === path);
    expect(atPath, `issues were: ${JSON.stringify(issues, null, 2)}`).not.toHaveLength(0);
    expect(atPath.map((issue) => issue.message)).toContainEqual(expect.stringMatching(message));

    let thrown: unknown;
    try {
      VALIDATORS[kind](spec);
    } catch (error) {
      thrown = error;
    }
    expect(JobsError.isInstance(thrown)).toBe(true);
    const error = thrown as JobsError;
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.issues).toEqual(issues);
    expect(error.message).toContain(`  - ${path}: `);
  });
});

describe('the valid specs the catalogue starts from', () => {
  test.each([
    ['customJob', customJob()],
    ['customJob', pythonPackageJob()],
    ['hyperparameterTuningJob', tuningJob()],
    ['batchPredictionJob', batchJob()],
    ['modelUpload', modelUpload()],
    ['endpoint', endpoint()],
    ['deployModel', deployment()],
    ['undeployModel', undeployment()],
  ] as Array<[SpecKindName, unknown]>)('%s has no issues', (kind, spec) => {
    expect(findSpecIssues(kind, spec)).toEqual([]);
    expect(VALIDATORS[kind](spec)).toBe(spec);
  });
});

test('every problem of a spec is reported at once, one a line in the message', () => {
  const spec = job({
    displayName: REMOVE,
    state: 'JOB_STATE_QUEUED',
    [`${POOL}.machineSpec.acceleratorType`]: 'NVIDIA_TESLA_T5',
    [`${POOL}.replicaCount`]: 4,
    'jobSpec.scheduling.timeout': 'soon',
  });
  let error: JobsError | undefined;
  try {
    validateCustomJobSpec(spec);
  } catch (thrown) {
    error = thrown as JobsError;
  }
  expect(error?.issues.map((issue) => issue.path).sort()).toEqual(
    ['displayName', 'state', `${POOL}.machineSpec.acceleratorType`, `${POOL}.replicaCount`, 'jobSpec.scheduling.timeout'].sort(),
  );
  expect(error?.message.split('\n')[0]).toBe('CustomJob spec has 5 problems:');
  expect(error?.message.split('\n')).toHaveLength(6);
});

test('an unknown but well-formed machine type passes with allowUnknownMachineTypes', () => {
  const spec = job({ [`${POOL}.machineSpec.machineType`]: 'z9-standard-8', [`${POOL}.machineSpec.acceleratorType`]: REMOVE, [`${POOL}.machineSpec.acceleratorCount`]: REMOVE });
  expect(findSpecIssues('customJob', spec).map((issue) => issue.path)).toEqual([`${POOL}.machineSpec.machineType`]);
  expect(findSpecIssues('customJob', spec, { allowUnknownMachineTypes: true })).toEqual([]);
});

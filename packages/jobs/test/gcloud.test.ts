// gcloud vocabulary: --worker-pool-spec values read into worker pools, and specs rendered as gcloud commands.
import { describe, expect, test } from 'vitest';
import {
  JobsError,
  parseWorkerPoolSpecFlag,
  renderGcloudCommand,
  type CustomJobSpec,
  type DeployModelSpec,
  type ModelUploadSpec,
  type WorkerPoolSpec,
} from '../src/index.js';
import { splitGcloudList } from '../src/lib/gcloud/gcloud-lists.js';
import { customJob, deployment, endpoint, IMAGE, modelUpload, pythonPackageJob, tuningJob, variant, REMOVE } from './fixtures/specs.js';

const location = { project: 'my-project', region: 'us-central1' };

function errorOf(run: () => unknown): JobsError {
  try {
    run();
  } catch (error) {
    if (JobsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a JobsError');
}

describe('parseWorkerPoolSpecFlag', () => {
  test('a container pool with a GPU', () => {
    expect(
      parseWorkerPoolSpecFlag(
        'machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=gcr.io/my-project/trainer:1',
      ),
    ).toEqual({
      machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
      replicaCount: 1,
      containerSpec: { imageUri: 'gcr.io/my-project/trainer:1' },
    });
  });

  test('a prebuilt-container Python pool, job-wide flags folded in', () => {
    const flag =
      "--worker-pool-spec=machine-type=e2-standard-4,executor-image-uri='us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-4:latest',python-module=trainer.task";
    expect(parseWorkerPoolSpecFlag(flag, { pythonPackageUris: ['gs://b/trainer.tar.gz'], args: ['--epochs=3'] })).toEqual({
      machineSpec: { machineType: 'e2-standard-4' },
      replicaCount: 1,
      pythonPackageSpec: {
        executorImageUri: 'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-4:latest',
        packageUris: ['gs://b/trainer.tar.gz'],
        pythonModule: 'trainer.task',
        args: ['--epochs=3'],
      },
    });
  });

  test("defaults as gcloud's: replica-count 1, accelerator-count 1; gcloud's accelerator spelling; disk keys", () => {
    expect(
      parseWorkerPoolSpecFlag('machine-type=g2-standard-8,accelerator-type=nvidia-l4,container-image-uri=gcr.io/p/t,disk-type=pd-ssd,disk-size=200'),
    ).toEqual({
      machineSpec: { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
      replicaCount: 1,
      containerSpec: { imageUri: 'gcr.io/p/t' },
      diskSpec: { bootDiskType: 'pd-ssd', bootDiskSizeGb: 200 },
    });
  });

  test.each([
    ['machine-typ=n1-standard-4,container-image-uri=gcr.io/p/t', /^--worker-pool-spec has 1 problem:\n {2}- machine-typ: unknown key "machine-typ"; did you mean machine-type\?$/],
    ['replica-count=1,container-image-uri=gcr.io/p/t', /- machine-type: required, e\.g\. machine-type=n1-standard-4/],
    ['machine-type=n1-standard-4,replica-count=two,container-image-uri=gcr.io/p/t', /- replica-count: must be a whole number, got "two"/],
    ['machine-type=n1-standard-4,accelerator-type=NVIDIA_TESLA_T5,container-image-uri=gcr.io/p/t', /- accelerator-type: "NVIDIA_TESLA_T5" is not a Vertex accelerator type; did you mean NVIDIA_TESLA_T4\?/],
    ['machine-type=n1-standard-4', /- container-image-uri: say what the pool runs/],
    ['machine-type=n1-standard-4,container-image-uri=gcr.io/p/t,executor-image-uri=gcr.io/p/e,python-module=m', /- container-image-uri: .*give one of them/],
    ['machine-type=n1-standard-4,executor-image-uri=gcr.io/p/e', /- python-module: executor-image-uri needs python-module/],
    ['machine-type=n1-standard-4,python-module=trainer.task', /- executor-image-uri: python-module needs executor-image-uri/],
    ['machine-type=n1-standard-4,local-package-path=.,executor-image-uri=gcr.io/p/e', /- python-module: local-package-path needs python-module=MODULE/],
    ['machine-type=n1-standard-4,local-package-path=.,python-module=m', /- executor-image-uri: local code needs executor-image-uri/],
    ['machine-type=n1-standard-4,executor-image-uri=gcr.io/p/e,requirements=pandas', /- requirements: needs the code to package: local-package-path=DIR/],
    ['machine-type=n1-standard-4,executor-image-uri=gcr.io/p/e,local-package-path=.,script=t.py,python-module=m', /- python-module: python-module and script both say what runs/],
    ['machine-type=n1-standard-4,executor-image-uri=gcr.io/p/e,local-package-path=.,python-module=m,extra-dirs=conf', /- extra-dirs: copies folders into an image, so it needs output-image-uri/],
    ['machine-type=n1-standard-4,container-image-uri=gcr.io/p/t,local-package-path=.', /- container-image-uri: local-package-path package local code/],
    ['machine-type=n1-standard-4,machine-type=n1-standard-8,container-image-uri=gcr.io/p/t', /- machine-type: given twice/],
    ['machine-type,container-image-uri=gcr.io/p/t', /- machine-type: "machine-type" is not key=value/],
  ])('%s -> INVALID_ARGUMENT', (value, message) => {
    const error = errorOf(() => parseWorkerPoolSpecFlag(value));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(error.issues).toHaveLength(1);
  });

  test('every problem at once, each with its key and the fix, as the spec validator lists them', () => {
    const error = errorOf(() =>
      parseWorkerPoolSpecFlag(
        'machine-typ=n1-standard-4,replica-count=two,accelerator-type=NVIDIA_TESLA_T5,accelerator-count=one,local-package-path=.,disk-size=big,oops',
      ),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.issues).toEqual([
      { path: 'machine-typ', message: 'unknown key "machine-typ"; did you mean machine-type?' },
      { path: 'oops', message: '"oops" is not key=value; write oops=VALUE' },
      { path: 'accelerator-type', message: '"NVIDIA_TESLA_T5" is not a Vertex accelerator type; did you mean NVIDIA_TESLA_T4?' },
      { path: 'accelerator-count', message: 'must be a whole number, got "one"; e.g. accelerator-count=1' },
      { path: 'replica-count', message: 'must be a whole number, got "two"; e.g. replica-count=1' },
      { path: 'executor-image-uri', message: 'local code needs executor-image-uri: the prebuilt image that runs it (or, with output-image-uri, the image to build from)' },
      { path: 'python-module', message: 'local-package-path needs python-module=MODULE (e.g. trainer.task) or script=FILE: what to run' },
      { path: 'disk-size', message: 'must be a whole number, got "big"; e.g. disk-size=100 (GB)' },
    ]);
    expect(error.message).toBe(
      [
        '--worker-pool-spec has 8 problems:',
        ...error.issues.map((issue) => `  - ${issue.path}: ${issue.message}`),
      ].join('\n'),
    );
  });

  test('a typo of a required key is one problem, not also "required"', () => {
    expect(errorOf(() => parseWorkerPoolSpecFlag('machine_type=n1-standard-4')).issues).toEqual([
      { path: 'machine_type', message: 'unknown key "machine_type"; did you mean machine-type?' },
      { path: 'container-image-uri', message: 'say what the pool runs: container-image-uri=IMAGE, or executor-image-uri=IMAGE,python-module=MODULE' },
    ]);
  });

  test('a key given twice is one problem; the other keys are still checked', () => {
    const error = errorOf(() => parseWorkerPoolSpecFlag('machine-type=n1-standard-4,machine-type=n1-standard-8,replica-count=-1,container-image-uri=gcr.io/p/t'));
    expect(error.issues).toEqual([
      { path: 'machine-type', message: 'given twice ("n1-standard-4" and "n1-standard-8"); give it once' },
      { path: 'replica-count', message: 'must be a whole number, got "-1"; e.g. replica-count=1' },
    ]);
    expect(error.message).toMatch(/^--worker-pool-spec has 2 problems:\n/);
  });
});

describe('renderGcloudCommand', () => {
  test('a CustomJob that flags can express', () => {
    const spec = variant(customJob(), {
      'jobSpec.scheduling': REMOVE,
      'jobSpec.baseOutputDirectory': REMOVE,
      'jobSpec.workerPoolSpecs[0].containerSpec.env': REMOVE,
      'jobSpec.serviceAccount': 'trainer@my-project.iam.gserviceaccount.com',
      'jobSpec.enableWebAccess': true,
    }) as unknown as CustomJobSpec;
    const command = renderGcloudCommand({ customJob: spec }, location);
    expect(command.configFile).toBeUndefined();
    expect(command.argv).toEqual([
      'gcloud',
      'ai',
      'custom-jobs',
      'create',
      '--project=my-project',
      '--region=us-central1',
      '--display-name=train-spam',
      `--worker-pool-spec=machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=${IMAGE}`,
      '--args=--epochs=3',
      '--service-account=trainer@my-project.iam.gserviceaccount.com',
      '--enable-web-access',
      '--labels=team=ml',
    ]);
    expect(command.text).toBe(
      [
        'gcloud ai custom-jobs create \\',
        '  --project=my-project \\',
        '  --region=us-central1 \\',
        '  --display-name=train-spam \\',
        `  --worker-pool-spec=machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=${IMAGE} \\`,
        '  --args=--epochs=3 \\',
        '  --service-account=trainer@my-project.iam.gserviceaccount.com \\',
        '  --enable-web-access \\',
        '  --labels=team=ml',
      ].join('\n'),
    );
  });

  test('fields no flag carries go to a --config YAML (proto3 JSON: durations as "7200s")', () => {
    const command = renderGcloudCommand({ customJob: customJob() }, { ...location, configPath: 'job.yaml' });
    expect(command.argv.slice(4)).toEqual(['--project=my-project', '--region=us-central1', '--display-name=train-spam', '--config=job.yaml', '--labels=team=ml']);
    expect(command.configFile).toEqual({
      path: 'job.yaml',
      content: [
        'workerPoolSpecs:',
        '  - machineSpec:',
        '      machineType: n1-standard-4',
        '      acceleratorType: NVIDIA_TESLA_T4',
        '      acceleratorCount: 1',
        '    replicaCount: 1',
        '    containerSpec:',
        `      imageUri: "${IMAGE}"`,
        '      args:',
        '        - "--epochs=3"',
        '      env:',
        '        - name: LOG_LEVEL',
        '          value: info',
        'scheduling:',
        '  timeout: "7200s"',
        '  strategy: SPOT',
        'baseOutputDirectory:',
        '  outputUriPrefix: "gs://my-bucket/runs/1/"',
        '',
      ].join('\n'),
    });
  });

  test('values with commas and spaces: gcloud delimiter syntax and shell quoting', () => {
    const spec = variant(customJob(), {
      'jobSpec.scheduling': REMOVE,
      'jobSpec.baseOutputDirectory': REMOVE,
      'jobSpec.workerPoolSpecs[0].containerSpec.env': REMOVE,
      'jobSpec.workerPoolSpecs[0].containerSpec.args': ['--labels=a,b', "--note=it's fine"],
      displayName: 'train spam',
    }) as unknown as CustomJobSpec;
    const command = renderGcloudCommand({ customJob: spec }, location);
    expect(command.argv).toContain("--args=^:^--labels=a,b:--note=it's fine");
    expect(command.text).toContain("--display-name='train spam'");
    expect(command.text).toContain(`--args='^:^--labels=a,b:--note=it'\\''s fine'`);
  });

  test('container and Python pools in one job go through --config (gcloud refuses the mix as flags)', () => {
    const python = pythonPackageJob().jobSpec.workerPoolSpecs[0] ?? {};
    const spec: CustomJobSpec = {
      displayName: 'mixed',
      jobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' }, containerSpec: { imageUri: IMAGE } }, { ...python, replicaCount: 2 }] },
    };
    const command = renderGcloudCommand({ customJob: spec }, location);
    expect(command.argv).toContain('--config=custom-job.yaml');
    expect(command.configFile?.content).toMatch(/^workerPoolSpecs:\n {2}- machineSpec:\n {6}machineType: n1-standard-4\n {4}containerSpec:/);
    expect(command.configFile?.content).toContain('    replicaCount: 1\n');
  });

  test('hp-tuning-jobs create always takes a --config', () => {
    const command = renderGcloudCommand({ hyperparameterTuningJob: tuningJob() }, location);
    expect(command.argv).toEqual([
      'gcloud', 'ai', 'hp-tuning-jobs', 'create', '--project=my-project', '--region=us-central1', '--display-name=tune-spam', '--config=hp-tuning-job.yaml',
    ]);
    expect(command.configFile?.content).toContain('maxTrialCount: 20\nparallelTrialCount: 2\ntrialJobSpec:\n  workerPoolSpecs:\n');
    expect(command.configFile?.content).toContain('  parameters:\n    - parameterId: learning_rate\n      doubleValueSpec:\n        minValue: 0.0001\n');
  });

  test('models upload, endpoints create, endpoints deploy-model', () => {
    expect(renderGcloudCommand({ uploadModel: { ...modelUpload(), modelId: 'spam' } }, location).argv.slice(4)).toEqual([
      '--project=my-project',
      '--region=us-central1',
      '--display-name=spam-classifier',
      '--artifact-uri=gs://my-bucket/models/spam/',
      '--container-image-uri=europe-west4-docker.pkg.dev/my-project/serving/spam:1',
      '--container-predict-route=/predict',
      '--container-health-route=/health',
      '--container-ports=8080',
      '--container-env-vars=MODEL_DIR=/model',
      '--model-id=spam',
    ]);
    expect(renderGcloudCommand({ createEndpoint: endpoint() }, location).text).toBe(
      "gcloud ai endpoints create \\\n  --project=my-project \\\n  --region=us-central1 \\\n  --display-name=spam \\\n  --description='spam classifier' \\\n  --labels=team=ml",
    );
    const gpu = variant(deployment(), {
      'deployedModel.dedicatedResources.machineSpec': { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
    }) as unknown as DeployModelSpec;
    expect(renderGcloudCommand({ deployModel: gpu, endpoint: 'projects/my-project/locations/us-central1/endpoints/987' }, location).argv).toEqual([
      'gcloud',
      'ai',
      'endpoints',
      'deploy-model',
      '987',
      '--project=my-project',
      '--region=us-central1',
      '--model=1234567890',
      '--display-name=spam-v1',
      '--machine-type=g2-standard-8',
      '--accelerator=type=nvidia-l4,count=1',
      '--min-replica-count=1',
      '--max-replica-count=3',
      '--traffic-split=0=100',
    ]);
  });

  test('a field without a flag on a command without --config is refused by name', () => {
    const spec = variant(modelUpload(), { 'model.containerSpec.startupProbe': { httpGet: { path: '/ready' } } });
    const error = errorOf(() => renderGcloudCommand({ uploadModel: spec as unknown as ModelUploadSpec }, location));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/model\.containerSpec\.startupProbe has no `gcloud ai models upload` flag/);
  });

  test('the spec is validated first', () => {
    const error = errorOf(() => renderGcloudCommand({ customJob: { displayName: 'x' } as CustomJobSpec }, location));
    expect(error.code).toBe('INVALID_SPEC');
  });
});

describe('round trip: parseWorkerPoolSpecFlag(render(spec)) gives the worker pools back', () => {
  /** The job-wide flags and the --worker-pool-spec values of a rendered custom-jobs create. */
  function readFlags(argv: string[]): WorkerPoolSpec[] {
    const value = (flag: string): string[] | undefined => {
      const found = argv.find((argument) => argument.startsWith(`--${flag}=`));
      return found === undefined ? undefined : splitGcloudList(found.slice(flag.length + 3));
    };
    const context = { args: value('args'), command: value('command'), pythonPackageUris: value('python-package-uris') };
    return argv
      .filter((argument) => argument.startsWith('--worker-pool-spec='))
      .map((argument) => parseWorkerPoolSpecFlag(argument, context));
  }

  const pools: Array<[string, WorkerPoolSpec[]]> = [
    // The issue's acceptance case: one n1-standard-4 with one T4, a container with args.
    ['n1-standard-4 + one T4, container with args', [{ machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, replicaCount: 1, containerSpec: { imageUri: IMAGE, args: ['--epochs=3', '--data=gs://demo-bucket/spam/'] } }]],
    ['container + GPU', [{ machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 2 }, replicaCount: 1, containerSpec: { imageUri: IMAGE, command: ['python', '-m', 'trainer'], args: ['--lr=0.01', '--tags=a,b'] } }]],
    ['python package', pythonPackageJob().jobSpec.workerPoolSpecs],
    [
      'chief + workers',
      [
        { machineSpec: { machineType: 'n1-highcpu-16' }, replicaCount: 1, containerSpec: { imageUri: IMAGE } },
        { machineSpec: { machineType: 'n1-highcpu-16' }, replicaCount: 4, containerSpec: { imageUri: IMAGE } },
      ],
    ],
  ];

  test('a tutorial\'s gcloud flags parse into a spec that renders back to the same flags', () => {
    const flag = `--worker-pool-spec=machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=${IMAGE}`;
    const pool = parseWorkerPoolSpecFlag(flag, { args: ['--epochs=3'] });
    const { argv } = renderGcloudCommand({ customJob: { displayName: 'seed', jobSpec: { workerPoolSpecs: [pool] } } }, location);
    expect(argv).toContain(flag);
    expect(argv).toContain('--args=--epochs=3');
  });

  test.each(pools)('%s', (_name, workerPoolSpecs) => {
    const spec: CustomJobSpec = { displayName: 'round-trip', jobSpec: { workerPoolSpecs } };
    const command = renderGcloudCommand({ customJob: spec }, location);
    expect(command.configFile).toBeUndefined();
    expect(readFlags(command.argv)).toEqual(workerPoolSpecs);
  });
});

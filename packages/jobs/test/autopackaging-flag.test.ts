// gcloud's autopackaging keys in --worker-pool-spec: the issue's two seed command lines read into a pool and what to
// package; without output-image-uri an sdist run by the executor image, with it an image to build; the executor
// image checked through the hook, in the flag and in spec validation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JobsError, packagePythonTrainer, parseWorkerPoolSpecFlag, renderGcloudCommand, validateCustomJobSpec, type CustomJobSpec, type ExecutorImageCheck } from '../src/index.js';
import { splitGcloudList } from '../src/lib/gcloud/gcloud-lists.js';
import { SETUP_PY_TRAINER, writeTree } from './helpers/python-packages.js';

const EXECUTOR = 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-12.py310:latest';
const MACHINE = 'machine-type=n1-standard-8,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1';
/** The issue's first seed: an sdist built by hand and copied to a bucket. */
const SEED_PACKAGE = { pool: `${MACHINE},executor-image-uri=${EXECUTOR},python-module=trainer.task`, uris: 'gs://my-bucket/trainer/trainer-0.1.tar.gz', args: '--epochs=30,--batch_size=8' };
/** The issue's second seed: gcloud's autopackaging of a local folder. */
const SEED_AUTOPACKAGE = `${MACHINE},executor-image-uri=${EXECUTOR},local-package-path=autopackage,python-module=trainer.task`;

/** A stand-in for @vertexkit/containers' checkExecutorImage (this package cannot depend on it). */
const onlyKnown: ExecutorImageCheck = ({ imageUri, acceleratorType }) =>
  imageUri === EXECUTOR ? undefined : `${imageUri} is not known${acceleratorType ? ` (pool has ${acceleratorType})` : ''}; use ${EXECUTOR}`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-autopackage-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const job = (pool: object): CustomJobSpec => ({ displayName: 'seed', jobSpec: { workerPoolSpecs: [pool] } });

describe('parseWorkerPoolSpecFlag: the seed command lines', () => {
  test('executor-image-uri + python-module + --python-package-uris + --args: a valid pythonPackageSpec job', () => {
    const pool = parseWorkerPoolSpecFlag(SEED_PACKAGE.pool, { pythonPackageUris: splitGcloudList(SEED_PACKAGE.uris), args: splitGcloudList(SEED_PACKAGE.args), checkExecutorImage: onlyKnown });
    expect(pool).toEqual({
      machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
      replicaCount: 1,
      pythonPackageSpec: { executorImageUri: EXECUTOR, packageUris: ['gs://my-bucket/trainer/trainer-0.1.tar.gz'], pythonModule: 'trainer.task', args: ['--epochs=30', '--batch_size=8'] },
    });
    expect(validateCustomJobSpec(job(pool), { checkExecutorImage: onlyKnown })).toBeTruthy();
  });

  test('local-package-path without output-image-uri: an sdist to stage and a pythonPackageSpec (no image)', async () => {
    const pool = parseWorkerPoolSpecFlag(SEED_AUTOPACKAGE, { args: ['--epochs=30'] });
    expect(pool.autopackaging).toEqual({
      mode: 'python-package',
      localPackagePath: 'autopackage',
      pythonModule: 'trainer.task',
      executorImageUri: EXECUTOR,
      requirements: [],
      extraPackages: [],
      extraDirs: [],
    });
    expect(pool.pythonPackageSpec).toEqual({ executorImageUri: EXECUTOR, packageUris: [], pythonModule: 'trainer.task', args: ['--epochs=30'] });
    expect(pool.containerSpec).toBeUndefined();

    // What the train app does with it: package, stage, put the staged URI first, drop `autopackaging`.
    const dir = await writeTree(path.join(root, 'autopackage'), SETUP_PY_TRAINER);
    const staged = await packagePythonTrainer({ dir, pythonModule: pool.autopackaging!.pythonModule, staging: path.join(root, 'bucket', 'staging') });
    const { autopackaging: _autopackaging, ...ready } = pool;
    ready.pythonPackageSpec!.packageUris = [staged.uri!.replace(`${root}/bucket/`, 'gs://my-bucket/'), ...(ready.pythonPackageSpec!.packageUris ?? [])];
    const spec = validateCustomJobSpec(job(ready), { checkExecutorImage: onlyKnown });
    const command = renderGcloudCommand({ customJob: spec }, { project: 'my-project', region: 'us-central1' });
    expect(command.argv).toContain(`--python-package-uris=gs://my-bucket/staging/trainer-${staged.sha256.slice(0, 12)}.tar.gz`);
    expect(command.argv).toContain(`--worker-pool-spec=${MACHINE},executor-image-uri=${EXECUTOR},python-module=trainer.task`);
  });

  test('with output-image-uri: a containerSpec running the image to build FROM the executor image', () => {
    const pool = parseWorkerPoolSpecFlag(`${SEED_AUTOPACKAGE},output-image-uri=us-central1-docker.pkg.dev/p/r/trainer:1,requirements=pandas>=2;numpy,extra-packages=dist/helpers-1.0-py3-none-any.whl,extra-dirs=configs;assets`, {
      args: ['--epochs=30'],
      checkExecutorImage: () => 'never asked: the image is only built from',
    });
    expect(pool.containerSpec).toEqual({ imageUri: 'us-central1-docker.pkg.dev/p/r/trainer:1', args: ['--epochs=30'] });
    expect(pool.pythonPackageSpec).toBeUndefined();
    expect(pool.autopackaging).toMatchObject({
      mode: 'container-image',
      outputImageUri: 'us-central1-docker.pkg.dev/p/r/trainer:1',
      requirements: ['pandas>=2', 'numpy'],
      extraPackages: ['dist/helpers-1.0-py3-none-any.whl'],
      extraDirs: ['configs', 'assets'],
    });
  });

  test('a lone script (script= without local-package-path) runs as its module', () => {
    expect(parseWorkerPoolSpecFlag(`machine-type=n1-standard-4,executor-image-uri=${EXECUTOR},script=train_spam.py`).autopackaging).toMatchObject({
      mode: 'python-package',
      script: 'train_spam.py',
      pythonModule: 'train_spam',
    });
    expect(parseWorkerPoolSpecFlag(`machine-type=n1-standard-4,executor-image-uri=${EXECUTOR},local-package-path=.,script=trainer/task.py`).autopackaging?.pythonModule).toBe('trainer.task');
  });
});

describe('the executor image check', () => {
  test('is a problem of the flag, keyed executor-image-uri, with the other problems', () => {
    let error: unknown;
    try {
      parseWorkerPoolSpecFlag(`machine-type=n1-standard-4,accelerator-type=NVIDIA_TESLA_T4,replica-count=x,executor-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-12.py310:latest,python-module=trainer.task`, { checkExecutorImage: onlyKnown });
    } catch (caught) {
      error = caught;
    }
    expect(JobsError.isInstance(error) && error.code).toBe('INVALID_ARGUMENT');
    expect((error as JobsError).issues).toEqual([
      { path: 'replica-count', message: 'must be a whole number, got "x"; e.g. replica-count=1' },
      { path: 'executor-image-uri', message: `us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-12.py310:latest is not known (pool has NVIDIA_TESLA_T4); use ${EXECUTOR}` },
    ]);
  });

  test('is a spec issue at pythonPackageSpec.executorImageUri when validation is given it', () => {
    const pool = parseWorkerPoolSpecFlag(`machine-type=n1-standard-4,executor-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-99.py310:latest,python-module=m`, { pythonPackageUris: ['gs://my-bucket/p.tar.gz'] });
    expect(() => validateCustomJobSpec(job(pool))).not.toThrow();
    let error: unknown;
    try {
      validateCustomJobSpec(job(pool), { checkExecutorImage: onlyKnown });
    } catch (caught) {
      error = caught;
    }
    expect((error as JobsError).issues).toEqual([
      { path: 'jobSpec.workerPoolSpecs[0].pythonPackageSpec.executorImageUri', message: `us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-99.py310:latest is not known; use ${EXECUTOR}` },
    ]);
  });
});

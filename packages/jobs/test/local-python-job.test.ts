// startLocalCustomJob with a pythonPackageSpec, for real: the staged sdist installed into a virtual environment
// (made once per package bytes, then reused), `python -m <module> <args>` with Vertex AI's environment, gs:// and
// /gcs/ paths read from a folder standing in for the bucket, and a requirement missing offline named in the failure.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsError, packagePythonTrainer, startLocalCustomJob, type CustomJobSpec } from '../src/index.js';
import { pythonTools, writeTree } from './helpers/python-packages.js';

if (pythonTools.missing) console.warn(`local Python job tests SKIPPED: ${pythonTools.missing}`);

const TASK = `import json, os, sys
out = os.environ["AIP_MODEL_DIR"]
os.makedirs(out, exist_ok=True)
keys = ["AIP_MODEL_DIR", "AIP_CHECKPOINT_DIR", "CLUSTER_SPEC", "TF_CONFIG", "CLOUD_ML_JOB_ID", "DATA_FROM_ENV"]
data = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--data=")][0]
with open(os.path.join(out, "run.json"), "w") as handle:
    json.dump({"argv": sys.argv[1:], "env": {k: os.environ.get(k) for k in keys}, "python": sys.executable, "data": open(os.path.join(data, "train.csv")).read()}, handle)
print("trained")
`;

let root: string;
let buckets: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-local-python-'));
  buckets = path.join(root, 'buckets');
  await writeTree(buckets, { 'my-bucket/data/train.csv': 'text,label\nfree money,spam\n' });
});
afterAll(() => rm(root, { recursive: true, force: true }));

function job(packageUri: string, args: string[] = []): CustomJobSpec {
  return {
    displayName: 'local-python',
    jobSpec: {
      workerPoolSpecs: [
        {
          machineSpec: { machineType: 'n1-standard-4' },
          replicaCount: 1,
          pythonPackageSpec: { executorImageUri: 'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310:latest', packageUris: [packageUri], pythonModule: 'trainer.task', args, env: { DATA_FROM_ENV: '/gcs/my-bucket/data/' } },
        },
      ],
      baseOutputDirectory: { outputUriPrefix: 'gs://my-bucket/runs/1' },
    },
  };
}

describe.skipIf(Boolean(pythonTools.missing))('startLocalCustomJob: a pythonPackageSpec', () => {
  it('installs the staged sdist into a venv, runs python -m with Vertex AI\'s environment and bucket paths mapped, and reuses the venv', async () => {
    const dir = await writeTree(path.join(root, 'trainer'), {
      'setup.py': "from setuptools import setup\nsetup(name='trainer', version='0.1', packages=['trainer'])\n",
      'trainer/__init__.py': '',
      'trainer/task.py': TASK,
    });
    const staged = await packagePythonTrainer({ dir, pythonModule: 'trainer.task', staging: path.join(buckets, 'my-bucket', 'staging') });
    const uri = `gs://my-bucket/staging/${path.basename(staged.uri!)}`;
    const options = { localBuckets: buckets, cwd: root, python: { executable: pythonTools.python! } };

    const first = startLocalCustomJob(job(uri, ['--data=gs://my-bucket/data/', '--epochs', '3']), options);
    const done = await first.wait({ pollIntervalMs: 20 });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(first.logs.map((entry) => entry.line)).toContain('trained');
    const environment = first.pythonEnvironment!;
    expect(environment).toMatchObject({ cached: false, packages: [{ uri, sha256: staged.sha256 }] });
    expect(environment.venv.startsWith(path.join(root, '.vertexkit', 'python', 'venvs'))).toBe(true);

    const model = path.join(buckets, 'my-bucket', 'runs', '1', 'model');
    const run = JSON.parse(await readFile(path.join(model, 'run.json'), 'utf8')) as { argv: string[]; env: Record<string, string>; python: string; data: string };
    expect(run.argv).toEqual([`--data=${buckets}/my-bucket/data/`, '--epochs', '3']);
    expect(run.data).toBe('text,label\nfree money,spam\n');
    expect(run.python).toBe(environment.python);
    expect(run.env).toMatchObject({ AIP_MODEL_DIR: `${model}/`, AIP_CHECKPOINT_DIR: `${buckets}/my-bucket/runs/1/checkpoints/`, DATA_FROM_ENV: `${buckets}/my-bucket/data/` });
    expect(JSON.parse(run.env['CLUSTER_SPEC']!)).toMatchObject({ cluster: { workerpool0: ['127.0.0.1:2222'] }, task: { type: 'workerpool0', index: 0 } });
    expect(JSON.parse((JSON.parse(run.env["CLUSTER_SPEC"]!) as { job: string }).job)).toEqual({ python_module: 'trainer.task', package_uris: [uri], job_args: ['--data=gs://my-bucket/data/', '--epochs', '3'] });
    expect(JSON.parse(run.env['TF_CONFIG']!)).toMatchObject({ task: { type: 'chief', index: 0 } });

    const second = startLocalCustomJob(job(uri, ['--data=/gcs/my-bucket/data/']), options);
    expect((await second.wait({ pollIntervalMs: 20 })).state).toBe('JOB_STATE_SUCCEEDED');
    expect(second.pythonEnvironment).toMatchObject({ venv: environment.venv, cached: true, seconds: 0 });
    console.log(`venv made and sdist installed in ${environment.seconds.toFixed(1)} s (reused on the second run)`);
  }, 120_000);

  it('names a requirement that cannot be installed offline, without pip\'s traceback', async () => {
    const dir = await writeTree(path.join(root, 'needs'), {
      'setup.py': "from setuptools import setup\nsetup(name='needs', version='0.1', packages=['trainer'], install_requires=['vertexkit-no-such-requirement>=1'])\n",
      'trainer/__init__.py': '',
      'trainer/task.py': 'print("never")\n',
    });
    const staged = await packagePythonTrainer({ dir, pythonModule: 'trainer.task', staging: path.join(buckets, 'my-bucket', 'staging') });
    const local = startLocalCustomJob(job(`gs://my-bucket/staging/${path.basename(staged.uri!)}`), { localBuckets: buckets, cwd: root, python: { executable: pythonTools.python! } });
    const error = await local.wait({ pollIntervalMs: 20 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_FAILED');
    const message = (error as JobsError).jobError?.message ?? '';
    expect(message).toMatch(/^The replica workerpool0-0 could not install its Python packages: the requirement vertexkit-no-such-requirement>=1 could not be installed/);
    expect(message).toContain('install it there (apt-get install python3-<name>, or pip install vertexkit-no-such-requirement>=1)');
    expect(message).not.toMatch(/Traceback|╰─>/);
    expect(local.logs).toEqual([]);
  }, 120_000);
});

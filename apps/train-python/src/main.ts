#!/usr/bin/env node
// The Python trainer in ./trainer-package, from TypeScript: packaged as a deterministic sdist and staged, run as a
// local Vertex AI custom job (a virtual environment, `python -m trainer.task`, Vertex AI's environment), or
// submitted to Vertex AI; then the model directory it wrote is served with @vertexkit/serve.
//
//   node src/main.ts                      # local: demo data, train, serve two texts
//   node src/main.ts --data DIR           # local, your train.csv (text,label)
//   node src/main.ts --submit --project P --staging gs://BUCKET/staging --data gs://BUCKET/data/ --base-output-dir gs://BUCKET/runs/1
//   node src/main.ts --print-gcloud ...   # the same as a gcloud command, nothing submitted
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkExecutorImage } from '@vertexkit/containers';
import { JobsError, packagePythonTrainer, renderGcloudCommand, startLocalCustomJob, validateCustomJobSpec, type CustomJobSpec, type ExecutorImageCheck } from '@vertexkit/jobs';
import { createTextClassificationHandler } from '@vertexkit/serve';

const PACKAGE_DIR = path.resolve(import.meta.dirname, '..', 'trainer-package');

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '20' },
    submit: { type: 'boolean' },
    'print-gcloud': { type: 'boolean' },
    project: { type: 'string', default: process.env.GOOGLE_CLOUD_PROJECT },
    region: { type: 'string', default: 'us-central1' },
    staging: { type: 'string' },
    'base-output-dir': { type: 'string' },
    'executor-image': { type: 'string', default: 'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310:latest' },
    'as-of': { type: 'string' },
    'local-buckets': { type: 'string', default: '.vertexkit/buckets' },
    python: { type: 'string' },
  },
});

const remote = values.submit === true || values['print-gcloud'] === true;
const fail = (message: string): never => {
  console.error(`error: ${message}`);
  process.exit(2);
};
const buckets = path.resolve(values['local-buckets'] ?? '.vertexkit/buckets');

/** Without --data, a small labelled set in the local bucket folder. */
async function demoData(): Promise<string> {
  const spam = ['win free cash now', 'claim your prize money', 'free offer click now', 'urgent winner lottery credit', 'cheap money offer win'];
  const ham = ['team meeting moved to noon', 'project report draft attached', 'lunch tomorrow with the team', 'code review notes for the release', 'schedule a call about the project'];
  const rows = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `${spam[i % 5] ?? ''},spam` : `${ham[i % 5] ?? ''},ham`));
  const dir = path.join(buckets, 'demo', 'spam');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'train.csv'), `text,label\n${rows.join('\n')}\n`);
  return 'gs://demo/spam/';
}

if (remote && (!values.project || !values.staging?.startsWith('gs://') || !values.data?.startsWith('gs://'))) {
  fail('--submit and --print-gcloud need --project, --staging gs://... and --data gs://...: the job runs on Vertex AI and reads Cloud Storage');
}
const data = values.data ?? (await demoData());
// Staged where Vertex AI reads it; locally in the folder that stands in for the bucket (the job sees gs:// URIs).
const staging = values.staging ?? 'gs://demo/staging';
const trainer = await packagePythonTrainer({
  dir: PACKAGE_DIR,
  pythonModule: 'trainer.task',
  staging: remote ? staging : path.join(buckets, staging.slice('gs://'.length)),
  ...(values.python ? { python: values.python } : {}),
});
const packageUri = `${staging.replace(/\/$/, '')}/${path.basename(trainer.uri ?? '')}`;
console.log(`packaged ${trainer.fileName} (sha256 ${trainer.sha256}, ${trainer.size} bytes, ${trainer.checks.syntax}) as ${packageUri}${trainer.uploaded ? '' : ' (already staged)'}`);

const spec: CustomJobSpec = {
  displayName: 'train-python-sample',
  jobSpec: {
    workerPoolSpecs: [
      {
        machineSpec: { machineType: 'n1-standard-4' },
        replicaCount: 1,
        pythonPackageSpec: { executorImageUri: values['executor-image'] ?? '', packageUris: [packageUri], pythonModule: 'trainer.task', args: [`--data=${data}`, `--epochs=${values.epochs ?? '20'}`] },
      },
    ],
    ...(values['base-output-dir'] ? { baseOutputDirectory: { outputUriPrefix: values['base-output-dir'] } } : {}),
  },
};
const check: ExecutorImageCheck = ({ imageUri, acceleratorType }) => checkExecutorImage({ imageUri, ...(acceleratorType ? { acceleratorType } : {}), ...(values['as-of'] ? { date: values['as-of'] } : {}) }).problem;

try {
  if (remote) {
    validateCustomJobSpec(spec, { checkExecutorImage: check });
    if (values['print-gcloud']) {
      console.log(renderGcloudCommand({ customJob: spec }, { project: values.project ?? '', region: values.region ?? 'us-central1' }).text);
    } else {
      const { createJobsClient } = await import('@vertexkit/jobs/client');
      const jobs = createJobsClient({ project: values.project ?? '', location: values.region ?? 'us-central1' });
      const job = await jobs.submitCustomJob(spec);
      console.log(`submitted ${job.name}`);
      await job.wait({ onProgress: (event) => event.type === 'state' && console.log(event.state) });
      await jobs.close();
    }
    process.exit(0);
  }
  const problem = check({ imageUri: spec.jobSpec?.workerPoolSpecs?.[0]?.pythonPackageSpec?.executorImageUri ?? '' });
  if (problem) console.error(`warning: ${problem} (this local run uses this machine's python3)`);
  const job = startLocalCustomJob(spec, { localBuckets: buckets, ...(values.python ? { python: { executable: values.python } } : {}), onLog: ({ stream, line }) => process[stream].write(`${line}\n`) });
  const modelDir = job.environment.AIP_MODEL_DIR ?? '';
  console.log(`local Vertex AI custom job ${job.environment.CLOUD_ML_JOB_ID ?? ''}: model to ${modelDir}`);
  await job.wait({ pollIntervalMs: 50 });
  console.log(`python environment ${job.pythonEnvironment?.cached ? 'reused' : `made in ${job.pythonEnvironment?.seconds.toFixed(1) ?? '?'} s`}: ${job.pythonEnvironment?.venv ?? ''}`);
  const handler = createTextClassificationHandler({ modelDir, worker: false });
  await handler.load();
  const texts = ['free cash prize, click now', 'notes from the project meeting'];
  const params = handler.parseParameters({});
  const predictions = (await handler.run(texts)).map((logits) => handler.postprocess(logits, params));
  for (const [i, text] of texts.entries()) console.log(`served: ${JSON.stringify(text)} -> ${predictions[i]?.labels[0]?.label ?? '?'} ${predictions[i]?.labels[0]?.score.toFixed(3) ?? ''}`);
  await handler.close();
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(JobsError.isInstance(error) && error.code !== 'JOB_FAILED' ? 2 : 1);
}

#!/usr/bin/env node
// Batch prediction on this machine, the way Vertex AI runs a BatchPredictionJob with this app's image: the app
// is started as the serving container (AIP_HTTP_PORT, AIP_STORAGE_URI = the model), the JSON Lines instances are
// sent to it in batches, and Vertex's output layout is written (prediction.results-*, prediction.errors_stats-*).
// Killed and started again with the same flags, it goes on where it stopped.
//
//   npm run batch-predict -w @vertexkit/app-serve-cloud-run -- --model ./opus-mt-tr-en/ \
//     --input ./instances.jsonl --output ./predictions/ [--parameters '{"num_beams": 4}']
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JobsError, startLocalBatchPredictionJob, type JsonValue, type LocalBatchPredictionProgress } from '@vertexkit/jobs';

const USAGE = `usage: batch-predict.ts --model DIR --input FILE... --output DIR [options]

  --model DIR          the model directory (what serve loads): a local path or gs://bucket/prefix/
  --input FILE         JSON Lines instances: a file, a folder, a wildcard (*.jsonl), local or gs://; repeat for more
  --output DIR         where the prediction-<model>-<time>/ folder goes: a local path or gs://bucket/prefix/
  --parameters JSON    the request parameters for every batch, e.g. '{"num_beams": 4}' or '{"top_k": 1}'
  --batch-size N       instances per request (default 64, as Vertex AI)
  --name NAME          the model's name in the folder name (default: the model directory's name)
  --new                start a new run instead of resuming an unfinished one`;

function usage(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      model: { type: 'string' },
      input: { type: 'string', multiple: true },
      output: { type: 'string' },
      parameters: { type: 'string' },
      'batch-size': { type: 'string' },
      name: { type: 'string' },
      new: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
try {
  ({ values } = parse());
} catch (error) {
  usage((error as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const missing = (['model', 'input', 'output'] as const).filter((flag) => values[flag] === undefined);
if (missing.length > 0) usage(`missing ${missing.map((flag) => `--${flag}`).join(', ')}`);

// `npm run -w` runs this in the app's folder: relative paths mean the folder npm was started in.
const caller = process.env.INIT_CWD ?? process.cwd();
const local = (uri: string): string => (/^[a-z][a-z\d+.-]*:\/\//i.test(uri) ? uri : path.resolve(caller, uri));
const model = local(values.model!);
let parameters: JsonValue | undefined;
if (values.parameters !== undefined) {
  try {
    parameters = JSON.parse(values.parameters) as JsonValue;
  } catch (error) {
    usage(`--parameters ${values.parameters}: not JSON (${(error as Error).message}); e.g. --parameters '{"num_beams": 4}'`);
  }
}
const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
if (batchSize !== undefined && !(Number.isSafeInteger(batchSize) && batchSize > 0)) usage(`--batch-size ${values['batch-size']}: expected a whole number above 0`);
const name = values.name ?? (path.basename(model.replace(/\/+$/, '')) || 'model');

const job = startLocalBatchPredictionJob({
  spec: {
    displayName: `batch-${name}`,
    model: `projects/local/locations/local/models/${name.replace(/[^a-z0-9-]/gi, '-')}`,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://local/instances.jsonl'] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://local/predictions/' } },
    ...(parameters === undefined ? {} : { modelParameters: parameters }),
    ...(batchSize === undefined ? {} : { manualBatchTuningParameters: { batchSize } }),
  },
  // This app, started as Vertex AI starts its container: the model in AIP_STORAGE_URI, the port in AIP_HTTP_PORT.
  server: { command: [process.execPath, path.resolve(import.meta.dirname, '..', 'src', 'main.ts')], modelDirectory: model, env: { HOST: '127.0.0.1' } },
  inputUris: values.input!.map(local),
  outputRoot: local(values.output!),
  modelDisplayName: name,
  resume: !values.new,
  onProgress: report,
});

let lastReport = 0;
function report(progress: LocalBatchPredictionProgress): void {
  if (performance.now() - lastReport < 2000) return;
  lastReport = performance.now();
  const total = progress.instancesTotal === undefined ? '' : ` of ${progress.instancesTotal}`;
  console.log(`${progress.successfulCount + progress.failedCount}${total} instances (${progress.failedCount} failed, ${progress.resumedCount} from before), ${Math.round(progress.instancesPerSecond)}/s`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping; run the same command again to go on where it stopped`);
    void job.cancel();
  });
}

try {
  const snapshot = await job.wait();
  const { successfulCount, failedCount } = job.progress;
  console.log(`${snapshot.state}: ${successfulCount} predicted, ${failedCount} failed, in ${job.outputDirectory ?? '(no folder)'}`);
  process.exit(snapshot.state === 'JOB_STATE_SUCCEEDED' ? 0 : 1);
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(JobsError.isInstance(error) && error.code === 'INVALID_SPEC' ? 2 : 1);
}

#!/usr/bin/env node
// The training container's entrypoint, and a CLI to run the same job on your machine or submit it:
//
//   node src/main.ts --data gs://my-bucket/spam/ --output gs://my-bucket/models/spam/
//
// Without a mode flag it runs as a local Vertex AI custom job (--local: this file again, in a child process
// with the job's environment); --submit sends the job to Vertex AI; inside a job (CLOUD_ML_JOB_ID set) or with
// --here it trains in this process. On Vertex AI, --output and --checkpoint-dir default to AIP_MODEL_DIR and
// AIP_CHECKPOINT_DIR. Exit status: 0 trained, 2 bad command line, 1 the run failed, 130/143 stopped by SIGINT/SIGTERM.
import { CommanderError } from 'commander';
import { StorageError } from '@vertexkit/storage';
import { TrainerError, type ClassificationMetrics } from '@vertexkit/trainer';
import { parseInvocation, type Invocation, type TrainSettings } from './cli.ts';
import { DataError } from './errors.ts';
import { createProgressReporter } from './progress.ts';
import { trainJob, type TrainJobResult } from './train.ts';

// gcloud's Python package jobs (--worker-pool-spec with executor-image-uri, or local code to package): src/python-job.ts.
if (process.argv.slice(2).some((arg) => arg === '--worker-pool-spec' || arg.startsWith('--worker-pool-spec='))) {
  const { runPythonJob } = await import('./python-job.ts');
  process.exit(await runPythonJob(process.argv.slice(2)));
}

let invocation: Invocation;
try {
  invocation = parseInvocation(process.argv.slice(2));
} catch (error) {
  // commander has printed the message (or the help); usage errors exit 2, as shells expect.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  throw error;
}
const settings: TrainSettings = invocation.settings;

if (invocation.mode !== 'here') {
  const { runLocal, submit } = await import('./job.ts');
  const { JobsError } = await import('@vertexkit/jobs');
  try {
    process.exit(invocation.mode === 'local' ? await runLocal(invocation) : await submit(invocation));
  } catch (error) {
    // A spec Vertex AI would refuse comes from the flags (--machine-type, --labels, ...): a usage error.
    const invalid = JobsError.isInstance(error) && error.code === 'INVALID_SPEC';
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (settings.verbose && error instanceof Error && error.stack) console.error(error.stack);
    process.exit(invalid ? 2 : 1);
  }
}

// SIGTERM is how Vertex AI cancels a job and Ctrl-C how you do: stop training, remove the scratch folder.
const controller = new AbortController();
let stoppedBy: NodeJS.Signals | undefined;
let stoppedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C on a local job reaches this replica twice at once: the terminal's SIGINT and the runner's SIGTERM.
    if (stoppedBy !== undefined && performance.now() - stoppedAt < 1000) return;
    if (stoppedBy !== undefined) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stoppedBy = signal;
    stoppedAt = performance.now();
    console.error(`\n${signal}: stopping (again to quit at once)`);
    controller.abort(new Error(`stopped by ${signal}`));
  });
}

const progress = createProgressReporter();
try {
  const result = await trainJob(settings, {
    onEvent: (event) => progress.onEvent(event),
    onStatus: (line) => console.log(line),
    ...(settings.verbose ? { onLog: (line: string) => console.log(`[trainer] ${line}`) } : {}),
    signal: controller.signal,
  });
  printSummary(result);
} catch (error) {
  progress.stop();
  if (stoppedBy !== undefined) {
    console.error(`stopped by ${stoppedBy}`);
    process.exit(stoppedBy === 'SIGINT' ? 130 : 143);
  }
  printError(error, settings.verbose || Boolean(process.env.DEBUG));
  process.exit(1);
}

function printSummary(result: TrainJobResult): void {
  const { training } = result;
  const scores = (metrics: ClassificationMetrics): string =>
    `accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macroF1.toFixed(4)} (${metrics.examples} examples)`;
  console.log('');
  console.log(`best epoch: ${training.bestEpoch} of ${training.epochsRun}${training.stoppedEarly ? ' (stopped early)' : ''}`);
  console.log(`dev:   ${scores(training.dev)}`);
  if (training.test) console.log(`test:  ${scores(training.test)}, from ${result.testFrom}`);
  if (training.float && training.quantization) {
    // What --quantize cost and bought, on the same splits.
    const { float, quantization } = training;
    const held = float.test ?? float.dev;
    console.log(`float: ${scores(held)}, the ${float.test ? 'test' : 'dev'} split before --quantize; model.onnx ${size(quantization.floatModelBytes)} float, ${size(quantization.modelBytes)} quantized`);
  }
  console.log(`model: ${result.model} (${result.files.length} files, ${size(result.bytes)}; manifest.json written last)`);
  if (result.checkpoints) console.log(`checkpoints: ${result.checkpoints}`);
}

function size(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function printError(error: unknown, verbose: boolean): void {
  // The package errors and DataError carry a message written for the user: no stack unless asked.
  const known = error instanceof DataError || StorageError.isInstance(error) || TrainerError.isInstance(error);
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  if (verbose && error instanceof Error && error.stack) console.error(error.stack);
  else if (!known) console.error('(an unexpected error: run with --verbose or DEBUG=1 for the stack trace)');
}

#!/usr/bin/env node
// The quickstart, run by `npm start` at the repository root: the whole path from data to predictions on
// one machine, with no Google account. A local folder stands in for the Cloud Storage bucket, apps/train's
// default --local mode (@vertexkit/jobs' local runner) for the Vertex AI training job, and a child process
// for the Cloud Run service:
//
//   1. data     the SpamAssassin corpus -> <work>/bucket/spam-assassin/{train,dev,test}.csv
//   2. train    apps/train --data <work>/bucket/spam-assassin/ --output <work>/bucket/models/spam-assassin/
//   3. serve    apps/serve-cloud-run with MODEL_URI=<that model> PORT=<a free port>
//   4. predict  the held-out test.csv through @vertexkit/client; accuracy, macro-F1, latency
//
// Then the server is stopped with SIGTERM, as Cloud Run stops an instance, and must exit 0.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkServedResults, readTrainedScores } from './check-results.ts';
import { startChild, stopChildren } from './children.ts';
import { scoreLabels, summarizeLatency, type ClassificationScores, type LatencySummary } from './metrics.ts';
import { predictHeldOut } from './predict-held-out.ts';
import { startServer } from './start-server.ts';
import { writeCorpus } from './write-corpus.ts';

const USAGE = `Usage: node apps/quickstart/src/main.ts [--limit <n>] [--epochs <n>] [--work-dir <dir>] [--seed <n>]

  --limit <n>       use a stratified sample of n messages instead of all 6,046 (a quick run)
  --epochs <n>      passed to apps/train (default: its own, 10 with early stopping)
  --work-dir <dir>  where the local "bucket" goes (default: .quickstart)
  --seed <n>        seed of the split and of training (default 42)`;

interface Options {
  limit?: number;
  epochs?: number;
  workDir: string;
  seed: number;
}

function parseOptions(): Options {
  const usage = (message: string): never => {
    console.error(`error: ${message}\n\n${USAGE}`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        limit: { type: 'string' },
        epochs: { type: 'string' },
        'work-dir': { type: 'string', default: '.quickstart' },
        seed: { type: 'string', default: '42' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (flag: string, min: number): number | undefined => {
    const value = values[flag];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min) {
      return usage(`--${flag} ${String(value)}: expected a whole number >= ${min}`);
    }
    return Number(value);
  };
  const limit = whole('limit', 50);
  const epochs = whole('epochs', 1);
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(epochs === undefined ? {} : { epochs }),
    workDir: values['work-dir'] as string,
    seed: whole('seed', 0) as number,
  };
}

const options = parseOptions();
const started = performance.now();
const seconds = (since: number): number => (performance.now() - since) / 1000;
// Paths below the current folder are shown relative to it, others in full.
const shown = (p: string): string => {
  const relative = path.relative(process.cwd(), p);
  if (relative === '' || relative.startsWith('..')) return p;
  return p.endsWith('/') ? `${relative}/` : relative;
};
const script = (specifier: string): string => fileURLToPath(import.meta.resolve(specifier));

const work = path.resolve(options.workDir);
const data = `${path.join(work, 'bucket', 'spam-assassin')}/`;
const modelDir = `${path.join(work, 'bucket', 'models', 'spam-assassin')}/`;
const trainScript = script('@vertexkit/app-train/src/main.ts');
const serveScript = script('@vertexkit/app-serve-cloud-run/src/main.ts');

// Ctrl-C (or SIGTERM): stop the children first; the terminal also sends them SIGINT, which they handle.
let interrupted: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = signal;
    console.error(`\n${signal}: stopping the child processes`);
    void stopChildren('SIGTERM').finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  console.log('vertexkit quickstart: a spam filter trained, served and called on this machine (no Google account)\n');

  let step = performance.now();
  console.log(`1/4 data     SpamAssassin corpus -> ${shown(data)}{train,dev,test}.csv (a local folder stands in for gs://)`);
  const corpus = await writeCorpus({ to: data, seed: options.seed, ...(options.limit === undefined ? {} : { limit: options.limit }) });
  const dataSeconds = seconds(step);
  console.log(`             ${corpus.train} / ${corpus.dev} / ${corpus.test} messages, raw with headers (${dataSeconds.toFixed(1)} s)\n`);

  step = performance.now();
  const trainArgs = ['--data', data, '--output', modelDir, '--seed', String(options.seed), ...(options.epochs ? ['--epochs', String(options.epochs)] : [])];
  console.log(`2/4 train    node ${shown(trainScript)} ${trainArgs.map((arg) => (arg.startsWith(work) ? shown(arg) : arg)).join(' ')}`);
  const training = startChild({ name: 'train', script: trainScript, args: trainArgs });
  console.log(`             pid ${training.process.pid}; it runs the training as a local Vertex AI custom job (@vertexkit/jobs' local runner)`);
  const trained = await training.exited;
  if (trained.code !== 0) throw new Error(`apps/train failed (exit ${trained.code ?? trained.signal}); see its [train] lines above`);
  const trainSeconds = seconds(step);
  // What training measured on test.csv: the served model must score the same on it below.
  const trainedScores = await readTrainedScores(modelDir);
  console.log(`             trained in ${trainSeconds.toFixed(1)} s\n`);

  step = performance.now();
  console.log(`3/4 serve    MODEL_URI=${shown(modelDir)} PORT=<free port> node ${shown(serveScript)}`);
  const server = await startServer({ script: serveScript, modelDir });
  const serveSeconds = seconds(step);
  console.log(`             pid ${server.process.pid}, healthy at ${server.url} in ${serveSeconds.toFixed(1)} s\n`);

  const texts = corpus.testRows.map((row) => row.text);
  console.log(`4/4 predict  ${texts.length} held-out messages -> ${server.url}/predict through @vertexkit/client, one per request, 4 in flight`);
  const predictions = await predictHeldOut({ url: server.url, texts });
  const scores = scoreLabels(corpus.testRows.map((row) => row.label), predictions.labels);
  const latency = summarizeLatency(predictions.latencies);

  server.process.kill('SIGTERM');
  const stopped = await server.exited;
  printResults(scores, latency, predictions.requests, predictions.seconds);
  console.log(`server       pid ${server.process.pid} logged ${server.predictionsAnswered()} answered requests; stopped by SIGTERM, exit code ${stopped.code ?? stopped.signal}`);
  if (stopped.code !== 0) throw new Error(`apps/serve-cloud-run exited with ${stopped.code ?? stopped.signal} on SIGTERM; expected 0`);
  const problems = checkServedResults({
    trained: trainedScores,
    served: scores,
    sent: texts.length,
    requests: predictions.requests,
    answered: server.predictionsAnswered(),
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  console.log(
    `checked      served scores match training's own on test.csv (macro-F1 ${trainedScores.macroF1.toFixed(4)}); ` +
      `${server.predictionsAnswered()} of ${predictions.requests} requests answered`,
  );
  console.log(
    `total        ${seconds(started).toFixed(1)} s (data ${dataSeconds.toFixed(1)} s, train ${trainSeconds.toFixed(1)} s, ` +
      `serve start ${serveSeconds.toFixed(1)} s, predict ${predictions.seconds.toFixed(1)} s)`,
  );
  console.log(`\nThe model stays in ${shown(modelDir)}: serve it again with MODEL_URI=${modelDir} npm start -w @vertexkit/app-serve-cloud-run`);
} catch (error) {
  // After Ctrl-C the steps fail as their children stop; the signal handler ends the run.
  if (interrupted === undefined) {
    console.error(`\nerror: ${error instanceof Error ? error.message : String(error)}`);
    await stopChildren('SIGTERM');
    process.exit(1);
  }
}

function printResults(scores: ClassificationScores, latency: LatencySummary, requests: number, wallSeconds: number): void {
  const f = (n: number): string => n.toFixed(4);
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  console.log(`\nresults on ${scores.examples} held-out messages (never seen in training)\n`);
  console.log('  label  precision  recall  F1      support');
  for (const [label, s] of Object.entries(scores.perLabel)) {
    console.log(`  ${label.padEnd(5)}  ${f(s.precision)}     ${f(s.recall)}  ${f(s.f1)}  ${s.support}`);
  }
  console.log(`\naccuracy     ${f(scores.accuracy)}`);
  console.log(`macro-F1     ${f(scores.macroF1)}`);
  console.log(`latency      p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} per request`);
  console.log(`throughput   ${requests} requests in ${wallSeconds.toFixed(2)} s: ${Math.round(requests / wallSeconds)} requests/s`);
}

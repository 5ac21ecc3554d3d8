// bench/translate: translation served by apps/serve-cloud-run (as deployed: its own process, its defaults) against
// transformers.js generating in this process on the same model and inputs, in the same run; then a batch
// prediction of BATCH_INSTANCES instances through the app (@vertexkit/jobs' local runner) against transformers.js
// looping over the same instances.
//
//   npm run bench:translate                  (~6 min on 2 cores)
//   DURATION_S=5 CONCURRENCY=1,64 BATCH_INSTANCES=1000 npm run bench:translate     (~1.5 min)
//
// Knobs (env): DURATION_S   measured seconds per point (default 10; a warm-up of 30% before each)
//              CONCURRENCY  clients at once, comma-separated (default 1,8,64)
//              BATCH_INSTANCES  instances of the batch prediction run (default 5000; 0 skips it)
//              BASELINE_SAMPLE  transformers.js translates only this many of the batch instances and the time is scaled
//                           to all of them (default: all)
//              D_MODEL, LAYERS, VOCAB  the model's size (default 256, 3, 4000: a third of opus-mt's width, half its depth)
//              NUM_BEAMS    generation (default 1: greedy; max_new_tokens 64 either way)
//
// The model is tools/marian-model's Marian-shaped directory (random weights, real op structure), built in a temp
// dir. Every server answer is checked against transformers.js's translation of the same text: a difference stops
// the run. Tokens are the generated ids (end token included, decoder start excluded), counted from the reference,
// which the server's answers equal. Latencies are per request, as the client sees them.
//
// Targets (PASS/MISS, never failing the run): server >= 1.0x transformers.js tokens/s at c=1 and >= 3x at c=64;
// batch >= 3x transformers.js instances/s.
// Results: bench/translate/results/latest.json (gitignored).
/* global process, console, fetch, setTimeout */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readBatchPredictionResults, startLocalBatchPredictionJob } from '@vertexkit/jobs';
import { buildMarianModelDir, loadTransformersJsTranslator, MARIAN_TEST_SENTENCES } from '@vertexkit/tool-marian-model';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));
const DURATION_S = env('DURATION_S', 10);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,8,64').split(',').map(Number);
const BATCH_INSTANCES = env('BATCH_INSTANCES', 5000);
const BASELINE_SAMPLE = env('BASELINE_SAMPLE', BATCH_INSTANCES);
const D_MODEL = env('D_MODEL', 256);
const LAYERS = env('LAYERS', 3);
const VOCAB = env('VOCAB', 4000);
const NUM_BEAMS = env('NUM_BEAMS', 1);
const GENERATION = { num_beams: NUM_BEAMS, max_new_tokens: 64 };
const TEXTS = MARIAN_TEST_SENTENCES;
const APP = path.join(ROOT, 'apps', 'serve-cloud-run');

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-bench-translate-'));
const results = { model: {}, points: [], batch: undefined };
let server;
try {
  const modelDir = path.join(work, 'opus-mt-bench');
  let t = performance.now();
  await buildMarianModelDir({ dir: modelDir, dModel: D_MODEL, layers: LAYERS, heads: 4, ffnDim: 4 * D_MODEL, vocabSize: VOCAB });
  const bytes = (await Promise.all((await fs.readdir(modelDir)).map((f) => fs.stat(path.join(modelDir, f))))).reduce((s, st) => s + st.size, 0);
  results.model = { dModel: D_MODEL, layers: LAYERS, vocab: VOCAB, mib: bytes / 2 ** 20 };
  console.log(`model: Marian-shaped, d_model ${D_MODEL}, ${LAYERS}+${LAYERS} layers, vocabulary ${VOCAB}, ${(bytes / 2 ** 20).toFixed(1)} MiB (built in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  console.log(`generation: ${JSON.stringify(GENERATION)}; ${TEXTS.length} sentences, cycled\n`);

  // transformers.js with ONNX Runtime on every core (as the server's), no spinning threads.
  const cores = os.availableParallelism();
  const translator = await loadTransformersJsTranslator({
    dir: modelDir,
    sessionOptions: { intraOpNumThreads: cores, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } },
  });
  const reference = new Map();
  for (const translation of await translator.generate(TEXTS, GENERATION)) reference.set(TEXTS[reference.size], { text: translation.text, tokens: translation.ids.length - 1 });

  server = await startApp(modelDir);
  // Correctness first: every sentence once.
  for (const text of TEXTS) {
    const answer = await predict(server.url, text);
    if (answer !== reference.get(text).text) throw new Error(`the server translated ${JSON.stringify(text)} as ${JSON.stringify(answer)}, transformers.js as ${JSON.stringify(reference.get(text).text)}`);
  }
  console.log(`server: apps/serve-cloud-run ready in ${server.readySeconds.toFixed(2)} s; its ${TEXTS.length} translations equal transformers.js's\n`);

  console.log('  c   transformers.js tok/s   p50 / p99 ms      server tok/s   p50 / p99 ms      ratio');
  for (const c of CONCURRENCY) {
    const baseline = await closedLoop(c, async (text) => {
      const [translation] = await translator.generate([text], GENERATION);
      return translation.ids.length - 1;
    });
    const served = await closedLoop(c, async (text) => {
      const answer = await predict(server.url, text);
      if (answer !== reference.get(text).text) throw new Error(`the server translated ${JSON.stringify(text)} differently under load`);
      return reference.get(text).tokens;
    });
    const ratio = served.tokensPerSecond / baseline.tokensPerSecond;
    results.points.push({ concurrency: c, baseline, server: served, ratio });
    console.log(
      `${String(c).padStart(3)}   ${fmt(baseline.tokensPerSecond).padStart(18)}   ${latency(baseline).padStart(13)}   ${fmt(served.tokensPerSecond).padStart(14)}   ${latency(served).padStart(13)}   ${ratio.toFixed(2)}x`,
    );
  }

  if (BATCH_INSTANCES > 0) {
    const inputDir = path.join(work, 'batch-input');
    await fs.mkdir(inputDir, { recursive: true });
    const instances = Array.from({ length: BATCH_INSTANCES }, (_, i) => TEXTS[i % TEXTS.length]);
    await fs.writeFile(path.join(inputDir, 'instances.jsonl'), instances.map((text) => JSON.stringify(text)).join('\n') + '\n');
    t = performance.now();
    const job = startLocalBatchPredictionJob({
      spec: {
        displayName: 'bench-translate',
        model: 'projects/local/locations/local/models/opus-mt-bench',
        inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://local/instances.jsonl'] } },
        outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://local/predictions/' } },
        modelParameters: GENERATION,
      },
      server: { command: [process.execPath, path.join(APP, 'src', 'main.ts')], modelDirectory: modelDir, env: { HOST: '127.0.0.1' } },
      inputUris: [path.join(inputDir, 'instances.jsonl')],
      outputRoot: path.join(work, 'batch-output'),
      modelDisplayName: 'opus-mt-bench',
    });
    const snapshot = await job.wait();
    const batchSeconds = (performance.now() - t) / 1000;
    let checked = 0;
    for await (const { instance, prediction } of readBatchPredictionResults({ outputDirectory: job.outputDirectory })) {
      if (prediction[0] !== reference.get(instance).text) throw new Error(`batch prediction translated ${JSON.stringify(instance)} differently`);
      checked++;
    }
    if (snapshot.state !== 'JOB_STATE_SUCCEEDED' || checked !== BATCH_INSTANCES) throw new Error(`batch prediction: ${snapshot.state}, ${checked} of ${BATCH_INSTANCES} results`);
    const sample = instances.slice(0, Math.min(BASELINE_SAMPLE, BATCH_INSTANCES));
    t = performance.now();
    for (const text of sample) await translator.generate([text], GENERATION);
    const baselineSeconds = ((performance.now() - t) / 1000) * (BATCH_INSTANCES / sample.length);
    const ratio = baselineSeconds / batchSeconds;
    results.batch = { instances: BATCH_INSTANCES, seconds: batchSeconds, baselineSeconds, baselineSample: sample.length, ratio };
    console.log(
      `\nbatch prediction, ${BATCH_INSTANCES} instances: the app ${fmt(BATCH_INSTANCES / batchSeconds)} instances/s (${batchSeconds.toFixed(1)} s, server start included), ` +
        `transformers.js looping ${fmt(BATCH_INSTANCES / baselineSeconds)}/s (${baselineSeconds.toFixed(1)} s${sample.length < BATCH_INSTANCES ? `, scaled from ${sample.length}` : ''}): ${ratio.toFixed(2)}x`,
    );
  }

  const at = (c) => results.points.find((p) => p.concurrency === c);
  console.log('\ntargets');
  if (at(1)) console.log(`  c=1 server >= 1.0x transformers.js: ${at(1).ratio.toFixed(2)}x ${at(1).ratio >= 1 ? 'PASS' : 'MISS'}`);
  if (at(64)) console.log(`  c=64 server >= 3x transformers.js: ${at(64).ratio.toFixed(2)}x ${at(64).ratio >= 3 ? 'PASS' : 'MISS'}`);
  if (results.batch) console.log(`  batch >= 3x transformers.js looping: ${results.batch.ratio.toFixed(2)}x ${results.batch.ratio >= 3 ? 'PASS' : 'MISS'}`);
  await fs.mkdir(path.join(import.meta.dirname, 'results'), { recursive: true });
  await fs.writeFile(path.join(import.meta.dirname, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  await translator.dispose();
} finally {
  if (server) await server.stop();
  await fs.rm(work, { recursive: true, force: true });
}

/** c clients, each translating the next sentence as soon as its last one is done, for DURATION_S after a warm-up. */
async function closedLoop(c, translate) {
  let next = 0;
  const run = async (until, record) => {
    while (performance.now() < until) {
      const text = TEXTS[next++ % TEXTS.length];
      const started = performance.now();
      const tokens = await translate(text);
      if (record && performance.now() <= until) record(tokens, performance.now() - started);
    }
  };
  const warm = performance.now() + DURATION_S * 300;
  await Promise.all(Array.from({ length: c }, () => run(warm)));
  let tokens = 0;
  const latencies = [];
  const start = performance.now();
  const end = start + DURATION_S * 1000;
  await Promise.all(Array.from({ length: c }, () => run(end, (n, ms) => (tokens += n, latencies.push(ms)))));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  return { tokensPerSecond: tokens / seconds, requests: latencies.length, p50: pct(50), p99: pct(99) };
}

async function predict(url, text) {
  const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [text], parameters: GENERATION }) });
  if (response.status !== 200) throw new Error(`POST /predict answered ${response.status}: ${await response.text()}`);
  return (await response.json()).predictions[0][0];
}

/** apps/serve-cloud-run as it runs on Cloud Run: its own process, PORT and MODEL_URI, its default logging and batching. */
async function startApp(modelDir) {
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const started = performance.now();
  // Its per-request log lines go to a pipe read and dropped here, as Cloud Logging's agent would read them.
  const child = spawn(process.execPath, [path.join(APP, 'src', 'main.ts')], { env: { ...process.env, MODEL_URI: modelDir, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', () => undefined);
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apps/serve-cloud-run exited: ${output}`);
    if ((await fetch(`${url}/health`).then((r) => r.status, () => 0)) === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    readySeconds: (performance.now() - started) / 1000,
    stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('close', resolve), child.kill('SIGTERM')))),
  };
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}
function latency(point) {
  return `${point.p50.toFixed(0)} / ${point.p99.toFixed(0)}`;
}

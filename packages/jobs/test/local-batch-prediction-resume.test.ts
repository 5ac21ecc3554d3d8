// The acceptance test of local batch prediction: 5,000 JSON Lines instances, the run in a child process killed
// with SIGKILL midway (after some results are written), started again, and the union of its output checked
// line by line against the input: every instance exactly once, nothing lost, nothing duplicated, and nothing
// that was written before the kill sent to the server again. Also: 5,000 uninterrupted, timed, through a
// @vertexkit/serve ONNX classifier and through a server that answers at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPredictionServer, createTextClassificationHandler } from '@vertexkit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// serve's own fixture: a tiny but real ONNX text classifier directory, built in code.
import { buildTextClassifierDir } from '../../serve/test/fixtures/build-model.js';
import { readBatchPredictionErrors, readBatchPredictionResults, startLocalBatchPredictionJob, type BatchPredictionJobSpec } from '../src/index.js';
import { classify, startContractServer, type ContractServer } from './helpers/contract-server.js';

const packageDir = path.resolve(import.meta.dirname, '..');
const TOTAL = 5000;

let root: string;
let server: ContractServer;
/** Called as each request arrives (before it is answered): the test kills the child from here. */
let onRequest: (() => void) | undefined;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-jobs-batch-resume-'));
  // About 20 ms a request, like a small model: the run takes a few seconds, so the kill lands midway.
  server = await startContractServer({
    delayMs: 20,
    answer: (instances) => {
      onRequest?.();
      if (instances.some((instance) => (instance as { reject?: boolean }).reject)) {
        return { status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'instances: "reject" is set' } } };
      }
      return { predictions: instances.map(classify) };
    },
  });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

function spec(): BatchPredictionJobSpec {
  return {
    displayName: 'resume-5000',
    model: 'projects/my-project/locations/us-central1/models/42',
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://my-bucket/in/*.jsonl'] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://my-bucket/out/' } },
    manualBatchTuningParameters: { batchSize: 20 },
  };
}

/**
 * 5,000 instances over three files: `{"id": i, "text": ...}`, every 500th line not JSON (`{"id": i, broken`),
 * every 250th (but those) with `"reject": true`, which the server answers 400 for the whole request.
 */
async function writeInput(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const lines = Array.from({ length: TOTAL }, (_, id) => {
    if (id % 500 === 7) return `{"id": ${id}, broken`;
    return JSON.stringify({ id, text: `message number ${id}`, ...(id % 250 === 3 ? { reject: true } : {}) });
  });
  const cuts = [0, 2000, 4000, TOTAL];
  for (let file = 0; file < 3; file++) await writeFile(path.join(dir, `part-${file}.jsonl`), `${lines.slice(cuts[file], cuts[file + 1]).join('\n')}\n`);
  return path.join(dir, '*.jsonl');
}

/** The id an output line's instance stands for (a malformed line's instance is its text). */
function idOf(instance: unknown): number {
  if (typeof instance === 'string') return Number(/^\{"id": (\d+), broken$/.exec(instance)?.[1]);
  return (instance as { id: number }).id;
}

function runChild(args: Record<string, unknown>): { child: ChildProcess; lines: string[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', './test/helpers/load-typescript.mjs', 'test/fixtures/batch-run-child.ts', JSON.stringify(args)], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, lines, exited };
}

/** The instance numbers the journal holds now: what a restarted run must not send again. */
async function journaled(outputRoot: string): Promise<Set<number>> {
  const numbers = new Set<number>();
  for (const folder of await readdir(outputRoot)) {
    const chunks = path.join(outputRoot, folder, '.vertexkit-batch', 'chunks');
    for (const name of await readdir(chunks).catch(() => [])) {
      if (!name.endsWith('.jsonl')) continue;
      for (const line of (await readFile(path.join(chunks, name), 'utf8')).split('\n').filter(Boolean)) numbers.add((JSON.parse(line) as { n: number }).n);
    }
  }
  return numbers;
}

describe(`local batch prediction over ${TOTAL} instances`, () => {
  it(`survives SIGKILL midway over ${TOTAL} instances: each instance once in the output, none lost, none duplicated, nothing written sent again`, async () => {
    const input = await writeInput(path.join(root, 'kill', 'input'));
    const outputRoot = path.join(root, 'kill', 'out');
    const args = { spec: spec(), predictUrl: server.predictUrl, inputUris: [input], outputRoot, checkpoint: { everyInstances: 100, everyMs: 200 }, maxRecordsPerFile: 2000 };

    // Killed twice: once 1,000 instances are journaled, then (restarted) once 3,000 are; each time as a request
    // arrives, so the child is killed with requests in flight and maybe a chunk half-written.
    const killedAt: number[] = [];
    const phases: Array<{ journaled: Set<number>; sentBefore: number }> = [];
    for (const threshold of [1000, 3000]) {
      const sentBefore = server.requests.length;
      const run = runChild(args);
      onRequest = () => {
        const last = run.lines.filter((line) => line.startsWith('{"progress"')).at(-1);
        const progress = last ? (JSON.parse(last) as { progress: { successfulCount: number; failedCount: number } }).progress : undefined;
        if (progress && progress.successfulCount + progress.failedCount >= threshold) {
          onRequest = undefined;
          run.child.kill('SIGKILL');
        }
      };
      const exit = await run.exited;
      expect(exit.signal, `the run ended before it could be killed: ${exit.stderr}`).toBe('SIGKILL');
      const written = await journaled(outputRoot);
      killedAt.push(written.size);
      phases.push({ journaled: written, sentBefore });
    }
    const before = await journaled(outputRoot);
    expect(killedAt[0]).toBeGreaterThanOrEqual(1000);
    expect(killedAt[1]).toBeGreaterThanOrEqual(3000);
    expect(before.size).toBeLessThan(TOTAL);
    const [folder, ...others] = await readdir(outputRoot);
    expect(others).toEqual([]);
    const outputDirectory = path.join(outputRoot, folder!);
    expect(await readdir(outputDirectory)).toEqual(['.vertexkit-batch']);
    const sentBefore = server.requests.length;

    const second = runChild(args);
    const exit = await second.exited;
    expect(exit).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(second.lines.at(-1)!) as { outputDirectory: string; progress: { resumedCount: number; successfulCount: number; failedCount: number } };
    expect(summary.outputDirectory).toBe(outputDirectory);
    expect(summary.progress.resumedCount).toBe(before.size);

    // Nothing a killed run had written was sent again by the runs after it.
    // Requests the server answered (a refused one is halved and its instances sent again, by design).
    const rejected = (request: { instances: unknown[] }): boolean => request.instances.some((instance) => (instance as { reject?: boolean }).reject);
    const sentFrom = (index: number): number[] => server.requests.slice(index).filter((request) => !rejected(request)).flatMap((request) => request.instances.map(idOf));
    expect(sentFrom(phases[1]!.sentBefore).filter((id) => phases[0]!.journaled.has(id))).toEqual([]);
    const sentAfter = sentFrom(sentBefore);
    expect(sentAfter.filter((id) => before.has(id))).toEqual([]);
    expect(new Set(sentAfter).size).toBe(sentAfter.length);
    console.log(`killed with ${killedAt.join(', then ')} instances journaled (${sentBefore} requests sent); the last restart sent ${sentAfter.length} instances`);

    // Vertex AI's layout, and the union of results and errors checked line by line against the input.
    const files = (await readdir(outputDirectory)).sort();
    expect(files).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00003', 'prediction.results-00001-of-00003', 'prediction.results-00002-of-00003']);
    const results = [];
    for await (const result of readBatchPredictionResults({ outputDirectory })) results.push(result);
    const errors = await readBatchPredictionErrors({ outputDirectory, keep: TOTAL });
    const inputLines = (await Promise.all([0, 1, 2].map((file) => readFile(path.join(root, 'kill', 'input', `part-${file}.jsonl`), 'utf8')))).join('').split('\n').filter(Boolean);
    const echoed = new Map<number, string>();
    for (const { instance } of [...results, ...errors.examples]) {
      const id = idOf(instance);
      expect(echoed.has(id), `instance ${id} is in the output twice`).toBe(false);
      echoed.set(id, typeof instance === 'string' ? instance : JSON.stringify(instance));
    }
    expect(echoed.size).toBe(TOTAL);
    inputLines.forEach((line, id) => expect(echoed.get(id), `line ${id + 1}`).toBe(line.startsWith('{"id": ') ? line : JSON.stringify(JSON.parse(line))));
    for (const result of results) expect(result.prediction).toEqual(classify(result.instance));
    // Only the "reject" instances failed (every 250th line: 20, their requests halved down to them), and the 10 malformed lines.
    expect(errors.byMessage['instances: "reject" is set']).toBe(20);
    for (const { instance } of errors.examples) if (typeof instance !== 'string' || !instance.includes('broken')) expect(JSON.stringify(instance)).toMatch(/"reject":true|not valid|^"/);
    expect(Object.keys(errors.byMessage).filter((message) => message.includes('not valid JSON'))).toHaveLength(10);
    expect(summary.progress.successfulCount + summary.progress.failedCount).toBe(TOTAL);
    expect(results.length).toBe(summary.progress.successfulCount);
  });

  it(`runs ${TOTAL} instances through a @vertexkit/serve text classifier (a small ONNX model), timed`, async () => {
    const model = await buildTextClassifierDir(path.join(root, 'onnx-model'), { labels: ['ham', 'spam'] });
    const classifier = createPredictionServer({
      port: 0,
      host: '127.0.0.1',
      logger: false,
      env: {},
      handleSignals: false,
      exitOnShutdown: false,
      handler: createTextClassificationHandler({ modelDir: model.dir, threads: 1 }),
    });
    const { url } = await classifier.listen();
    await classifier.ready;
    try {
      const words = ['free', 'money', 'now', 'win', 'prize', 'hello', 'friend', 'meeting', 'tomorrow', 'lunch'];
      const texts = Array.from({ length: TOTAL }, (_, id) => Array.from({ length: 4 + (id % 9) }, (_, k) => words[(id * 7 + k * 3) % words.length]).join(' '));
      await mkdir(path.join(root, 'onnx', 'input'), { recursive: true });
      await writeFile(path.join(root, 'onnx', 'input', 'texts.jsonl'), texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
      const started = Date.now();
      const job = startLocalBatchPredictionJob({
        spec: spec(),
        server: { predictUrl: `${url}/predict` },
        inputUris: [path.join(root, 'onnx', 'input')],
        outputRoot: path.join(root, 'onnx', 'out'),
      });
      const done = await job.wait({ pollIntervalMs: 5 });
      const seconds = (Date.now() - started) / 1000;
      expect(done.resource['completionStats']).toEqual({ successfulCount: String(TOTAL), failedCount: '0', incompleteCount: '0' });
      const results = [];
      for await (const result of readBatchPredictionResults<{ text: string }, { labels: Array<{ label: string; score: number }> }>({ outputDirectory: job.outputDirectory! })) results.push(result);
      expect(results).toHaveLength(TOTAL);
      expect(results.every(({ prediction }) => prediction.labels.length === 2 && ['ham', 'spam'].includes(prediction.labels[0]!.label))).toBe(true);
      console.log(`local batch prediction through @vertexkit/serve (ONNX classifier): ${TOTAL} instances in ${seconds.toFixed(2)} s = ${Math.round(TOTAL / seconds)} instances/s`);
    } finally {
      await classifier.close();
    }
  });

  it(`runs ${TOTAL} instances uninterrupted against a local server (throughput)`, async () => {
    const fast = await startContractServer();
    try {
      const input = await writeInput(path.join(root, 'fast', 'input'));
      const started = Date.now();
      const job = startLocalBatchPredictionJob({ spec: { ...spec(), manualBatchTuningParameters: { batchSize: 64 } }, server: { predictUrl: fast.predictUrl }, inputUris: [input], outputRoot: path.join(root, 'fast', 'out') });
      const done = await job.wait({ pollIntervalMs: 5 });
      const seconds = (Date.now() - started) / 1000;
      expect(done.resource['completionStats']).toMatchObject({ incompleteCount: '0' });
      console.log(`local batch prediction: ${TOTAL} instances in ${seconds.toFixed(2)} s = ${Math.round(TOTAL / seconds)} instances/s (${fast.requests.length} requests of up to 64)`);
    } finally {
      await fast.close();
    }
  });
});

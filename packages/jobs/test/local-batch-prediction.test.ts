// The local batch prediction runner against real parts: a prediction server on loopback (a node:http server
// following Vertex AI's contract that can be told to fail, a @vertexkit/serve server, and a serving container's
// program started as a process), real input and output folders, and the output read back by
// readBatchPredictionResults.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPredictionServer, InvalidInputError } from '@vertexkit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobsError,
  readBatchPredictionErrors,
  readBatchPredictionResults,
  startLocalBatchPredictionJob,
  validateBatchPredictionJobSpec,
  type BatchPredictionJobSpec,
  type JobProgressEvent,
  type LocalBatchPredictionProgress,
} from '../src/index.js';
import { classify, startContractServer, type ContractServer } from './helpers/contract-server.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-jobs-local-batch-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const MODEL = 'projects/my-project/locations/us-central1/models/1234567890';
const FOLDER = /^prediction-1234567890-\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d_\d{3}Z$/;

function batchSpec(extra: Partial<BatchPredictionJobSpec> = {}): BatchPredictionJobSpec {
  return {
    displayName: 'score-local',
    model: MODEL,
    inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://my-bucket/input/*.jsonl'] } },
    outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://my-bucket/predictions/' } },
    manualBatchTuningParameters: { batchSize: 16 },
    ...extra,
  };
}

/** A folder of JSON Lines files: name -> lines (strings are written as they are, anything else as JSON). */
async function inputFolder(name: string, files: Record<string, unknown[]>): Promise<string> {
  const dir = path.join(root, name, 'input');
  await mkdir(dir, { recursive: true });
  for (const [file, lines] of Object.entries(files)) {
    await writeFile(path.join(dir, file), lines.map((line) => (typeof line === 'string' && line.startsWith('#raw ') ? line.slice(5) : JSON.stringify(line))).join('\n') + '\n');
  }
  return dir;
}

async function jsonLines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
}

/** The message JSON.parse gives for `text` (V8's wording changes between Node versions). */
function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parses`);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function withServer<T>(server: Promise<ContractServer>, use: (server: ContractServer) => Promise<T>): Promise<T> {
  const running = await server;
  try {
    return await use(running);
  } finally {
    await running.close();
  }
}

describe('startLocalBatchPredictionJob', () => {
  it("writes Vertex AI's layout: a prediction-<model>-<time> folder, results and errors_stats shards, each instance echoed", () =>
    withServer(startContractServer(), async (server) => {
      const texts = Array.from({ length: 200 }, (_, index) => `message ${index}`);
      const input = await inputFolder('layout', { 'a.jsonl': texts.slice(0, 120), 'b.jsonl': texts.slice(120) });
      const outputRoot = path.join(root, 'layout', 'out');
      const progress: LocalBatchPredictionProgress[] = [];
      const job = startLocalBatchPredictionJob({
        spec: batchSpec({ modelParameters: { top_k: 1 } }),
        server: { predictUrl: server.predictUrl },
        inputUris: [path.join(input, '*.jsonl')],
        outputRoot,
        onProgress: (event) => progress.push(event),
        checkpoint: { everyInstances: 50 },
      });
      const events: JobProgressEvent[] = [];
      const done = await job.wait({ pollIntervalMs: 5, onProgress: (event) => events.push(event) });

      expect(done.state).toBe('JOB_STATE_SUCCEEDED');
      const [folder, ...others] = await readdir(outputRoot);
      expect(others).toEqual([]);
      expect(folder).toMatch(FOLDER);
      const outputDirectory = path.join(outputRoot, folder!);
      expect(job.outputDirectory).toBe(outputDirectory);
      expect(done.resource).toMatchObject({
        name: job.name,
        state: 'JOB_STATE_SUCCEEDED',
        outputInfo: { gcsOutputDirectory: outputDirectory },
        completionStats: { successfulCount: '200', failedCount: '0', incompleteCount: '0' },
      });
      expect(job.name).toMatch(/^projects\/local\/locations\/local\/batchPredictionJobs\/\d+$/);
      // The journal is gone once the files are written: only Vertex AI's files remain.
      expect((await readdir(outputDirectory)).sort()).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00001']);
      // One line per instance, in the order requests finished (not the input's, as on Vertex AI).
      const lines = (await jsonLines(path.join(outputDirectory, 'prediction.results-00000-of-00001'))) as Array<{ instance: string }>;
      expect([...lines].sort((a, b) => texts.indexOf(a.instance) - texts.indexOf(b.instance))).toEqual(texts.map((text) => ({ instance: text, prediction: classify(text) })));
      expect(await readFile(path.join(outputDirectory, 'prediction.errors_stats-00000-of-00001'), 'utf8')).toBe('');

      // batchSize instances per request, modelParameters as parameters, files read in order.
      expect(server.requests.map((request) => request.instances.length)).toEqual([...Array<number>(12).fill(16), 8]);
      expect(server.requests.every((request) => JSON.stringify(request.parameters) === '{"top_k":1}')).toBe(true);
      expect(server.maxInFlight).toBeLessThanOrEqual(4);

      const results = await collect(readBatchPredictionResults({ outputDirectory }));
      expect(results.map((result) => result.instance)).toEqual(lines.map((line) => line.instance));
      expect(await readBatchPredictionErrors({ outputDirectory })).toEqual({ count: 0, byMessage: {}, examples: [] });

      expect(progress.at(-1)).toMatchObject({ successfulCount: 200, failedCount: 0, resumedCount: 0, instancesRead: 200, instancesTotal: 200, requestsSent: 13, requestsInFlight: 0 });
      const counts = progress.map((event) => event.successfulCount);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(progress.length).toBeGreaterThanOrEqual(4);
      const states = events.filter((event) => event.type === 'state').map((event) => event.state);
      expect(states.at(-1)).toBe('JOB_STATE_SUCCEEDED');
    }));

  it('records failed instances instead of dropping them: refused batches, model failures, malformed lines; retries what is transient', () => {
    let first503 = 2;
    return withServer(
      startContractServer({
        answer: (instances) => {
          if (first503-- > 0) return { status: 503, body: { error: { code: 503, status: 'UNAVAILABLE', message: 'loading' } } };
          if (instances.length > 4) return { status: 413, body: { error: { code: 413, message: 'body over 1.5 MB' } } };
          if (instances.includes('bad')) return { status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'instances[1]: expected a text' } } };
          if (instances.includes('boom')) return { status: 500, body: { error: { code: 500, message: 'the model crashed' } } };
          return { predictions: instances.map(classify) };
        },
      }),
      async (server) => {
        const lines = ['a', 'b', 'c', 'd', 'bad', 'e', 'f', 'g', '#raw {"text": broken', 'h', 'boom', 'i', 'j', 'k'];
        const input = await inputFolder('failures', { 'x.jsonl': lines });
        const job = startLocalBatchPredictionJob({
          spec: batchSpec({ manualBatchTuningParameters: { batchSize: 8 } }),
          server: { predictUrl: server.predictUrl },
          inputUris: [input],
          outputRoot: path.join(root, 'failures', 'out'),
          retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 },
        });
        const done = await job.wait({ pollIntervalMs: 5 });
        expect(done.state).toBe('JOB_STATE_SUCCEEDED');
        const outputDirectory = job.outputDirectory!;
        const results = await collect(readBatchPredictionResults<string>({ outputDirectory }));
        const errors = await readBatchPredictionErrors({ outputDirectory, keep: 100 });
        // Requests over 4 instances were too large (413) and were split in halves: [a, b, c, d] and
        // [bad, e, f, g], then [h, boom, i] and [j, k]. A refused (400) or failing (500, after its retries)
        // request is halved until the instance to blame stands alone: only "bad" and "boom" fail. The line
        // that is not JSON is sent to no one.
        expect(results.map((result) => result.instance).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k']);
        expect(errors.count).toBe(3);
        expect(errors.byMessage).toEqual({
          'instances[1]: expected a text': 1,
          'the model crashed': 1,
          [`${path.join(input, 'x.jsonl')} line 9: not valid JSON (${parseError('{"text": broken')}); each line must hold one JSON value`]: 1,
        });
        expect(errors.examples.find((example) => example.instance === 'bad')?.error).toEqual({ code: 3, status: 'INVALID_ARGUMENT', message: 'instances[1]: expected a text' });
        expect(errors.examples.find((example) => example.instance === 'boom')?.error).toEqual({ code: 13, status: 'INTERNAL', message: 'the model crashed' });
        expect(errors.examples.find((example) => typeof example.instance === 'string' && example.instance.startsWith('{'))).toMatchObject({ instance: '{"text": broken', error: { status: 'INVALID_ARGUMENT' } });
        // Each line of errors_stats: the instance and the error (PredictionResult's status name, google.rpc.Status's code).
        const [errorLine] = await jsonLines(path.join(outputDirectory, 'prediction.errors_stats-00000-of-00001'));
        expect(Object.keys(errorLine as object)).toEqual(['instance', 'error']);
        expect(Object.keys((errorLine as { error: object }).error)).toEqual(['status', 'code', 'message']);
        // The 500 is retried on [h, boom, i] only; its halves are sent once each.
        expect(job.progress).toMatchObject({ successfulCount: 11, failedCount: 3, retries: 2 + 3 });
        // 11 results + 3 errors: every one of the 14 lines, once.
        expect(done.resource['completionStats']).toEqual({ successfulCount: '11', failedCount: '3', incompleteCount: '0' });
        // The line that is not JSON was never sent; no request was over 8 instances.
        expect(server.requests.some((request) => request.instances.some((instance) => typeof instance === 'string' && instance.includes('broken')))).toBe(false);
        expect(Math.max(...server.requests.map((request) => request.instances.length))).toBe(8);
      },
    );
  });

  it('honours instanceConfig: keyField (the output carries "key" instead of "instance"), excludedFields, includedFields with instanceType "array"', () =>
    withServer(startContractServer(), async (server) => {
      const rows = [
        { id: 'r1', text: 'hello', lang: 'en' },
        { id: 'r2', text: 'merhaba', lang: 'tr' },
        { text: 'no key here', lang: 'en' },
      ];
      const input = await inputFolder('instance-config', { 'rows.jsonl': rows });
      const keyed = startLocalBatchPredictionJob({
        spec: batchSpec({ instanceConfig: { keyField: 'id', excludedFields: ['lang'] } }),
        server: { predictUrl: server.predictUrl },
        inputUris: [input],
        outputRoot: path.join(root, 'instance-config', 'keyed'),
      });
      await keyed.wait({ pollIntervalMs: 5 });
      expect(server.requests.at(-1)?.instances).toEqual([{ text: 'hello' }, { text: 'merhaba' }]);
      const results = await collect(readBatchPredictionResults({ outputDirectory: keyed.outputDirectory! }));
      expect(results).toEqual([
        { key: 'r1', prediction: classify({ text: 'hello' }) },
        { key: 'r2', prediction: classify({ text: 'merhaba' }) },
      ]);
      const errors = await readBatchPredictionErrors({ outputDirectory: keyed.outputDirectory! });
      expect(errors.examples).toEqual([
        { instance: rows[2], error: { code: 3, status: 'INVALID_ARGUMENT', message: 'instanceConfig.keyField is "id", but this instance has no such field; every line needs the key field' } },
      ]);

      const arrays = startLocalBatchPredictionJob({
        spec: batchSpec({ instanceConfig: { instanceType: 'array', includedFields: ['lang', 'text'] } }),
        server: { predictUrl: server.predictUrl },
        inputUris: [input],
        outputRoot: path.join(root, 'instance-config', 'arrays'),
      });
      await arrays.wait({ pollIntervalMs: 5 });
      expect(server.requests.at(-1)?.instances).toEqual([['en', 'hello'], ['tr', 'merhaba'], ['en', 'no key here']]);
      const echoed = await collect(readBatchPredictionResults({ outputDirectory: arrays.outputDirectory! }));
      expect(echoed.map((result) => result.instance)).toEqual(rows);
    }));

  it('works with a @vertexkit/serve server: a translator answering a list of strings per instance, its 400s recorded per instance', async () => {
    const server = createPredictionServer({
      port: 0,
      host: '127.0.0.1',
      logger: false,
      env: {},
      handleSignals: false,
      exitOnShutdown: false,
      handler: {
        parseInstance: (instance, index) => {
          if (typeof instance !== 'string') throw new InvalidInputError(`instances[${index}]`, 'expected a string to translate');
          return instance;
        },
        run: (texts: string[]) => Promise.resolve(texts.map((text) => [`translated: ${text}`])),
      },
    });
    const { url } = await server.listen();
    await server.ready;
    try {
      const sentences = ['Bu odun yanmaz.', 'Merhaba dünya.', 'Kedi uyuyor.', 'Yarın görüşürüz.'];
      const input = await inputFolder('serve', { 'tr.jsonl': [...sentences, 42] });
      const job = startLocalBatchPredictionJob({
        spec: batchSpec({ manualBatchTuningParameters: { batchSize: 4 } }),
        server: { predictUrl: `${url}/predict` },
        inputUris: [path.join(input, 'tr.jsonl')],
        outputRoot: path.join(root, 'serve', 'out'),
      });
      expect((await job.wait({ pollIntervalMs: 5 })).state).toBe('JOB_STATE_SUCCEEDED');
      const results = await collect(readBatchPredictionResults<string, string[]>({ outputDirectory: job.outputDirectory! }));
      expect(results).toEqual(sentences.map((instance) => ({ instance, prediction: [`translated: ${instance}`] })));
      const errors = await readBatchPredictionErrors({ outputDirectory: job.outputDirectory! });
      expect(errors.examples).toEqual([{ instance: 42, error: { code: 3, status: 'INVALID_ARGUMENT', message: 'instances[0]: expected a string to translate' } }]);
    } finally {
      await server.close();
    }
  });

  it("starts the model's serving container command as a process with the AIP_* variables, waits for its health route, and stops it with SIGTERM", async () => {
    const modelDirectory = path.join(root, 'container', 'model');
    await mkdir(modelDirectory, { recursive: true });
    await writeFile(path.join(modelDirectory, 'label.txt'), 'tr-en');
    const input = await inputFolder('container', { 'in.jsonl': ['bu odun yanmaz', 'merhaba'] });
    const logs: string[] = [];
    const job = startLocalBatchPredictionJob({
      spec: batchSpec({
        model: undefined,
        unmanagedContainerModel: {
          artifactUri: 'gs://my-bucket/models/tr-en/',
          containerSpec: {
            imageUri: 'us-docker.pkg.dev/my-project/serving/translate:1',
            command: [process.execPath, path.join(import.meta.dirname, 'fixtures', 'serving-container.mjs')],
            args: ['--model=$(AIP_STORAGE_URI)', '$$(KEPT)'],
            predictRoute: '/translate',
            healthRoute: '/ready',
          },
        },
      }),
      server: { modelDirectory, onLog: ({ line }) => logs.push(line) },
      inputUris: [input],
      outputRoot: path.join(root, 'container', 'out'),
    });
    expect((await job.wait({ pollIntervalMs: 5 })).state).toBe('JOB_STATE_SUCCEEDED');
    expect(path.basename(job.outputDirectory!)).toMatch(/^prediction-model-/);
    const results = await collect(readBatchPredictionResults({ outputDirectory: job.outputDirectory! }));
    expect(results).toEqual([
      { instance: 'bu odun yanmaz', prediction: ['tr-en: BU ODUN YANMAZ'] },
      { instance: 'merhaba', prediction: ['tr-en: MERHABA'] },
    ]);
    expect(logs[0]).toMatch(new RegExp(`^listening on \\d+, predict /translate, health /ready, args --model=${modelDirectory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\$\\(KEPT\\)$`));
    expect(logs).toContain(`model loaded from ${modelDirectory}`);
    expect(logs.at(-1)).toBe('got SIGTERM');
  });

  it('fails the job, naming the server, when the process exits before it is healthy', async () => {
    const input = await inputFolder('container-fails', { 'in.jsonl': ['x'] });
    const job = startLocalBatchPredictionJob({
      spec: batchSpec(),
      server: { command: [process.execPath, '-e', 'console.error("model.onnx is missing"); process.exit(3)'] },
      inputUris: [input],
      outputRoot: path.join(root, 'container-fails', 'out'),
    });
    const error = await job.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('JOB_FAILED');
    expect((error as JobsError).jobError?.message).toMatch(/^the prediction server exited with status 3; its last line: model\.onnx is missing before its health route http:\/\/127\.0\.0\.1:\d+\/v1\/endpoints\/\d+\/deployedModels\/\d+ answered 200$/);

    const silent = startLocalBatchPredictionJob({
      spec: batchSpec(),
      server: { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], startTimeoutMs: 300, stopTimeoutMs: 1000 },
      inputUris: [input],
      outputRoot: path.join(root, 'container-fails', 'out'),
    });
    const timeout = await silent.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
    expect((timeout as JobsError).jobError?.message).toMatch(
      /^the prediction server's health route http:\/\/127\.0\.0\.1:\d+\/v1\/endpoints\/\d+\/deployedModels\/\d+ did not answer 200 within 0\.3 s \(last: ECONNREFUSED\); raise server\.startTimeoutMs, or check that it listens on AIP_HTTP_PORT and serves AIP_HEALTH_ROUTE$/,
    );
  });

  it('stops when the route is wrong instead of failing every instance, and keeps what it wrote', () =>
    withServer(startContractServer(), async (server) => {
      const input = await inputFolder('wrong-route', { 'in.jsonl': ['a', 'b'] });
      const job = startLocalBatchPredictionJob({ spec: batchSpec(), server: { predictUrl: `${server.url}/v1/predict` }, inputUris: [input], outputRoot: path.join(root, 'wrong-route', 'out') });
      const error = await job.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
      expect((error as JobsError).jobError).toEqual({ code: 14, message: `POST ${server.url}/v1/predict answered HTTP 404: no route /v1/predict; is this the predict route (server.predictUrl, or containerSpec.predictRoute)?` });
      expect(await readdir(job.outputDirectory!)).toEqual(['.vertexkit-batch']);
    }));

  it('resumes a cancelled run in the same folder: nothing written is sent again, every instance is in the output once', () => {
    let cancelAfter: (() => void) | undefined;
    return withServer(
      startContractServer({
        delayMs: 2,
        answer: (instances, _parameters, number) => {
          if (number === 20) cancelAfter?.();
          return { predictions: instances.map(classify) };
        },
      }),
      async (server) => {
        const texts = Array.from({ length: 1000 }, (_, index) => `t${index}`);
        const input = await inputFolder('cancel', { 'in.jsonl': texts });
        const common = { spec: batchSpec({ manualBatchTuningParameters: { batchSize: 10 } }), server: { predictUrl: server.predictUrl }, inputUris: [input], outputRoot: path.join(root, 'cancel', 'out'), checkpoint: { everyInstances: 25 } };
        const controller = new AbortController();
        cancelAfter = () => controller.abort();
        const first = startLocalBatchPredictionJob({ ...common, signal: controller.signal });
        const cancelled = await first.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
        expect(JobsError.isInstance(cancelled) && cancelled.code).toBe('JOB_CANCELLED');
        const written = first.progress.successfulCount;
        expect(written).toBeGreaterThan(0);
        expect(written).toBeLessThan(1000);
        const sentBefore = server.requests.length;
        cancelAfter = undefined;

        const second = startLocalBatchPredictionJob(common);
        const done = await second.wait({ pollIntervalMs: 5 });
        expect(second.outputDirectory).toBe(first.outputDirectory);
        expect(second.name).toBe(first.name);
        expect(second.progress.resumedCount).toBe(written);
        expect(done.resource['completionStats']).toMatchObject({ successfulCount: '1000', failedCount: '0' });
        const sentAgain = server.requests.slice(sentBefore).flatMap((request) => request.instances as string[]);
        const results = await collect(readBatchPredictionResults<string>({ outputDirectory: second.outputDirectory! }));
        expect(results.map((result) => result.instance).sort()).toEqual([...texts].sort());
        const writtenFirst = new Set(results.map((result) => result.instance).filter((instance) => !sentAgain.includes(instance!)));
        expect(writtenFirst.size).toBe(written);

        // A third start finds no unfinished run: a new job, a new folder.
        const third = startLocalBatchPredictionJob({ ...common, inputUris: [path.join(input, 'in.jsonl')] });
        await third.wait({ pollIntervalMs: 5 });
        expect(third.outputDirectory).not.toBe(first.outputDirectory);
      },
    );
  });

  it('finishes a run stopped while it wrote its final files: stale shards replaced, a finished journal only cleaned up', () => {
    let refuse = 0;
    return withServer(
      startContractServer({ answer: (instances, _parameters, number) => (number === refuse ? { status: 404, body: { error: { code: 404, message: 'gone' } } } : { predictions: instances.map(classify) }) }),
      async (server) => {
        const input = await inputFolder('finishing', { 'in.jsonl': ['a', 'b', 'c'] });
        const outputDirectory = path.join(root, 'finishing', 'out');
        const common = { spec: batchSpec({ manualBatchTuningParameters: { batchSize: 1 } }), server: { predictUrl: server.predictUrl }, inputUris: [input], outputDirectory, concurrency: 1 };
        refuse = 3;
        await startLocalBatchPredictionJob(common).wait({ pollIntervalMs: 5 }).catch(() => undefined);
        const manifest = await readFile(path.join(outputDirectory, '.vertexkit-batch', 'manifest.json'), 'utf8');
        // What a kill in the middle of the final step leaves: a shard of another count, a temporary file.
        await writeFile(path.join(outputDirectory, 'prediction.results-00000-of-00009'), '{"instance":"stale","prediction":1}\n');
        await writeFile(path.join(outputDirectory, '.prediction.results-00000-of-00001.0123456789ab.tmp'), '{"inst');
        refuse = 0;
        const resumed = startLocalBatchPredictionJob(common);
        await resumed.wait({ pollIntervalMs: 5 });
        expect(resumed.progress).toMatchObject({ resumedCount: 2, successfulCount: 3 });
        expect(server.requests.map((request) => request.instances)).toEqual([['a'], ['b'], ['c'], ['c']]);
        expect((await readdir(outputDirectory)).sort()).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00001']);
        const results = await collect(readBatchPredictionResults({ outputDirectory }));
        expect(results.map((result) => result.instance)).toEqual(['a', 'b', 'c']);

        // Killed after complete.json, before the journal was gone: the next start only deletes the journal.
        await mkdir(path.join(outputDirectory, '.vertexkit-batch'));
        await writeFile(path.join(outputDirectory, '.vertexkit-batch', 'manifest.json'), manifest);
        await writeFile(path.join(outputDirectory, '.vertexkit-batch', 'complete.json'), JSON.stringify({ successfulCount: 3, failedCount: 0, files: [] }));
        const again = startLocalBatchPredictionJob(common);
        const done = await again.wait({ pollIntervalMs: 5 });
        expect(done.resource['completionStats']).toEqual({ successfulCount: '3', failedCount: '0', incompleteCount: '0' });
        expect(server.requests).toHaveLength(4);
        expect((await readdir(outputDirectory)).sort()).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00001']);
      },
    );
  });

  it('refuses an output folder holding finished output, and a resumed input that changed', () =>
    withServer(startContractServer(), async (server) => {
      const input = await inputFolder('refusals', { 'in.jsonl': ['a'] });
      const spec = batchSpec();
      const done = startLocalBatchPredictionJob({ spec, server: { predictUrl: server.predictUrl }, inputUris: [input], outputRoot: path.join(root, 'refusals', 'out') });
      await done.wait({ pollIntervalMs: 5 });
      const again = startLocalBatchPredictionJob({ spec, server: { predictUrl: server.predictUrl }, inputUris: [input], outputDirectory: done.outputDirectory! });
      const error = await again.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
      expect((error as JobsError).jobError?.message).toBe(
        `outputDirectory ${done.outputDirectory!} already holds a finished run's output (prediction.errors_stats-00000-of-00001, prediction.results-00000-of-00001); pick another folder, or delete these files to run again`,
      );

      const unfinished = path.join(root, 'refusals', 'unfinished');
      const stopped = startLocalBatchPredictionJob({ spec, server: { predictUrl: `${server.url}/nowhere` }, inputUris: [input], outputDirectory: unfinished });
      await stopped.wait({ pollIntervalMs: 5 }).catch(() => undefined);
      await writeFile(path.join(input, 'in.jsonl'), '"a"\n"b"\n');
      const resumed = startLocalBatchPredictionJob({ spec, server: { predictUrl: server.predictUrl }, inputUris: [input], outputDirectory: unfinished });
      const changed = await resumed.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
      expect((changed as JobsError).jobError?.message).toMatch(
        /in\.jsonl changed since the run started \(4 bytes, version .+; now 8 bytes, version .+\); instances are numbered by their place in the input, so the run cannot resume: restore the input, or start a new run \(resume: false\)$/,
      );
    }));

  it('checks the spec as submitBatchPredictionJob does, and what the local runner cannot do, before it starts', () => {
    expect(() => startLocalBatchPredictionJob({ spec: { ...batchSpec(), displayname: 'x' } as unknown as BatchPredictionJobSpec, server: { predictUrl: 'http://127.0.0.1:1/predict' } })).toThrow(/displayname: unknown field "displayname" in BatchPredictionJob; did you mean displayName\?/);
    expect(() => validateBatchPredictionJobSpec(batchSpec({ instanceConfig: { includedFields: ['a'], excludedFields: ['b'] } }))).toThrow('instanceConfig.excludedFields: includedFields and excludedFields are alternatives: set only one');
    expect(() => validateBatchPredictionJobSpec(batchSpec({ instanceConfig: { instanceType: 'arrays' } }))).toThrow('instanceConfig.instanceType: "arrays" is not an instance type; did you mean array?');
    expect(() => startLocalBatchPredictionJob({ spec: batchSpec({ inputConfig: { instancesFormat: 'csv', gcsSource: { uris: ['gs://my-bucket/in.csv'] } } }), server: { predictUrl: 'http://127.0.0.1:1/predict' } })).toThrow(
      'inputConfig.instancesFormat: the local runner reads "jsonl" instances; got "csv"',
    );
    expect(() => startLocalBatchPredictionJob({ spec: batchSpec() })).toThrow(/^server: say which prediction server answers: \{ predictUrl: "http:\/\/127\.0\.0\.1:8080\/predict" \} of a running one, or \{ command: \[\.\.\.\], modelDirectory \}/);
    expect(() => startLocalBatchPredictionJob({ spec: batchSpec(), server: { predictUrl: 'x' }, concurrency: 0 })).toThrow('concurrency: expected a whole number of at least 1, got 0');
  });
});

// Local batch prediction over gs://, against the Cloud Storage emulator (tools/gcs-emulator): instances read
// from a wildcard, the output folder, its journal and Vertex AI's files written as objects, a cancelled run
// resumed from its journal on Cloud Storage, and readBatchPredictionResults reading the result from gs://.
import { randomUUID } from 'node:crypto';
import { createStorage, list, writeText } from '@vertexkit/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JobsError, readBatchPredictionErrors, readBatchPredictionResults, startLocalBatchPredictionJob, type BatchPredictionJobSpec } from '../src/index.js';
import { classify, startContractServer, type ContractServer } from './helpers/contract-server.js';

// @google-cloud/storage reads the emulator address from the environment (apiEndpoint alone is not enough).
process.env.STORAGE_EMULATOR_HOST = inject('gcsEmulatorUrl');
const storage = createStorage({ projectId: 'demo-vertexkit', retry: { retries: 2, minDelayMs: 10 } });
const base = `gs://vertexkit-test/batch-${randomUUID()}`;

let server: ContractServer;
let cancel: (() => void) | undefined;
beforeAll(async () => {
  server = await startContractServer({
    delayMs: 2,
    answer: (instances, _parameters, number) => {
      if (number === 6) cancel?.();
      return { predictions: instances.map(classify) };
    },
  });
});
afterAll(() => server.close());

async function names(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of list({ prefix, storage })) if (entry.type === 'file') found.push(entry.location.uri.slice(prefix.length));
  return found.sort();
}

describe('startLocalBatchPredictionJob on gs://', () => {
  it('reads gs:// instances, journals on gs://, resumes there, and writes the layout readBatchPredictionResults reads', async () => {
    const texts = Array.from({ length: 300 }, (_, index) => `gs text ${index}`);
    await writeText({ to: `${base}/input/part-0.jsonl`, text: texts.slice(0, 150).map((text) => JSON.stringify(text)).join('\n') + '\n', storage });
    await writeText({ to: `${base}/input/part-1.jsonl`, text: texts.slice(150).map((text) => JSON.stringify(text)).join('\n') + '\n' + '{oops\n', storage });
    await writeText({ to: `${base}/input/notes.txt`, text: 'not matched by the wildcard', storage });
    const spec: BatchPredictionJobSpec = {
      displayName: 'gcs-batch',
      model: 'projects/p/locations/europe-west4/models/777',
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: [`${base}/input/*.jsonl`] } },
      outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: `${base}/output/` } },
      manualBatchTuningParameters: { batchSize: 10 },
    };
    const controller = new AbortController();
    cancel = () => controller.abort();
    const first = startLocalBatchPredictionJob({ spec, server: { predictUrl: server.predictUrl }, storage, checkpoint: { everyInstances: 20 }, concurrency: 2, signal: controller.signal });
    const cancelled = await first.wait({ pollIntervalMs: 5 }).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(cancelled) && cancelled.code).toBe('JOB_CANCELLED');
    expect(first.outputDirectory).toMatch(new RegExp(`^${base}/output/prediction-777-\\d{4}_\\d\\d_\\d\\dT\\d\\d_\\d\\d_\\d\\d_\\d{3}Z/$`));
    const journal = await names(`${first.outputDirectory!}.vertexkit-batch/`);
    expect(journal).toContain('manifest.json');
    expect(journal.filter((name) => name.startsWith('chunks/')).length).toBeGreaterThan(0);
    cancel = undefined;

    const second = startLocalBatchPredictionJob({ spec, server: { predictUrl: server.predictUrl }, storage });
    const done = await second.wait({ pollIntervalMs: 5 });
    expect(second.outputDirectory).toBe(first.outputDirectory);
    expect(second.progress.resumedCount).toBe(first.progress.successfulCount + first.progress.failedCount);
    expect(done.resource).toMatchObject({ outputInfo: { gcsOutputDirectory: first.outputDirectory }, completionStats: { successfulCount: '300', failedCount: '1', incompleteCount: '0' } });
    expect(await names(second.outputDirectory!)).toEqual(['prediction.errors_stats-00000-of-00001', 'prediction.results-00000-of-00001']);

    const results = [];
    for await (const result of readBatchPredictionResults<string>({ outputDirectory: second.outputDirectory!, storage })) results.push(result);
    expect(results.map((result) => result.instance).sort()).toEqual([...texts].sort());
    const errors = await readBatchPredictionErrors({ outputDirectory: second.outputDirectory!, storage });
    expect(errors.examples).toEqual([{ instance: '{oops', error: { code: 3, status: 'INVALID_ARGUMENT', message: expect.stringContaining(`${base}/input/part-1.jsonl line 151: not valid JSON`) as unknown } }]);
  });
});

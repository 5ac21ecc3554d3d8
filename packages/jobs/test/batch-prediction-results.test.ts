// The batch prediction output reader over a folder laid out as Vertex AI writes it (through @vertexkit/storage,
// which reads gs:// the same way).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsError, readBatchPredictionErrors, readBatchPredictionResults } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-jobs-batch-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const jsonl = (records: unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

async function outputFolder(name: string, files: Record<string, unknown[]>): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, records] of Object.entries(files)) await writeFile(path.join(dir, file), jsonl(records));
  return dir;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('readBatchPredictionResults', () => {
  it('reads every results shard in order, and the errors', async () => {
    const dir = await outputFolder('ok', {
      'prediction.results-00001-of-00002': [{ instance: 'c', prediction: { label: 'ham' } }],
      'prediction.results-00000-of-00002': [{ instance: 'a', prediction: { label: 'spam' } }, { instance: 'b', prediction: { label: 'ham' } }],
      'prediction.errors_stats-00000-of-00001': [
        { instance: { text: 5 }, error: { code: 3, message: 'instances[0]: expected a string or {"text": string}' } },
        { instance: { text: null }, error: { code: 3, message: 'instances[0]: expected a string or {"text": string}' } },
      ],
    });
    const results = await collect(readBatchPredictionResults<string, { label: string }>({ outputDirectory: dir }));
    expect(results.map(({ instance, prediction }) => `${instance}:${prediction.label}`)).toEqual(['a:spam', 'b:ham', 'c:ham']);
    const errors = await readBatchPredictionErrors({ outputDirectory: `${dir}/`, keep: 1 });
    expect(errors).toEqual({
      count: 2,
      byMessage: { 'instances[0]: expected a string or {"text": string}': 2 },
      examples: [{ instance: { text: 5 }, error: { code: 3, status: 'INVALID_ARGUMENT', message: 'instances[0]: expected a string or {"text": string}' } }],
    });
  });

  it('reports no errors when there is no errors file', async () => {
    const dir = await outputFolder('no-errors', { 'prediction.results-00000-of-00001': [{ instance: 1, prediction: 2 }] });
    expect(await readBatchPredictionErrors({ outputDirectory: dir })).toEqual({ count: 0, byMessage: {}, examples: [] });
  });

  it('names a missing shard instead of returning a short result', async () => {
    const dir = await outputFolder('partial', {
      'prediction.results-00000-of-00003': [{ instance: 1, prediction: 2 }],
      'prediction.results-00002-of-00003': [{ instance: 3, prediction: 4 }],
    });
    const error = await collect(readBatchPredictionResults({ outputDirectory: dir })).catch((caught: unknown) => caught);
    expect(JobsError.isInstance(error) && error.code).toBe('NOT_FOUND');
    expect((error as Error).message).toContain('missing prediction.results-00001-of-00003; the job may still be writing, or the copy is partial');
  });

  it('says what is there when the folder is not a batch output', async () => {
    const dir = await outputFolder('wrong', { 'train.csv': [] });
    await expect(collect(readBatchPredictionResults({ outputDirectory: dir }))).rejects.toThrow(/no prediction\.results-\* files \(found: train\.csv\)/);
    const bad = await outputFolder('bad-line', { 'prediction.results-00000-of-00001': [{ text: 'x' }] });
    await expect(collect(readBatchPredictionResults({ outputDirectory: bad }))).rejects.toThrow(/line 1: expected \{"instance": \.\.\., "prediction": \.\.\.\}, got keys \["text"\]/);
  });
});

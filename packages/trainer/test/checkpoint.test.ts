import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint, TrainerError, trainTextClassifier, type TextClassifier } from '../src/index.js';
import { singleLabelCorpus } from './fixtures/synthetic.js';

let dir: string;
let model: TextClassifier;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-checkpoint-'));
  ({ best: model } = await trainTextClassifier({ train: singleLabelCorpus({ perLabel: 30 }), epochs: 2, dim: 8, buckets: 64 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips the weights, vocabulary, config and metadata exactly', async () => {
    const path = join(dir, 'best-model.safetensors');
    await saveCheckpoint(model, path, { epoch: '2' });
    const { model: loaded, metadata } = await loadCheckpoint(path);
    expect(metadata).toEqual({ epoch: '2' });
    expect(loaded.config).toEqual(model.config);
    expect(loaded.vocabulary.tokens).toEqual(model.vocabulary.tokens);
    expect(loaded.weights.embedding).toEqual(model.weights.embedding);
    expect(loaded.weights.weight).toEqual(model.weights.weight);
    expect(loaded.weights.bias).toEqual(model.weights.bias);
    expect(loaded.predictProbabilities('free cash prize')).toEqual(model.predictProbabilities('free cash prize'));
    // Nothing left behind but the file itself.
    expect(await readdir(dir)).toEqual(['best-model.safetensors']);
  });

  it('writes the safetensors layout: u64 header length, JSON header, 8-byte aligned F32 tensors', async () => {
    const path = join(dir, 'layout.safetensors');
    await saveCheckpoint(model, path);
    const bytes = await readFile(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString()) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    const rows = model.vocabulary.size + model.config.buckets;
    expect(header['embedding']).toEqual({ dtype: 'F32', shape: [rows, 8], data_offsets: [0, rows * 8 * 4] });
    expect(header['bias']!.shape).toEqual([2]);
    expect(8 + headerLength + header['bias']!.data_offsets[1]!).toBe(bytes.length);
    const firstWeight = bytes.readFloatLE(8 + headerLength);
    expect(firstWeight).toBe(model.weights.embedding[0]);
  });

  it('rejects truncated files and files it did not write, naming the file', async () => {
    const good = await readFile(join(dir, 'best-model.safetensors'));
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, good.subarray(0, good.length - 10));
    await expect(loadCheckpoint(truncated)).rejects.toThrow(`${truncated}: tensor "weight" runs past the end of the file (truncated?); use a file written by saveCheckpoint`);
    const other = join(dir, 'other.safetensors');
    const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' } }));
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(header.length));
    await writeFile(other, Buffer.concat([size, header]));
    const error = await loadCheckpoint(other).catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error) && error.code).toBe('INVALID_CHECKPOINT');
    expect((error as Error).message).toMatch(/not a @vertexkit\/trainer checkpoint/);
  });
});

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIGRAM_BUCKETS_RANGE, exportModelDirectory, sizeBigramBuckets, trainTextClassifier } from '../src/index.js';
import { singleLabelCorpus } from './fixtures/synthetic.js';

const ids = (...values: number[]) => Int32Array.from(values);

describe('sizeBigramBuckets', () => {
  it('two rows per distinct word pair, rounded up to a power of two within the range', () => {
    expect(sizeBigramBuckets({ texts: [ids(1, 2, 3), ids(1, 2)], vocabularySize: 10 })).toBe(BIGRAM_BUCKETS_RANGE.min);
    // 3000 distinct pairs, each seen twice: 6000 rows wanted, 8192 given.
    const texts = Array.from({ length: 3000 }, (_, i) => ids(i, i + 1));
    expect(sizeBigramBuckets({ texts: [...texts, ...texts], vocabularySize: 4000 })).toBe(8192);
    expect(sizeBigramBuckets({ texts: texts.slice(0, 2049), vocabularySize: 4000 })).toBe(8192);
    expect(sizeBigramBuckets({ texts: texts.slice(0, 2048), vocabularySize: 4000 })).toBe(4096);
    const many = Array.from({ length: 300_000 }, (_, i) => ids(i % 1000, Math.floor(i / 1000)));
    expect(sizeBigramBuckets({ texts: many, vocabularySize: 1000 })).toBe(BIGRAM_BUCKETS_RANGE.max);
  });
});

describe('the default bigram table', () => {
  it('a small data set gives a small model: 300 short texts, not 64 MiB of bigram rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vertexkit-buckets-'));
    try {
      const { best } = await trainTextClassifier({ train: singleLabelCorpus({ perLabel: 150, seed: 9 }), epochs: 1 });
      expect(best.config.buckets).toBeLessThanOrEqual(8192);
      await exportModelDirectory(best, dir);
      expect((await stat(join(dir, 'model.onnx'))).size).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an explicit buckets is used as it is', async () => {
    const { best } = await trainTextClassifier({ train: singleLabelCorpus({ perLabel: 20, seed: 9 }), epochs: 1, buckets: 999 });
    expect(best.config.buckets).toBe(999);
  });
});

/** Parameters of {@link sizeBigramBuckets}. */
export interface SizeBigramBucketsParams {
  /** The training texts as word ids (`Vocabulary.encode`), truncated as training reads them. */
  texts: readonly Int32Array[];
  /** Ids are below this. */
  vocabularySize: number;
  /** Word pairs seen fewer times than this do not count (the same cut-off words get). */
  minCount: number;
}

/** The smallest and largest bigram tables {@link sizeBigramBuckets} picks. */
export const BIGRAM_BUCKETS_RANGE = { min: 2 ** 10, max: 2 ** 18 } as const;

/**
 * How many hash buckets the bigram table needs for this data: the power of two at or above the number of
 * distinct word pairs seen at least `minCount` times, within {@link BIGRAM_BUCKETS_RANGE}. Rarer pairs still
 * hash into the table (sharing rows, as in fastText), but they are not worth rows of their own.
 *
 * A fixed 2^18 rows of 64 floats is 64 MiB whatever the data: the model of 300 short texts weighed as much
 * as that of a large corpus. Sized like this it grows with what there is to learn.
 */
export function sizeBigramBuckets(params: SizeBigramBucketsParams): number {
  const { texts, vocabularySize, minCount } = params;
  const counts = new Map<number, number>();
  let frequent = 0;
  for (const ids of texts) {
    for (let i = 0; i + 1 < ids.length; i++) {
      // Exact in float64: both ids are below 2^26 (the vocabulary's largest size).
      const pair = ids[i]! * vocabularySize + ids[i + 1]!;
      const seen = (counts.get(pair) ?? 0) + 1;
      counts.set(pair, seen);
      if (seen === minCount) frequent++;
    }
  }
  const wanted = 2 ** Math.ceil(Math.log2(Math.max(1, frequent)));
  return Math.min(BIGRAM_BUCKETS_RANGE.max, Math.max(BIGRAM_BUCKETS_RANGE.min, wanted));
}

import { createRandom } from './random.js';
import type { TextExample } from './text-example.js';
import { TrainerError } from './trainer-error.js';

/** Options of {@link splitExamples}. */
export interface SplitExamplesOptions {
  /** Dev split size: a fraction in (0, 1), or a whole number of examples. Default 0. */
  dev?: number;
  /** Test split size: a fraction in (0, 1), or a whole number of examples. Default 0. */
  test?: number;
  /** Seed of the shuffle, like scikit-learn's `random_state`: the same seed gives the same split. Default 42. */
  seed?: number;
  /**
   * Keep each label's share the same in every split (by an example's first label; multi-label examples with no
   * label form their own group). Default true.
   */
  stratify?: boolean;
}

/** The three splits; each keeps the examples' original order. */
export interface SplitExamplesResult {
  train: TextExample[];
  dev: TextExample[];
  test: TextExample[];
}

/**
 * Splits examples into train, dev and test, for data that comes as one file: seeded, stratified by label by
 * default, with sizes as fractions or counts (as scikit-learn's `train_test_split` takes them).
 *
 * @example
 * ```ts
 * const { train, dev, test } = splitExamples(examples, { dev: 0.1, test: 0.1, seed: 42 });
 * ```
 */
export function splitExamples(examples: readonly TextExample[], options: SplitExamplesOptions = {}): SplitExamplesResult {
  const total = examples.length;
  const devCount = resolveSize('dev', options.dev ?? 0, total);
  const testCount = resolveSize('test', options.test ?? 0, total);
  if (devCount + testCount >= total) {
    throw new TrainerError('INVALID_DATA', `dev (${devCount}) and test (${testCount}) take all ${total} examples, leaving none to train on; use smaller sizes or more data`);
  }
  const random = createRandom(options.seed ?? 42);

  const groups = new Map<string, number[]>();
  examples.forEach((example, index) => {
    const key = options.stratify === false ? '' : (example.labels[0] ?? '');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(index);
  });
  // Sorted, so the split does not depend on which label came first in the file.
  const strata = [...groups.keys()].sort().map((key) => random.shuffle(groups.get(key)!));
  const devShares = allocate(strata.map((stratum) => stratum.length), devCount);
  const testShares = allocate(strata.map((stratum, index) => stratum.length - devShares[index]!), testCount);

  const assignment = new Uint8Array(total); // 0 train, 1 dev, 2 test
  strata.forEach((stratum, index) => {
    const dev = devShares[index]!;
    const test = testShares[index]!;
    stratum.forEach((exampleIndex, position) => {
      assignment[exampleIndex] = position < dev ? 1 : position < dev + test ? 2 : 0;
    });
  });
  const result: SplitExamplesResult = { train: [], dev: [], test: [] };
  const splits = [result.train, result.dev, result.test];
  examples.forEach((example, index) => splits[assignment[index]!]!.push(example));
  return result;
}

function resolveSize(name: string, size: number, total: number): number {
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) {
    throw new TrainerError('INVALID_OPTION', `${name}: expected a fraction in (0, 1) or a whole number of examples, got ${String(size)}; e.g. 0.1`);
  }
  if (size > 0 && size < 1) return Math.round(size * total);
  if (!Number.isInteger(size)) {
    throw new TrainerError('INVALID_OPTION', `${name}: ${size} is neither a fraction in (0, 1) nor a whole number of examples; e.g. 0.1 or 500`);
  }
  return size;
}

/**
 * Splits `count` across groups in proportion to their sizes (largest remainder), never more than a group has.
 */
function allocate(sizes: number[], count: number): number[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total === 0 || count === 0) return sizes.map(() => 0);
  const exact = sizes.map((size) => (size * count) / total);
  const shares = exact.map((value, index) => Math.min(sizes[index]!, Math.floor(value)));
  let left = count - shares.reduce((sum, share) => sum + share, 0);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  while (left > 0) {
    let given = false;
    for (const { index } of order) {
      if (left === 0) break;
      if (shares[index]! < sizes[index]!) {
        shares[index]!++;
        left--;
        given = true;
      }
    }
    if (!given) break;
  }
  return shares;
}

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Uniform numbers in [0, 1) for sampling: from `seed` when given, so that the same request gives the same text
 * (Math.random cannot be seeded), else from a random seed.
 */
export function createSeededRandom(seed: number | undefined): () => number {
  const generator = xoroshiro128plus(seed ?? Math.floor(Math.random() * 2 ** 32));
  return () => uniformFloat64(generator);
}

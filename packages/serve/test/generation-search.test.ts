// The decoding strategies on a toy "model" whose next-token logits are a fixed function of the prefix, so the
// searches can be checked against exhaustive enumeration and against each other, without ONNX Runtime.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/index.js';
import { parseGenerationParameters, type GenerationOptions } from '../src/lib/generation/generation-options.js';
import { bannedNgramTokens, processScores } from '../src/lib/generation/process-logits.js';
import { createSequenceSearch, type GeneratedSequence } from '../src/lib/generation/sequence-search.js';

const VOCAB = 5;
const EOS = 0;
const START = 4;
const base: GenerationOptions = {
  maxLength: 6,
  minLength: 0,
  numBeams: 1,
  numReturnSequences: 1,
  lengthPenalty: 1,
  earlyStopping: false,
  noRepeatNgramSize: 0,
  repetitionPenalty: 1,
  doSample: false,
  temperature: 1,
  topK: 0,
  topP: 1,
  seed: undefined,
  badWordsIds: [[START]],
  eosTokenIds: [EOS],
  forcedEosTokenId: undefined,
  decoderStartTokenId: START,
  padTokenId: START,
};

/** Deterministic pseudo-random logits of the next token after `prefix`. */
function toyLogits(prefix: readonly number[]): Float32Array {
  let h = 2166136261;
  for (const t of prefix) h = Math.imul(h ^ (t + 7), 16777619) >>> 0;
  return Float32Array.from({ length: VOCAB }, (_, token) => {
    const x = Math.imul(h ^ (token * 2654435761), 2246822519) >>> 0;
    return ((x % 1000) / 1000) * 4 - 2 + (token === EOS ? prefix.length * 0.3 - 0.8 : 0);
  });
}

function run(options: GenerationOptions): GeneratedSequence[] {
  const search = createSequenceSearch(options);
  while (!search.done) {
    const step = search.step(search.sequences.map((sequence) => toyLogits(sequence)));
    expect(step.tokens).toHaveLength(search.rows);
  }
  return search.results();
}

const logSoftmax = (scores: Float32Array): Float64Array => {
  const max = Math.max(...scores);
  const sum = scores.reduce((s, v) => s + Math.exp(v - max), 0);
  return Float64Array.from(scores, (v) => v - max - Math.log(sum));
};

/** Every finished sequence (ending in EOS) and every unfinished one of the maximum length, with transformers' beam score. */
function exhaustive(options: GenerationOptions): { tokens: number[]; score: number }[] {
  const out: { tokens: number[]; score: number }[] = [];
  const walk = (tokens: number[], sum: number): void => {
    if (tokens.length >= options.maxLength) {
      out.push({ tokens, score: sum / (tokens.length - 1) ** options.lengthPenalty });
      return;
    }
    const scores = toyLogits(tokens);
    const log = Float32Array.from(logSoftmax(scores));
    processScores(log, tokens, options);
    for (let token = 0; token < VOCAB; token++) {
      const s = sum + log[token]!;
      if (s === -Infinity) continue;
      if (token === EOS) out.push({ tokens: [...tokens, EOS], score: s / tokens.length ** options.lengthPenalty });
      else walk([...tokens, token], s);
    }
  };
  walk([START], 0);
  return out.sort((a, b) => b.score - a.score);
}

describe('greedy decoding', () => {
  it('takes the most likely token each step and stops at the end token or the length limit', () => {
    const [result] = run(base);
    const expected = [START];
    while (expected.length < base.maxLength) {
      const scores = toyLogits(expected);
      processScores(scores, expected, base);
      const token = scores.indexOf(Math.max(...scores));
      expected.push(token);
      if (token === EOS) break;
    }
    expect(result?.tokens).toEqual(expected);
  });

  it('min_length forbids the end token early; forced_eos_token_id ends at max_length', () => {
    const [short] = run({ ...base, minLength: 5 });
    expect(short!.tokens.slice(0, 5)).not.toContain(EOS);
    const [forced] = run({ ...base, minLength: 6, maxLength: 6, forcedEosTokenId: EOS });
    expect(forced!.tokens).toHaveLength(6);
    expect(forced!.tokens.at(-1)).toBe(EOS);
  });
});

describe('beam search', () => {
  it('with a beam per possible sequence finds the exact best, as exhaustive search does (early_stopping "never")', () => {
    for (const lengthPenalty of [1, 0.6, 2]) {
      const options = { ...base, maxLength: 5, numBeams: 4 ** 4 + 1, lengthPenalty, earlyStopping: 'never' as const, numReturnSequences: 3 };
      const found = run(options);
      const all = exhaustive(options).slice(0, 3);
      expect(found.map((s) => s.tokens)).toEqual(all.map((s) => s.tokens));
      found.forEach((s, i) => expect(s.score).toBeCloseTo(all[i]!.score, 5));
    }
  });

  it('returns num_return_sequences sequences, best first, each ending with the end token unless at max_length', () => {
    const results = run({ ...base, numBeams: 4, numReturnSequences: 3 });
    expect(results).toHaveLength(3);
    expect(results.map((s) => s.score)).toEqual([...results.map((s) => s.score)].sort((a, b) => b - a));
    for (const { tokens } of results) expect(tokens.at(-1) === EOS || tokens.length === base.maxLength).toBe(true);
  });

  it('early_stopping true stops once num_beams hypotheses are finished: never later than false', () => {
    const steps = (earlyStopping: boolean | 'never'): number => {
      const search = createSequenceSearch({ ...base, maxLength: 12, numBeams: 3, earlyStopping });
      let n = 0;
      while (!search.done) {
        search.step(search.sequences.map((sequence) => toyLogits(sequence)));
        n++;
      }
      return n;
    };
    expect(steps(true)).toBeLessThanOrEqual(steps(false));
    expect(steps(false)).toBeLessThanOrEqual(steps('never'));
  });
});

describe('sampling', () => {
  it('is reproducible for a seed and varies across seeds', () => {
    const options = { ...base, doSample: true, numReturnSequences: 4, maxLength: 8, seed: 7 };
    const a = run(options).map((s) => s.tokens);
    expect(run(options).map((s) => s.tokens)).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((seed) => JSON.stringify(run({ ...options, seed }).map((s) => s.tokens)));
    expect(new Set([JSON.stringify(a), ...others]).size).toBeGreaterThan(1);
  });

  it('top_k 1 is greedy decoding', () => {
    expect(run({ ...base, doSample: true, topK: 1, seed: 3 })[0]!.tokens).toEqual(run(base)[0]!.tokens);
  });
});

describe('logits processors', () => {
  it('no_repeat_ngram_size bans the token that would repeat an n-gram', () => {
    expect(bannedNgramTokens([1, 2, 3, 1, 2], 3)).toEqual([3]);
    expect(bannedNgramTokens([1, 2, 3, 1, 2], 2)).toEqual([3]);
    expect(bannedNgramTokens([1, 2], 3)).toEqual([]);
  });

  it('repetition_penalty divides positive and multiplies negative logits of tokens already there', () => {
    const scores = Float32Array.from([2, -2, 1, 0, 3]);
    processScores(scores, [0, 1, 1], { ...base, repetitionPenalty: 2, badWordsIds: [] });
    expect([...scores]).toEqual([1, -4, 1, 0, 3]);
  });
});

describe('parseGenerationParameters', () => {
  const parse = (parameters: unknown) => parseGenerationParameters(parameters, { ...base, numBeams: 4, maxLength: 512 }, 512);
  it('takes the defaults, and a request over them', () => {
    expect(parse(undefined).numBeams).toBe(4);
    const options = parse({ num_beams: 2, max_new_tokens: 10, length_penalty: 0.5 });
    expect([options.numBeams, options.maxLength, options.lengthPenalty]).toEqual([2, 11, 0.5]);
    expect(parse({ do_sample: true }).numBeams).toBe(1);
  });

  it.each([
    [{ num_beams: 0 }, 'parameters.num_beams: expected a whole number from 1 to 16, got 0'],
    [{ num_beams: '4' }, 'parameters.num_beams: expected a whole number from 1 to 16, got "4"'],
    [{ max_new_tokens: 600 }, 'parameters.max_new_tokens: expected a whole number from 1 to 511, got 600'],
    [{ temperature: 0 }, 'parameters.temperature: expected a number above 0, e.g. 0.7, got 0'],
    [{ beams: 4 }, 'parameters.beams: unknown parameter; did you mean num_beams?'],
    [{ num_return_sequences: 5 }, 'parameters.num_return_sequences: 5 sequences need at least as many beams; set num_beams to 5 or more (it is 4), or do_sample true'],
    [{ do_sample: true, num_beams: 3 }, 'parameters.num_beams: beam search does not sample: with do_sample true, num_beams must be 1, got 3'],
    [{ max_new_tokens: 5, max_length: 9 }, 'parameters.max_new_tokens: give max_new_tokens or max_length, not both'],
    [[1], 'parameters: expected an object such as {"num_beams": 4, "max_new_tokens": 64}, got an array'],
  ])('%j is a 400 naming the field', (parameters, message) => {
    let error: unknown;
    try {
      parse(parameters);
    } catch (e) {
      error = e;
    }
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});

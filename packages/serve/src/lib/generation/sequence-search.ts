// The decoding strategy of one request: greedy, sampling or beam search, as transformers' generate() runs them,
// one decoding step at a time. The scheduler owns the model and its rows; a search only sees the logits of its
// own rows and says which tokens come next and which earlier row each new row continues (beam search reorders
// and duplicates rows). A finished sequence leaves the batch: the search returns fewer rows.
import type { GenerationOptions } from './generation-options.js';
import { argmax, logSoftmaxInPlace, processScores, softmax, warpForSampling } from './process-logits.js';
import { createSeededRandom } from './seeded-random.js';

/** What one decoding step decided for a request's rows. */
export interface SearchStep {
  /** Next token of each row that goes on, in the new row order. */
  tokens: number[];
  /** For each new row, the index of the row (in the previous step's order) whose cache it continues. */
  sourceRows: number[];
}

/** A generated sequence, best first in {@link SequenceSearch.results}. */
export interface GeneratedSequence {
  /** Decoder tokens: the start token, the generated ones, and the end-of-sequence token when one was generated. */
  tokens: number[];
  /** Beam search: the length-normalised log-probability; greedy and sampling: the summed log-probability. */
  score: number;
}

/** One request's decoding. */
export interface SequenceSearch {
  /** Rows the next step runs (0 once done). */
  readonly rows: number;
  /** Each live row's tokens so far (the start token first). */
  readonly sequences: readonly (readonly number[])[];
  /** Feed the logits of the rows (one vocabulary-sized row each, in row order); they may be modified. */
  step(logits: Float32Array[]): SearchStep;
  readonly done: boolean;
  /** The sequences to return, best first (`numReturnSequences` of them), once done. */
  results(): GeneratedSequence[];
  /** Called with each row's new token after a greedy or sampling step, for streaming. */
  onToken?: (row: number, token: number) => void;
}

/** The search `options` ask for. */
export function createSequenceSearch(options: GenerationOptions): SequenceSearch {
  return options.numBeams > 1 ? new BeamSearch(options) : new SampleOrGreedySearch(options);
}

const isEos = (options: GenerationOptions, token: number): boolean => options.eosTokenIds.includes(token);

interface SampledRow {
  tokens: number[];
  score: number;
  /** Its place among the request's sequences, kept when finished rows leave. */
  id: number;
}

/** Greedy decoding, or sampling with `numReturnSequences` independent rows. */
class SampleOrGreedySearch implements SequenceSearch {
  #live: SampledRow[];
  #finished: SampledRow[] = [];
  readonly #options: GenerationOptions;
  readonly #random: (() => number) | undefined;
  onToken?: (row: number, token: number) => void;

  constructor(options: GenerationOptions) {
    this.#options = options;
    const count = options.doSample ? options.numReturnSequences : 1;
    this.#live = Array.from({ length: count }, (_, id) => ({ tokens: [options.decoderStartTokenId], score: 0, id }));
    this.#random = options.doSample ? createSeededRandom(options.seed) : undefined;
  }

  get rows(): number {
    return this.#live.length;
  }

  get sequences(): readonly (readonly number[])[] {
    return this.#live.map((row) => row.tokens);
  }

  get done(): boolean {
    return this.#live.length === 0;
  }

  step(logits: Float32Array[]): SearchStep {
    const tokens: number[] = [];
    const sourceRows: number[] = [];
    const next: SampledRow[] = [];
    this.#live.forEach((row, index) => {
      const scores = logits[index]!;
      processScores(scores, row.tokens, this.#options);
      let token: number;
      let logProbability: number;
      if (this.#random) {
        warpForSampling(scores, this.#options);
        const probabilities = softmax(scores);
        token = sample(probabilities, this.#random());
        logProbability = Math.log(probabilities[token]!);
      } else {
        token = argmax(scores);
        logProbability = 0;
      }
      row.tokens.push(token);
      row.score += logProbability;
      this.onToken?.(row.id, token);
      if (isEos(this.#options, token) || row.tokens.length >= this.#options.maxLength) {
        this.#finished.push(row);
      } else {
        next.push(row);
        tokens.push(token);
        sourceRows.push(index);
      }
    });
    this.#live = next;
    return { tokens, sourceRows };
  }

  results(): GeneratedSequence[] {
    return [...this.#finished].sort((a, b) => a.id - b.id).map(({ tokens, score }) => ({ tokens, score }));
  }
}

/** Inverse-CDF sampling of one index. */
function sample(probabilities: Float64Array, uniform: number): number {
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (p <= 0) continue;
    last = i;
    cumulative += p;
    if (uniform < cumulative) return i;
  }
  return last;
}

interface Hypothesis {
  score: number;
  tokens: number[];
}

/**
 * transformers' BeamHypotheses: the `numBeams` best finished sequences, with their length-normalised scores,
 * and its rule for when no open beam can beat them.
 */
class FinishedHypotheses {
  readonly beams: Hypothesis[] = [];
  #worst = 1e9;

  constructor(private readonly options: GenerationOptions) {}

  add(tokens: number[], sumLogProbabilities: number, generatedLength: number): void {
    const score = sumLogProbabilities / generatedLength ** this.options.lengthPenalty;
    if (this.beams.length < this.options.numBeams || score > this.#worst) {
      this.beams.push({ score, tokens });
      if (this.beams.length > this.options.numBeams) {
        const sorted = this.beams.map((beam, index) => ({ score: beam.score, index })).sort((a, b) => a.score - b.score || a.index - b.index);
        this.beams.splice(sorted[0]!.index, 1);
        this.#worst = sorted[1]!.score;
      } else {
        this.#worst = Math.min(score, this.#worst);
      }
    }
  }

  /** `currentLength` counts the decoder tokens, the start token and the token being chosen included. */
  isDone(bestSumLogProbabilities: number, currentLength: number): boolean {
    if (this.beams.length < this.options.numBeams) return false;
    const { earlyStopping, lengthPenalty, maxLength } = this.options;
    if (earlyStopping === true) return true;
    // The decoder prompt is the one start token.
    const generated = earlyStopping === 'never' && lengthPenalty > 0 ? maxLength - 1 : currentLength - 1;
    return this.#worst >= bestSumLogProbabilities / generated ** lengthPenalty;
  }
}

/** transformers' beam search (BeamSearchScorer with one batch entry), step by step. */
class BeamSearch implements SequenceSearch {
  #beams: { tokens: number[]; score: number }[];
  readonly #finished: FinishedHypotheses;
  readonly #options: GenerationOptions;
  #done = false;
  /** Done because no open beam could beat the finished ones, not because of the length limit. */
  #doneByScore = false;

  constructor(options: GenerationOptions) {
    this.#options = options;
    this.#finished = new FinishedHypotheses(options);
    // Every beam starts as the start token; only the first is scored at the first step (transformers gives the
    // others -1e9), so the first step runs one row and the beams branch from it.
    this.#beams = [{ tokens: [options.decoderStartTokenId], score: 0 }];
  }

  get rows(): number {
    return this.#done ? 0 : this.#beams.length;
  }

  get sequences(): readonly (readonly number[])[] {
    return this.#beams.map((beam) => beam.tokens);
  }

  get done(): boolean {
    return this.#done;
  }

  step(logits: Float32Array[]): SearchStep {
    const { numBeams } = this.#options;
    const vocab = logits[0]!.length;
    // Candidates: every (beam, token) with the beam's score plus the token's processed log-probability.
    const candidateCount = Math.max(2, 1 + this.#options.eosTokenIds.length) * numBeams;
    const top: { score: number; beam: number; token: number }[] = [];
    this.#beams.forEach((beam, b) => {
      const scores = logits[b]!;
      logSoftmaxInPlace(scores);
      processScores(scores, beam.tokens, this.#options);
      for (let token = 0; token < vocab; token++) {
        const score = beam.score + scores[token]!;
        if (top.length === candidateCount && !(score > top[top.length - 1]!.score)) continue;
        // Keep `top` sorted, best first; among equal scores the lower flat index (beam * vocab + token) first.
        let at = top.length;
        while (at > 0 && top[at - 1]!.score < score) at--;
        top.splice(at, 0, { score, beam: b, token });
        if (top.length > candidateCount) top.pop();
      }
    });

    // Tokens chosen so far plus this one: what transformers calls cur_len in BeamSearchScorer.process.
    const currentLength = this.#beams[0]!.tokens.length + 1;
    const next: { tokens: number[]; score: number; source: number; token: number }[] = [];
    for (const [rank, candidate] of top.entries()) {
      const source = this.#beams[candidate.beam]!;
      if (isEos(this.#options, candidate.token)) {
        // An end among the best numBeams candidates finishes a hypothesis (without the end token, which is appended back).
        if (rank >= numBeams) continue;
        this.#finished.add([...source.tokens], candidate.score, currentLength - 1);
      } else {
        next.push({ tokens: [...source.tokens, candidate.token], score: candidate.score, source: candidate.beam, token: candidate.token });
      }
      if (next.length === numBeams) break;
    }
    this.#doneByScore = this.#finished.isDone(top[0]!.score, currentLength);
    this.#beams = next.map(({ tokens, score }) => ({ tokens, score }));
    this.#done = this.#doneByScore || this.#beams[0]!.tokens.length >= this.#options.maxLength;
    if (this.#done) return { tokens: [], sourceRows: [] };
    return { tokens: next.map((beam) => beam.token), sourceRows: next.map((beam) => beam.source) };
  }

  results(): GeneratedSequence[] {
    const { maxLength, numReturnSequences, eosTokenIds } = this.#options;
    // Open beams count too, unless the search stopped because no open beam could beat the finished ones
    // (transformers' finalize skips a batch entry that is done).
    if (!this.#doneByScore) {
      for (const beam of this.#beams) this.#finished.add(beam.tokens, beam.score, beam.tokens.length - 1);
    }
    // Best first; on equal scores the later one first, as Python's stable sort and pop() give.
    const ranked = this.#finished.beams.map((beam, index) => ({ ...beam, index })).sort((a, b) => b.score - a.score || b.index - a.index);
    return ranked.slice(0, numReturnSequences).map(({ tokens, score }) => ({
      tokens: tokens.length < maxLength ? [...tokens, eosTokenIds[0]!] : tokens,
      score,
    }));
  }
}

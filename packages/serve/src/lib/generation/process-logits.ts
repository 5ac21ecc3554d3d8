// The logits processors and warpers of transformers' generate(), in its order and with its semantics
// (transformers' generation/logits_process.py; transformers.js's generation/logits_process.js is the same), on
// one row of scores (vocabulary-sized), in place. `tokens` is the row's decoder sequence so far, the start token
// included, as transformers' `input_ids`.
import type { GenerationOptions } from './generation-options.js';

/** Which of the options the processors read. */
export type ProcessorOptions = Pick<
  GenerationOptions,
  'repetitionPenalty' | 'noRepeatNgramSize' | 'badWordsIds' | 'minLength' | 'maxLength' | 'eosTokenIds' | 'forcedEosTokenId'
>;

/**
 * Repetition penalty, no-repeat n-grams, bad words, minimum length, forced end of sequence: what transformers
 * applies to every decoding strategy (to the logits for greedy and sampling, to the log-probabilities for beam search).
 */
export function processScores(scores: Float32Array, tokens: readonly number[], options: ProcessorOptions): void {
  if (options.repetitionPenalty !== 1) {
    const penalty = options.repetitionPenalty;
    for (const token of new Set(tokens)) {
      const score = scores[token]!;
      scores[token] = score < 0 ? score * penalty : score / penalty;
    }
  }
  if (options.noRepeatNgramSize > 0) {
    for (const token of bannedNgramTokens(tokens, options.noRepeatNgramSize)) scores[token] = -Infinity;
  }
  for (const badWord of options.badWordsIds) {
    // transformers leaves out a "bad word" that is just the end-of-sequence token: that would forbid ending.
    if (badWord.length === 1 && options.eosTokenIds.includes(badWord[0]!)) continue;
    if (endsWith(tokens, badWord, badWord.length - 1)) scores[badWord[badWord.length - 1]!] = -Infinity;
  }
  if (tokens.length < options.minLength) {
    for (const eos of options.eosTokenIds) scores[eos] = -Infinity;
  }
  if (options.forcedEosTokenId !== undefined && tokens.length === options.maxLength - 1) {
    scores.fill(-Infinity);
    scores[options.forcedEosTokenId] = 0;
  }
}

/** True when `tokens` ends with the first `length` tokens of `sequence`. */
function endsWith(tokens: readonly number[], sequence: readonly number[], length: number): boolean {
  if (tokens.length < length) return false;
  for (let j = 0; j < length; j++) {
    if (tokens[tokens.length - length + j] !== sequence[j]) return false;
  }
  return true;
}

/** The tokens that would repeat an n-gram of `tokens` if they came next. */
export function bannedNgramTokens(tokens: readonly number[], n: number): number[] {
  if (tokens.length + 1 < n) return [];
  const banned: number[] = [];
  const prefixStart = tokens.length - (n - 1);
  for (let start = 0; start + n <= tokens.length; start++) {
    let match = true;
    for (let k = 0; k < n - 1; k++) {
      if (tokens[start + k] !== tokens[prefixStart + k]) {
        match = false;
        break;
      }
    }
    if (match) banned.push(tokens[start + n - 1]!);
  }
  return banned;
}

/** Sampling's warpers, in transformers' order: temperature, then top-k, then top-p, on logits, in place. */
export function warpForSampling(scores: Float32Array, options: Pick<GenerationOptions, 'temperature' | 'topK' | 'topP'>): void {
  if (options.temperature !== 1) {
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / options.temperature;
  }
  if (options.topK > 0 && options.topK < scores.length) {
    // The k-th largest score; everything below it goes (ties at the boundary stay, as with torch.topk's threshold).
    const threshold = [...scores].sort((a, b) => b - a)[options.topK - 1]!;
    for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) scores[i] = -Infinity;
  }
  if (options.topP < 1) {
    // transformers' TopPLogitsWarper: sort ascending, drop the tokens whose cumulative probability stays at or
    // below 1 - top_p, always keeping the most likely one.
    const order = [...scores.keys()].sort((a, b) => scores[a]! - scores[b]!);
    const probabilities = softmax(Float32Array.from(order, (index) => scores[index]!));
    let cumulative = 0;
    for (let rank = 0; rank < order.length - 1; rank++) {
      cumulative += probabilities[rank]!;
      if (cumulative <= 1 - options.topP) scores[order[rank]!] = -Infinity;
    }
  }
}

/** Softmax in float64, as a new array. */
export function softmax(scores: Float32Array): Float64Array {
  let max = -Infinity;
  for (const score of scores) if (score > max) max = score;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp(scores[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** log_softmax in place, computed in float64 and stored back as float32, as torch does on a float32 tensor. */
export function logSoftmaxInPlace(scores: Float32Array): void {
  let max = -Infinity;
  for (const score of scores) if (score > max) max = score;
  let sum = 0;
  for (const score of scores) sum += Math.exp(score - max);
  const logSum = Math.log(sum) + max;
  for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! - logSum;
}

/** The index of the largest score; the first one on ties, as torch.argmax and transformers.js pick. */
export function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

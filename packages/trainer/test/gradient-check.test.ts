// The analytic gradients training uses, against central finite differences of the loss, for every parameter
// a batch touches: embedding rows (words and hashed bigrams), the linear layer and its bias.
import { describe, expect, it } from 'vitest';
import { accumulateGradients, createScratch, Gradients, lossAndLogitGradients } from '../src/lib/gradients.js';
import { createRandom } from '../src/lib/random.js';
import { TextClassifier, type ProblemType } from '../src/lib/text-classifier.js';
import { Vocabulary } from '../src/lib/vocabulary.js';

function tinyModel(problemType: ProblemType, ngrams: 1 | 2): TextClassifier {
  const vocabulary = new Vocabulary(['[PAD]', '[UNK]', 'free', 'prize', 'lunch', 'today', 'now']);
  const dim = 5;
  const buckets = ngrams === 2 ? 7 : 0;
  const labels = ['a', 'b', 'c'];
  const random = createRandom(5);
  const values = (n: number) => Float32Array.from({ length: n }, () => random.next() * 2 - 1);
  return new TextClassifier(
    { problemType, labels, dim, ngrams, buckets, maxLength: 32, threshold: 0.5 },
    vocabulary,
    { embedding: values((vocabulary.size + buckets) * dim), weight: values(labels.length * dim), bias: values(labels.length) },
  );
}

const BATCH = [
  { text: 'free prize now now', target: [0, 1, 0] },
  { text: 'lunch today', target: [1, 0, 1] },
  { text: 'unknown words free', target: [0, 0, 1] },
  { text: '', target: [1, 0, 0] },
];

/** The batch's mean loss, as training computes it. */
function batchLoss(model: TextClassifier): number {
  const scratch = createScratch(model);
  let loss = 0;
  for (const { text, target } of BATCH) {
    model.forward(model.bag(model.encode(text)), scratch.hidden, scratch.logits);
    loss += lossAndLogitGradients(model.problemType, scratch.logits, Float64Array.from(target), scratch.dLogits);
  }
  return loss / BATCH.length;
}

describe.each([
  { problemType: 'single_label_classification' as const, ngrams: 2 as const },
  { problemType: 'multi_label_classification' as const, ngrams: 2 as const },
  { problemType: 'single_label_classification' as const, ngrams: 1 as const },
])('gradients, $problemType, ngrams $ngrams', ({ problemType, ngrams }) => {
  // Single-label targets must be one-hot.
  const batch = problemType === 'single_label_classification' ? BATCH.map(({ text, target }) => ({ text, target: target.map((_, i) => (i === target.indexOf(1) ? 1 : 0)) })) : BATCH;

  it('match finite differences for every parameter the batch touches', () => {
    BATCH.splice(0, BATCH.length, ...batch);
    const model = tinyModel(problemType, ngrams);
    const gradients = new Gradients(model);
    const scratch = createScratch(model);
    for (const { text, target } of BATCH) {
      accumulateGradients(model, model.bag(model.encode(text)), Float64Array.from(target), 1 / BATCH.length, gradients, scratch);
    }
    const analytic = new Map<string, number>();
    for (let slot = 0; slot < gradients.size; slot++) {
      for (let d = 0; d < model.config.dim; d++) analytic.set(`embedding:${gradients.rowIds[slot]! * model.config.dim + d}`, gradients.rows[slot * model.config.dim + d]!);
    }
    gradients.weight.forEach((g, i) => analytic.set(`weight:${i}`, g));
    gradients.bias.forEach((g, i) => analytic.set(`bias:${i}`, g));
    // Bigram rows are among those touched, and rows of words not in the batch are not.
    expect([...analytic.keys()].some((key) => key.startsWith('embedding:') && Number(key.split(':')[1]) >= model.vocabulary.size * model.config.dim)).toBe(ngrams === 2);

    let checked = 0;
    for (const [key, g] of analytic) {
      const [name, index] = key.split(':') as ['embedding' | 'weight' | 'bias', string];
      const params = model.weights[name];
      const i = Number(index);
      const original = params[i]!;
      const h = 1e-2;
      params[i] = original + h;
      // float32 storage rounds the step: divide by the step really taken.
      const up = params[i];
      const lossUp = batchLoss(model);
      params[i] = original - h;
      const down = params[i];
      const lossDown = batchLoss(model);
      params[i] = original;
      const numeric = (lossUp - lossDown) / (up - down);
      expect(Math.abs(numeric - g), `${key}: analytic ${g}, numeric ${numeric}`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(numeric));
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe('the loss', () => {
  it('is cross-entropy for single-label and mean binary cross-entropy for multi-label', () => {
    const logits = Float64Array.from([2, -1, 0.5]);
    const d = new Float64Array(3);
    const softmaxLoss = lossAndLogitGradients('single_label_classification', logits, Float64Array.from([0, 0, 1]), d);
    const logSum = Math.log(Math.exp(2) + Math.exp(-1) + Math.exp(0.5));
    expect(softmaxLoss).toBeCloseTo(logSum - 0.5, 12);
    const bceLoss = lossAndLogitGradients('multi_label_classification', logits, Float64Array.from([1, 0, 1]), d);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    expect(bceLoss).toBeCloseTo(-(Math.log(sig(2)) + Math.log(1 - sig(-1)) + Math.log(sig(0.5))) / 3, 12);
    // Large logits stay finite.
    expect(Number.isFinite(lossAndLogitGradients('multi_label_classification', Float64Array.from([800, -800, 0]), Float64Array.from([0, 1, 0]), d))).toBe(true);
  });
});

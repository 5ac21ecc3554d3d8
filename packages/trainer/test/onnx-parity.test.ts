// The exported model.onnx must give the trainer's own probabilities (to 1e-5) under ONNX Runtime, for texts
// batched and padded together, and @vertexkit/serve must serve the exported directory as it is. A quantized
// model (int8 table, folded or not) must give its own probabilities the same way: what evaluate scores is what
// is served.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTextClassificationHandler } from '@vertexkit/serve';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelDirectory, quantizeTextClassifier, trainTextClassifier, type QuantizeOptions, type TextClassifier } from '../src/index.js';
import { multiLabelCorpus, singleLabelCorpus, TRICKY_TEXTS } from './fixtures/synthetic.js';

const TOLERANCE = 1e-5;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-onnx-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TEXTS = [
  ...TRICKY_TEXTS,
  'free prize click now, the cash offer is urgent',
  'meeting tomorrow to review the project report with the team',
  // Longer than maxLength: truncated the same way on both sides.
  Array.from({ length: 80 }, (_, i) => (i % 3 ? 'free' : 'lunch')).join(' '),
];

/** Runs model.onnx on all texts as one padded batch, as serve does, and applies softmax or sigmoid. */
async function onnxProbabilities(modelDir: string, model: TextClassifier, texts: string[]): Promise<number[][]> {
  const session = await InferenceSession.create(join(modelDir, 'model.onnx'));
  try {
    const encoded = texts.map((text) => model.encode(text));
    const length = Math.max(1, ...encoded.map((ids) => ids.length));
    const ids = new BigInt64Array(texts.length * length);
    const mask = new BigInt64Array(texts.length * length);
    encoded.forEach((row, r) => row.forEach((id, i) => {
      ids[r * length + i] = BigInt(id);
      mask[r * length + i] = 1n;
    }));
    const dims = [texts.length, length];
    const { logits } = await session.run({ input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims) });
    const values = logits!.data as Float32Array;
    const numLabels = model.labels.length;
    return texts.map((_, r) => {
      const row = [...values.slice(r * numLabels, (r + 1) * numLabels)];
      if (model.problemType === 'multi_label_classification') return row.map((z) => 1 / (1 + Math.exp(-z)));
      const max = Math.max(...row);
      const exps = row.map((z) => Math.exp(z - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      return exps.map((e) => e / sum);
    });
  } finally {
    await session.release();
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe.each<{ name: string; ngrams: 1 | 2; multi: boolean; quantize?: QuantizeOptions; fold?: boolean }>([
  { name: 'float, folded (the default): single-label, words and bigrams', ngrams: 2, multi: false },
  { name: 'float, folded (the default): single-label, words only', ngrams: 1, multi: false },
  { name: 'float, folded (the default): multi-label, words and bigrams', ngrams: 2, multi: true },
  { name: 'float, layer kept: single-label, words and bigrams', ngrams: 2, multi: false, fold: false },
  { name: 'float, layer kept: multi-label, words only', ngrams: 1, multi: true, fold: false },
  { name: 'quantized, folded: single-label, words and bigrams', ngrams: 2, multi: false, quantize: {} },
  { name: 'quantized, folded: single-label, words only', ngrams: 1, multi: false, quantize: {} },
  { name: 'quantized, folded: multi-label, words and bigrams', ngrams: 2, multi: true, quantize: {} },
  { name: 'quantized, layer kept: single-label, words and bigrams', ngrams: 2, multi: false, quantize: { fold: false } },
  { name: 'quantized, layer kept: multi-label, words and bigrams', ngrams: 2, multi: true, quantize: { fold: false } },
])('model.onnx, $name', ({ ngrams, multi, quantize, fold }) => {
  let model: TextClassifier;
  let dir: string;

  beforeAll(async () => {
    dir = join(root, `${ngrams}-${multi}-${JSON.stringify(quantize ?? 'float')}-${String(fold)}`);
    const train = multi ? multiLabelCorpus({ count: 150 }) : singleLabelCorpus({ perLabel: 40, labels: ['ham', 'news', 'spam'] });
    ({ best: model } = await trainTextClassifier({
      train,
      epochs: 3,
      ngrams,
      buckets: 101,
      dim: 16,
      maxLength: 40,
      minCount: 1,
      ...(multi ? { problemType: 'multi_label_classification' as const } : {}),
    }));
    // The reference is the quantized model's own computation: the scores runTraining reports for it.
    if (quantize) model = quantizeTextClassifier({ model, ...quantize });
    await exportModelDirectory(model, dir, fold === undefined ? {} : { fold });
  });

  it('gives the trainer\'s probabilities to within 1e-5 under ONNX Runtime, batched and padded', async () => {
    const batched = await onnxProbabilities(dir, model, TEXTS);
    TEXTS.forEach((text, index) => expectClose(batched[index]!, model.predictProbabilities(text), JSON.stringify(text)));
  });

  it('gives the same probabilities for a text alone as in a batch', async () => {
    const alone = await onnxProbabilities(dir, model, [TEXTS.at(-2)!]);
    expectClose(alone[0]!, model.predictProbabilities(TEXTS.at(-2)!), 'alone');
  });

  it('is served by @vertexkit/serve with no conversion step', async () => {
    const handler = createTextClassificationHandler({ modelDir: dir });
    await handler.load();
    try {
      const logits = await handler.run(TEXTS);
      const params = handler.parseParameters({ ...(multi ? { threshold: 0 } : {}) });
      TEXTS.forEach((text, index) => {
        const { labels } = handler.postprocess(logits[index]!, params);
        const expected = model.predictProbabilities(text);
        const served = model.labels.map((label) => labels.find((entry) => entry.label === label)!.score);
        expectClose(served, expected, `served ${JSON.stringify(text)}`);
      });
    } finally {
      await handler.close();
    }
  });
});

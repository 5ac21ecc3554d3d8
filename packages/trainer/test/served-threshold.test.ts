// A multi-label model trained with a non-default --threshold must be served with it: the labels
// @vertexkit/serve answers on the test split are the ones the trainer predicted and scored in metrics.json.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTextClassificationHandler } from '@vertexkit/serve';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runTraining, trainTextClassifier, type TextClassifier } from '../src/index.js';
import { multiLabelCorpus } from './fixtures/synthetic.js';

const THRESHOLD = 0.2;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-threshold-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

test(`served labels on the test split equal the trainer's own at threshold ${THRESHOLD}, with no request parameter`, async () => {
  const train = multiLabelCorpus({ count: 160, seed: 3 });
  const test = multiLabelCorpus({ count: 60, seed: 4 });
  const options = { train, test, epochs: 2, ngrams: 1 as const, dim: 8, buckets: 64, problemType: 'multi_label_classification' as const, threshold: THRESHOLD, seed: 5 };
  const outputDir = join(root, 'model');
  await runTraining({ ...options, outputDir });
  // The same seeded run again, to get the trained model itself: its predictions are what metrics.json scored.
  const { best: model }: { best: TextClassifier } = await trainTextClassifier(options);
  const config = JSON.parse(await readFile(join(outputDir, 'config.json'), 'utf8')) as { threshold?: number };
  expect(config.threshold).toBe(THRESHOLD);

  const handler = createTextClassificationHandler({ modelDir: outputDir });
  await handler.load();
  try {
    const texts = test.map((example) => example.text);
    const logits = await handler.run(texts);
    const params = handler.parseParameters(undefined);
    const served = texts.map((_, i) => handler.postprocess(logits[i]!, params).labels.map((entry) => entry.label).sort());
    const trained = texts.map((text) => model.predict(text).sort());
    expect(served).toEqual(trained);
    // The threshold decides some answers here: at serve's old fixed 0.5 they would have differed.
    const atHalf = texts.map((text) => model.predict(text, { threshold: 0.5 }).sort());
    expect(atHalf).not.toEqual(trained);
    // A request's own threshold still wins.
    const explicit = handler.parseParameters({ threshold: 0.5 });
    expect(texts.map((_, i) => handler.postprocess(logits[i]!, explicit).labels.map((entry) => entry.label).sort())).toEqual(atHalf);
  } finally {
    await handler.close();
  }
});

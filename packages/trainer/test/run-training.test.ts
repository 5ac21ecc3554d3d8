import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTextClassificationHandler } from '@vertexkit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, loadCheckpoint, runTraining, type RunTrainingResult } from '../src/index.js';
import { singleLabelCorpus } from './fixtures/synthetic.js';

let root: string;
let result: RunTrainingResult;
const lines: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-trainer-run-'));
  result = await runTraining({
    train: singleLabelCorpus({ perLabel: 50, seed: 1 }),
    dev: singleLabelCorpus({ perLabel: 10, seed: 2 }),
    test: singleLabelCorpus({ perLabel: 20, seed: 3 }),
    outputDir: join(root, 'model'),
    checkpointDir: join(root, 'checkpoints'),
    epochs: 3,
    dim: 16,
    buckets: 512,
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runTraining', () => {
  it('writes the model directory, metrics.json and training.log, and the checkpoints apart', async () => {
    expect((await readdir(join(root, 'model'))).sort()).toEqual(['config.json', 'metrics.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'training.log']);
    expect((await readdir(join(root, 'checkpoints'))).sort()).toEqual(['best-model.safetensors', 'final-model.safetensors']);
    expect(result.files).toHaveLength(8);
  });

  it('reports accuracy, macro-F1 and per-label scores on the test split in metrics.json', async () => {
    const metrics = JSON.parse(await readFile(join(root, 'model', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(metrics).toMatchObject({
      bestEpoch: result.bestEpoch,
      epochsRun: 3,
      labels: ['ham', 'spam'],
      problemType: 'single_label_classification',
      examples: { train: 100, dev: 20, test: 40 },
      test: { examples: 40, perLabel: { ham: { support: 20 }, spam: { support: 20 } } },
    });
    const best = await loadCheckpoint(join(root, 'checkpoints', 'best-model.safetensors'));
    const test = metrics['test'] as { accuracy: number; macroF1: number };
    expect(test).toEqual({ ...evaluate(best.model, singleLabelCorpus({ perLabel: 20, seed: 3 })) });
    expect(test.macroF1).toBeGreaterThan(0.9);
    expect(metrics['history']).toHaveLength(3);
    expect(result.test).toEqual(test);
  });

  it('logs the run to training.log and to the log callback', async () => {
    const log = await readFile(join(root, 'model', 'training.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z training on 100 examples \(dev 20\), labels ham, spam/);
    expect(log).toMatch(/epoch 3\/3: loss [\d.]+, dev loss [\d.]+, dev macro-F1 [\d.]+, dev accuracy [\d.]+, \d+ examples\/s/);
    expect(log).toMatch(`test: accuracy ${result.test!.accuracy.toFixed(4)}, macro-F1 ${result.test!.macroF1.toFixed(4)} on 40 examples`);
    expect(log.trim().split('\n')).toHaveLength(lines.length);
  });

  it('keeps the best epoch in best-model.safetensors and exports that one', async () => {
    const best = await loadCheckpoint(join(root, 'checkpoints', 'best-model.safetensors'));
    const final = await loadCheckpoint(join(root, 'checkpoints', 'final-model.safetensors'));
    expect(best.metadata['epoch']).toBe(String(result.bestEpoch));
    expect(final.metadata['epoch']).toBe('3');
    const handler = createTextClassificationHandler({ modelDir: join(root, 'model') });
    await handler.load();
    try {
      const [logits] = await handler.run(['free cash prize, click now']);
      const served = handler.postprocess(logits!, handler.parseParameters({})).labels;
      const expected = best.model.predictProbabilities('free cash prize, click now');
      expect(served[0]!.label).toBe('spam');
      expect(Math.abs(served[0]!.score - expected[1]!)).toBeLessThan(1e-5);
    } finally {
      await handler.close();
    }
  });
});

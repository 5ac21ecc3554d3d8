import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTextClassificationHandler } from '@vertexkit/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, loadCheckpoint, quantizeTextClassifier, runTraining, TrainerError, type RunTrainingResult } from '../src/index.js';
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

describe('runTraining({ quantize: true })', () => {
  const test = singleLabelCorpus({ perLabel: 20, seed: 3 });
  const texts = [...test.map((example) => example.text), '', 'free cash prize, click now', 'lunch with the team tomorrow'];
  let quantized: RunTrainingResult;
  const quantizedLines: string[] = [];
  beforeAll(async () => {
    quantized = await runTraining({
      train: singleLabelCorpus({ perLabel: 50, seed: 1 }),
      dev: singleLabelCorpus({ perLabel: 10, seed: 2 }),
      test,
      outputDir: join(root, 'int8'),
      checkpointDir: join(root, 'int8-checkpoints'),
      epochs: 3,
      dim: 16,
      buckets: 512,
      quantize: true,
      log: (line) => quantizedLines.push(line),
    });
  });

  it('scores the quantized model, the one exported, and keeps the float scores beside it in metrics.json', async () => {
    const metrics = JSON.parse(await readFile(join(root, 'int8', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const best = (await loadCheckpoint(join(root, 'int8-checkpoints', 'best-model.safetensors'))).model;
    // The checkpoints stay float32; the same seed trained the same model as without quantize.
    expect(best.config.dim).toBe(16);
    expect(quantized.bestEpoch).toBe(result.bestEpoch);
    const small = quantizeTextClassifier({ model: best });
    expect(metrics['test']).toEqual({ ...evaluate(small, test) });
    expect(quantized.test).toEqual(metrics['test']);
    expect(metrics['float']).toEqual({ dev: { ...evaluate(best, singleLabelCorpus({ perLabel: 10, seed: 2 })) }, test: { ...evaluate(best, test) } });
    expect(quantized.float?.test).toEqual(result.test);
    const modelBytes = (await stat(join(root, 'int8', 'model.onnx'))).size;
    expect(metrics['quantization']).toEqual({ method: 'int8-per-row', folded: true, floatDim: 16, modelBytes, floatModelBytes: (await stat(join(root, 'model', 'model.onnx'))).size });
    expect(quantized.quantization?.modelBytes).toBe(modelBytes);
    // Against the float model as it would be exported (folded too): 7 bytes a row instead of 12.
    expect(modelBytes).toBeLessThan(quantized.quantization!.floatModelBytes);
  });

  it('logs the quantization and both scores', () => {
    expect(quantizedLines).toContainEqual(expect.stringMatching(/^quantized the epoch-\d+ model: int8 rows with a float32 scale each, the linear layer folded into the table \(\d+ x 2\); model\.onnx [\d.]+ MB instead of [\d.]+ MB$/));
    const { test: own, float } = quantized;
    expect(quantizedLines).toContain(
      `test: accuracy ${own!.accuracy.toFixed(4)}, macro-F1 ${own!.macroF1.toFixed(4)} on 40 examples (quantized; float32: accuracy ${float!.test!.accuracy.toFixed(4)}, macro-F1 ${float!.test!.macroF1.toFixed(4)})`,
    );
  });

  it('is served by @vertexkit/serve unchanged, with the quantized model\'s own probabilities to 1e-5', async () => {
    const best = (await loadCheckpoint(join(root, 'int8-checkpoints', 'best-model.safetensors'))).model;
    const small = quantizeTextClassifier({ model: best });
    const handler = createTextClassificationHandler({ modelDir: join(root, 'int8') });
    await handler.load();
    try {
      const logits = await handler.run(texts);
      const params = handler.parseParameters({});
      texts.forEach((text, index) => {
        const served = handler.postprocess(logits[index]!, params).labels;
        const own = small.predictProbabilities(text);
        small.labels.forEach((label, k) => {
          expect(Math.abs(served.find((entry) => entry.label === label)!.score - own[k]!), `${JSON.stringify(text)} ${label}`).toBeLessThanOrEqual(1e-5);
        });
      });
    } finally {
      await handler.close();
    }
  });

  it('refuses a bad quantize before training, with the fix', async () => {
    const outputDir = join(root, 'refused');
    const error = await runTraining({ train: singleLabelCorpus({ perLabel: 5 }), outputDir, quantize: 'int8' as unknown as boolean }).catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error) && error.code).toBe('INVALID_OPTION');
    expect((error as Error).message).toMatch(/^quantize: expected true \(an 8-bit model\), false \(float32\)/);
    await expect(stat(outputDir)).rejects.toThrow();
  });
});

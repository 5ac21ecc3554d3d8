// Real (small) training runs through the CLI: what lands in the output and checkpoint folders, multi-label
// through one-hot columns, headerless TSV, a test split from --test-size, and the Vertex AI variables.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTextClassificationHandler } from '@vertexkit/serve';
import { readCsv, writeCsv } from '@vertexkit/storage';
import { computeClassificationMetrics } from '@vertexkit/trainer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, spamRows, startCli, topicRows } from './helpers.ts';

let work: string;
let spam: string;
let topics: string;
// Small and fast: words only (no 2^18 bigram buckets), a few epochs.
const QUICK = ['--ngrams', '1', '--dim', '16', '--epochs', '4', '--seed', '7'];

const MODEL_FILES = ['config.json', 'manifest.json', 'metrics.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'training.log'];

const readJson = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-run-'));
  spam = path.join(work, 'bucket', 'spam');
  const rows = spamRows(400);
  await writeCsv({ to: path.join(spam, 'train.csv'), rows: rows.slice(0, 300) });
  await writeCsv({ to: path.join(spam, 'dev.csv'), rows: rows.slice(300, 350) });
  await writeCsv({ to: path.join(spam, 'test.csv'), rows: rows.slice(350) });
  topics = path.join(work, 'bucket', 'topics');
  await writeCsv({ to: path.join(topics, 'train.csv'), rows: topicRows(300) });
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('a local folder in, a local folder out', () => {
  let output: string;
  let checkpoints: string;
  let stdout: string;

  beforeAll(async () => {
    output = path.join(work, 'bucket', 'models', 'spam');
    checkpoints = path.join(work, 'checkpoints');
    const run = await runCli(['--data', spam, '--output', output, '--checkpoint-dir', checkpoints, ...QUICK]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    stdout = run.stdout;
  });

  test('writes the model directory, manifest.json and the checkpoints', async () => {
    expect((await fs.readdir(output)).sort()).toEqual(MODEL_FILES);
    expect((await fs.readdir(checkpoints)).sort()).toEqual(['best-model.safetensors', 'final-model.safetensors']);
    const manifest = (await readJson(path.join(output, 'manifest.json'))) as { files: Array<{ path: string }> };
    expect(manifest.files.map((file) => file.path)).toEqual(MODEL_FILES.filter((file) => file !== 'manifest.json'));
  });

  test('config.json is the transformers layout serve reads', async () => {
    const config = await readJson(path.join(output, 'config.json'));
    expect(config.problem_type).toBe('single_label_classification');
    expect(config.id2label).toEqual({ 0: 'ham', 1: 'spam' });
  });

  test('metrics.json scores test.csv with the best model', async () => {
    const metrics = (await readJson(path.join(output, 'metrics.json'))) as { test: { examples: number; macroF1: number }; examples: { train: number; dev: number } };
    expect(metrics.examples).toMatchObject({ train: 300, dev: 50 });
    expect(metrics.test.examples).toBe(50);
    expect(metrics.test.macroF1).toBeGreaterThan(0.9);
  });

  test('prints one line per epoch and a summary (stdout is not a terminal: no progress bar)', () => {
    expect(stdout).toContain('read 300 training examples, 50 dev, 50 test; labels: ham, spam');
    expect(stdout).toMatch(/^epoch 1\/4: loss \d\.\d{4}, dev loss \d\.\d{4}, dev macro-F1 \d\.\d{4}, dev accuracy \d\.\d{4}, \d+ examples\/s/m);
    expect(stdout).toMatch(/^test: {2}accuracy \d\.\d{4}, macro-F1 \d\.\d{4} \(50 examples\), from .*test\.csv$/m);
    expect(stdout).toContain(`model: ${output} (6 files,`);
    expect(stdout).toContain(`checkpoints: ${checkpoints}`);
    expect(stdout).not.toContain('\u001b[');
  });

  test('training.log has the same epoch lines, timestamped', async () => {
    const log = await fs.readFile(path.join(output, 'training.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z epoch 1\/4: loss /m);
  });
});

test('multi-label from one-hot columns: labels in column order, problem type multi-label', async () => {
  const output = path.join(work, 'topics-model');
  const run = await runCli(['--data', topics, '--output', output, '--label-columns', 'tech,sports,politics', '--threshold', '0.4', '--test-size', '0.2', ...QUICK]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('labels: tech, sports, politics');
  expect(run.stdout).toMatch(/^test: {2}accuracy [\d.]+, macro-F1 [\d.]+ \(60 examples\), from --test-size 0\.2 of train\.csv$/m);
  const config = await readJson(path.join(output, 'config.json'));
  expect(config.problem_type).toBe('multi_label_classification');
  expect(config.id2label).toEqual({ 0: 'tech', 1: 'sports', 2: 'politics' });
});

test('multi-label from one column with --label-delimiter: the same labels as one-hot, served threshold in config.json', async () => {
  const data = path.join(work, 'tags');
  const topicNames = ['tech', 'sports', 'politics'];
  const rows = topicRows(300).map((row) => ({ text: row.text as string, tags: topicNames.filter((topic) => row[topic] === '1').join('|') }));
  await writeCsv({ to: path.join(data, 'train.csv'), rows });
  const output = path.join(work, 'tags-model');
  const run = await runCli(['--data', data, '--output', output, '--label-column', 'tags', '--label-delimiter', '|', '--threshold', '0.4', ...QUICK]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('labels: politics, sports, tech');
  const config = await readJson(path.join(output, 'config.json'));
  expect(config.problem_type).toBe('multi_label_classification');
  expect(config.id2label).toEqual({ 0: 'politics', 1: 'sports', 2: 'tech' });
  expect(config.threshold).toBe(0.4);
});

test('--no-label-delimiter keeps "a|b" as one label; --train-file and --test-file name the splits; --test-size beside a test file is ignored, and says so', async () => {
  const data = path.join(work, 'named');
  const rows = spamRows(200).map((row) => ({ text: row.text, label: row.label === 'spam' ? 'spam|junk' : row.label }));
  await writeCsv({ to: path.join(data, 'spam-train.csv'), rows: rows.slice(0, 160) });
  await writeCsv({ to: path.join(data, 'holdout.csv'), rows: rows.slice(160) });
  const run = await runCli(['--data', data, '--output', path.join(work, 'named-model'), '--train-file', 'spam-train.csv', '--test-file', 'holdout.csv', '--test-size', '0.2', '--no-label-delimiter', ...QUICK]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('read 160 training examples, 40 test; labels: ham, spam|junk');
  expect(run.stdout).toContain('warning: holdout.csv is there, so --test-size 0.2 is ignored (holdout.csv is the test split)');
  expect(run.stdout).toMatch(/^test: {2}accuracy [\d.]+, macro-F1 [\d.]+ \(40 examples\), from .*named\/holdout\.csv$/m);
});

test('--buckets and --min-count reach the model; by default the bigram table is sized from the data', async () => {
  const sized = path.join(work, 'sized-model');
  const run = await runCli(['--data', spam, '--output', sized, '--epochs', '1', '--dim', '16']);
  expect(run.code).toBe(0);
  const config = await readJson(path.join(sized, 'config.json'));
  expect(config.buckets).toBeLessThanOrEqual(8192);
  const explicit = path.join(work, 'explicit-model');
  expect((await runCli(['--data', spam, '--output', explicit, '--epochs', '1', '--dim', '16', '--buckets', '5000', '--min-count', '100000'])).code).toBe(0);
  const explicitConfig = await readJson(path.join(explicit, 'config.json'));
  expect(explicitConfig.buckets).toBe(5000);
  // Every word is rarer than 100,000: only the special tokens are left.
  expect(explicitConfig.vocab_size as number).toBeLessThan(config.vocab_size as number);
});

test('--quantize exports an 8-bit model, scores it beside the float one, and @vertexkit/serve serves it unchanged', async () => {
  // Words and bigrams, as the defaults train: the same seed and data for both runs.
  const flags = ['--dim', '16', '--epochs', '4', '--seed', '7'];
  const float = path.join(work, 'float-model');
  const int8 = path.join(work, 'int8-model');
  expect((await runCli(['--data', spam, '--output', float, ...flags])).code).toBe(0);
  const run = await runCli(['--data', spam, '--output', int8, ...flags, '--quantize']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect((await fs.readdir(int8)).sort()).toEqual(MODEL_FILES);

  const config = await readJson(path.join(int8, 'config.json'));
  expect(config.quantization).toEqual({ method: 'int8-per-row', folded: true, float_hidden_size: 16 });
  type Scores = { accuracy: number; macroF1: number; examples: number };
  const metrics = (await readJson(path.join(int8, 'metrics.json'))) as { test: Scores; float: { test: Scores }; quantization: { modelBytes: number; floatModelBytes: number } };
  const floatMetrics = (await readJson(path.join(float, 'metrics.json'))) as { test: Scores };
  const floatBytes = (await fs.stat(path.join(float, 'model.onnx'))).size;
  const int8Bytes = (await fs.stat(path.join(int8, 'model.onnx'))).size;
  expect(metrics.float.test).toEqual(floatMetrics.test);
  expect(metrics.quantization).toMatchObject({ modelBytes: int8Bytes, floatModelBytes: floatBytes });
  // The float model is exported with the layer folded into its table too: 4-byte values against 1-byte ones
  // plus a 4-byte scale per row.
  expect(int8Bytes).toBeLessThan(floatBytes);
  expect(Math.abs(metrics.test.macroF1 - floatMetrics.test.macroF1)).toBeLessThanOrEqual(0.003);
  expect(run.stdout).toMatch(/^test: {2}accuracy [\d.]+, macro-F1 [\d.]+ \(50 examples\), from .*test\.csv$/m);
  expect(run.stdout).toContain(`float: accuracy ${floatMetrics.test.accuracy.toFixed(4)}, macro-F1 ${floatMetrics.test.macroF1.toFixed(4)} (50 examples), the test split before --quantize; model.onnx ${(floatBytes / 1e3).toFixed(1)} kB float, ${(int8Bytes / 1e3).toFixed(1)} kB quantized`);

  // Served as it is: the served labels score test.csv exactly as training scored the quantized model.
  const rows: Array<{ text: string; label: string }> = [];
  for await (const row of readCsv({ from: path.join(spam, 'test.csv') })) rows.push(row as { text: string; label: string });
  const handler = createTextClassificationHandler({ modelDir: int8, worker: false });
  await handler.load();
  try {
    const logits = await handler.run(rows.map((row) => row.text));
    const params = handler.parseParameters({ top_k: 1 });
    const labels = ['ham', 'spam'];
    const served = computeClassificationMetrics({
      labels,
      truth: rows.map((row) => [labels.indexOf(row.label)]),
      predicted: logits.map((row) => [labels.indexOf(handler.postprocess(row, params).labels[0]!.label)]),
    });
    expect(served.macroF1).toBe(metrics.test.macroF1);
    expect(served.accuracy).toBe(metrics.test.accuracy);
  } finally {
    await handler.close();
  }
});

test('headerless TSV, columns by index', async () => {
  const data = path.join(work, 'tsv');
  await writeCsv({ to: path.join(data, 'train.csv'), rows: spamRows(200).map((row) => [row.label, row.text]), delimiter: '\t', header: false });
  const output = path.join(work, 'tsv-model');
  const run = await runCli(['--data', `file://${data}`, '--output', output, '--no-header', '--delimiter', '\\t', '--text-column', '1', '--label-column', '0', ...QUICK]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('read 200 training examples; labels: ham, spam');
  expect(run.stdout).toMatch(/training on 180 examples \(dev 20\)/);
});

test('on Vertex AI: AIP_MODEL_DIR and AIP_CHECKPOINT_DIR stand in for --output and --checkpoint-dir', async () => {
  const base = path.join(work, 'vertex-job');
  const run = await runCli(['--data', spam, ...QUICK], {
    AIP_MODEL_DIR: `${base}/model/`,
    AIP_CHECKPOINT_DIR: `${base}/checkpoints/`,
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect((await fs.readdir(path.join(base, 'model'))).sort()).toEqual(MODEL_FILES);
  expect((await fs.readdir(path.join(base, 'checkpoints'))).sort()).toEqual(['best-model.safetensors', 'final-model.safetensors']);
});

test('without a checkpoint folder, checkpoints are not kept and the model directory holds only the model', async () => {
  const output = path.join(work, 'no-checkpoints');
  const run = await runCli(['--data', spam, '--output', output, ...QUICK]);
  expect(run.code).toBe(0);
  expect((await fs.readdir(output)).sort()).toEqual(MODEL_FILES);
  expect(run.stdout).not.toContain('checkpoints:');
});

test('SIGTERM (how Vertex AI cancels a job) stops training: exit 143, nothing published, no scratch left', async () => {
  const data = path.join(work, 'large');
  await writeCsv({ to: path.join(data, 'train.csv'), rows: spamRows(3000) });
  const output = path.join(work, 'cancelled-model');
  // Its own temporary folder, to see that the scratch folder is removed.
  const tmp = path.join(work, 'tmp');
  await fs.mkdir(tmp);
  const app = startCli(['--data', data, '--output', output, '--ngrams', '1', '--epochs', '1000', '--patience', '1000'], { TMPDIR: tmp });
  while (!/^epoch 1\//m.test(app.output())) await new Promise((resolve) => setTimeout(resolve, 20));
  app.child.kill('SIGTERM');
  const run = await app.done;
  expect(run.code).toBe(143);
  expect(run.stderr).toContain('SIGTERM: stopping');
  expect(run.stderr).toContain('stopped by SIGTERM');
  await expect(fs.access(output)).rejects.toThrow();
  expect(await fs.readdir(tmp)).toEqual([]);
});

test('a run over an earlier model replaces it, manifest.json last', async () => {
  const output = path.join(work, 'replaced');
  expect((await runCli(['--data', spam, '--output', output, ...QUICK])).code).toBe(0);
  const first = await readJson(path.join(output, 'manifest.json'));
  const run = await runCli(['--data', topics, '--output', output, '--label-columns', 'sports,politics,tech', ...QUICK]);
  expect(run.code).toBe(0);
  expect((await readJson(path.join(output, 'config.json'))).problem_type).toBe('multi_label_classification');
  expect((await readJson(path.join(output, 'manifest.json'))).createdAt).not.toBe(first.createdAt);
  expect((await fs.readdir(output)).sort()).toEqual(MODEL_FILES);
});

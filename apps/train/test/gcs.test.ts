// gs:// in and out, against the Cloud Storage emulator: the same flags as on Vertex AI with a real bucket.
import { randomUUID } from 'node:crypto';
import { inject, expect, test } from 'vitest';
import { list, readText, writeCsv } from '@vertexkit/storage';
import { runCli, spamRows } from './helpers.ts';
import './provided-context.ts';

// @google-cloud/storage (here and in the child) reads the emulator's address from the environment.
const emulator = inject('gcsEmulatorUrl');
process.env.STORAGE_EMULATOR_HOST = emulator;

const names = async (prefix: string): Promise<string[]> => {
  const found: string[] = [];
  for await (const entry of list({ prefix, recursive: true })) found.push(entry.location.uri.slice(prefix.length));
  return found.sort();
};

test('data from gs://, model and checkpoints to gs:// (AIP_MODEL_DIR, AIP_CHECKPOINT_DIR)', async () => {
  const base = `gs://vertexkit-test/train-app-${randomUUID()}/`;
  const rows = spamRows(300);
  await writeCsv({ to: `${base}data/train.csv`, rows: rows.slice(0, 250) });
  await writeCsv({ to: `${base}data/test.csv`, rows: rows.slice(250) });

  // As Vertex AI sets them for a job with baseOutputDirectory gs://.../job/.
  const run = await runCli(['--data', `${base}data/`, '--ngrams', '1', '--dim', '16', '--epochs', '3'], {
    STORAGE_EMULATOR_HOST: emulator,
    AIP_MODEL_DIR: `${base}job/model/`,
    AIP_CHECKPOINT_DIR: `${base}job/checkpoints/`,
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`publishing the model to ${base}job/model/`);
  expect(run.stdout).toContain(`uploading checkpoints to ${base}job/checkpoints/`);
  expect(await names(`${base}job/`)).toEqual([
    'checkpoints/best-model.safetensors',
    'checkpoints/final-model.safetensors',
    'model/config.json',
    'model/manifest.json',
    'model/metrics.json',
    'model/model.onnx',
    'model/tokenizer.json',
    'model/tokenizer_config.json',
    'model/training.log',
  ]);
  const config = JSON.parse(await readText({ from: `${base}job/model/config.json` })) as { id2label: Record<string, string> };
  expect(config.id2label).toEqual({ 0: 'ham', 1: 'spam' });
});

test('a gs:// prefix without train.csv: the error lists what is there', async () => {
  const base = `gs://vertexkit-test/train-app-${randomUUID()}/`;
  await writeCsv({ to: `${base}data/training.csv`, rows: spamRows(4) });
  const run = await runCli(['--data', `${base}data/`, '--output', `${base}model/`], { STORAGE_EMULATOR_HOST: emulator });
  expect(run.stderr).toContain(`error: fetchDataset: required file "train.csv" not found under ${base}data/; found: training.csv.`);
  expect(run.code).toBe(1);
  expect(await names(base)).toEqual(['data/training.csv']);
});

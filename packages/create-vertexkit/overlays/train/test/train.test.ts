// This project's own test: what npm start runs (src/main.ts as a local Vertex AI custom job on data/) trains and
// publishes a model directory that @vertexkit/serve can load, and a bad flag is a usage error (exit 2) naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
const train = (args: string[]) => spawnSync(process.execPath, ['src/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

test('trains on data/ as a local custom job and publishes the model directory', () => {
  const output = fs.mkdtempSync(path.join(os.tmpdir(), 'train-test-'));
  try {
    const result = train(['--data', 'data/', '--output', output, '--min-count', '1', '--epochs', '3']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /read 400 training examples, 50 dev, 50 test; labels: ham, spam/);
    for (const file of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'metrics.json', 'manifest.json']) {
      assert.ok(fs.existsSync(path.join(output, file)), `${file} is in the model directory`);
    }
    const config = JSON.parse(fs.readFileSync(path.join(output, 'config.json'), 'utf8')) as { id2label: Record<string, string> };
    assert.deepEqual(Object.values(config.id2label).sort(), ['ham', 'spam']);
    const metrics = JSON.parse(fs.readFileSync(path.join(output, 'metrics.json'), 'utf8')) as { test?: { accuracy: number } };
    assert.ok(typeof metrics.test?.accuracy === 'number' && metrics.test.accuracy > 0.5, `test accuracy above chance: ${JSON.stringify(metrics.test)}`);
  } finally {
    fs.rmSync(output, { recursive: true, force: true });
  }
});

test('a bad flag is a usage error that names it, before any data is read', () => {
  const result = train(['--data', 'data/', '--epochs', '0']);
  assert.equal(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /--epochs/);
});

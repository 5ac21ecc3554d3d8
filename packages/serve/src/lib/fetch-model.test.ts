import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { uploadDirectory, createStorage } from '@vertexkit/storage';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { fetchModel } from './fetch-model.js';

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-fetch-model-'));
  await fs.mkdir(path.join(work, 'model'));
  await fs.writeFile(path.join(work, 'model', 'model.onnx'), 'onnx');
  await fs.writeFile(path.join(work, 'model', 'config.json'), '{}');
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('fetchModel', () => {
  test('a local directory is used in place, by path or file:// URL', async () => {
    expect(await fetchModel({ uri: path.join(work, 'model') })).toBe(path.join(work, 'model'));
    expect(await fetchModel({ uri: `file://${path.join(work, 'model')}` })).toBe(path.join(work, 'model'));
    await expect(fetchModel({ uri: path.join(work, 'nope') })).rejects.toThrow(`model: ${path.join(work, 'nope')} does not exist; point MODEL_URI`);
    await expect(fetchModel({ uri: path.join(work, 'model', 'config.json') })).rejects.toThrow(/config\.json is not a directory; point MODEL_URI/);
  });

  test('a relative path is resolved against the working directory, and a message shows where that led', async () => {
    const relative = path.relative(process.cwd(), path.join(work, 'model'));
    expect(await fetchModel({ uri: relative })).toBe(path.join(work, 'model'));
    await expect(fetchModel({ uri: 'no-such-model' })).rejects.toThrow(
      `model: no-such-model (${path.join(process.cwd(), 'no-such-model')}) does not exist; point MODEL_URI (or AIP_STORAGE_URI) at the folder holding model.onnx`,
    );
  });

  test('a gs:// directory is downloaded once into the cache, then reused', async () => {
    process.env.STORAGE_EMULATOR_HOST = inject('gcsEmulatorUrl');
    const storage = createStorage({ projectId: 'demo-vertexkit' });
    const uri = `gs://vertexkit-test/models-${randomUUID()}/v1/`;
    await uploadDirectory({ from: path.join(work, 'model'), to: uri, storage });
    const cacheDir = path.join(work, 'cache');
    const files: string[] = [];
    const dir = await fetchModel({ uri, cacheDir, storage, onProgress: (p) => p.file && files.push(p.file) });
    expect(dir.startsWith(cacheDir)).toBe(true);
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model.onnx']);
    expect(await fs.readFile(path.join(dir, 'model.onnx'), 'utf8')).toBe('onnx');
    expect(await fetchModel({ uri, cacheDir, storage })).toBe(dir);
    await expect(fetchModel({ uri: `gs://vertexkit-test/empty-${randomUUID()}/`, cacheDir, storage })).rejects.toThrow(/holds no files/);
  });
});

// Staging a trainer package on gs://, against the Cloud Storage emulator (tools/gcs-emulator): the object is the
// archive (same sha256), named by it, and a second build of the same files uploads nothing.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, readBytes, stat } from '@vertexkit/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packagePythonTrainer } from '../src/index.js';
import { SETUP_PY_TRAINER, writeTree } from './helpers/python-packages.js';

process.env.STORAGE_EMULATOR_HOST = inject('gcsEmulatorUrl');
const storage = createStorage({ projectId: 'demo-vertexkit', retry: { retries: 2, minDelayMs: 10 } });
const staging = `gs://vertexkit-test/staging-${randomUUID()}`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vertexkit-py-gcs-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('packagePythonTrainer on gs://', () => {
  it('uploads <staging>/<name>-<sha256 prefix>.tar.gz with the archive\'s bytes, once', async () => {
    const dir = await writeTree(path.join(root, 'trainer'), SETUP_PY_TRAINER);
    const first = await packagePythonTrainer({ dir, pythonModule: 'trainer.task', staging, storage });
    expect(first.uri).toBe(`${staging}/trainer-${first.sha256.slice(0, 12)}.tar.gz`);
    expect(first.uploaded).toBe(true);
    const staged = await readBytes({ from: first.uri!, storage });
    expect(createHash('sha256').update(staged).digest('hex')).toBe(first.sha256);
    const { generation } = await stat({ from: first.uri!, storage });

    const second = await packagePythonTrainer({ dir, pythonModule: 'trainer.task', staging, storage });
    expect(second).toMatchObject({ uri: first.uri, uploaded: false, sha256: first.sha256 });
    expect((await stat({ from: first.uri!, storage })).generation).toBe(generation);
  });
});

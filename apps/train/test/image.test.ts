// The app's image for real: built with buildah from the committed Dockerfile (the repository root as context,
// the committed Dockerfile.dockerignore) and run with podman the way a Vertex AI custom job runs it: the job's
// args appended to the ENTRYPOINT, CLOUD_ML_JOB_ID and AIP_MODEL_DIR set, data and output in mounted folders.
// The base image the Dockerfile starts FROM is made locally and offline (tools/container-images). Skipped, and
// said so, where buildah and podman are not installed; `.ci/run` installs them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as containerImagesModule from '../../../tools/container-images/index.mjs';
import type * as ContainerImages from '../../../tools/container-images/index.d.ts';
import { spamRows } from './helpers.ts';

const images = containerImagesModule as typeof ContainerImages;
const TAG = 'localhost/vertexkit/train:test';
const missing = images.containerToolsMissing();
if (missing) console.warn(`train image tests SKIPPED: ${missing}`);

const csv = (rows: Array<{ text: string; label: string }>): string => `text,label\n${rows.map((r) => `${r.text},${r.label}`).join('\n')}\n`;

describe.skipIf(missing !== null)('the train image (buildah build, podman run)', () => {
  let oci: ContainerImages.OciEnvironment;
  let work: string;

  beforeAll(async () => {
    oci = await images.buildAppImage({ app: 'train', tag: TAG });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-image-'));
    await fs.chmod(work, 0o755);
  });
  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  /** A data folder (read-only in the container) and an output folder the container's uid 1000 can write. */
  async function folders(name: string, trainRows: number): Promise<{ data: string; out: string }> {
    const data = path.join(work, `${name}-data`);
    const out = path.join(work, `${name}-out`);
    await fs.mkdir(data);
    await fs.writeFile(path.join(data, 'train.csv'), csv(spamRows(trainRows, 3)));
    await fs.writeFile(path.join(data, 'dev.csv'), csv(spamRows(60, 4)));
    await fs.writeFile(path.join(data, 'test.csv'), csv(spamRows(60, 5)));
    await fs.chmod(data, 0o755);
    await fs.mkdir(out);
    await fs.chown(out, 1000, 1000);
    return { data, out };
  }

  // On Vertex AI these are gs:// URIs; a mounted folder stands in for the bucket here.
  const jobEnv = {
    CLOUD_ML_JOB_ID: '8812345678901234567',
    AIP_MODEL_DIR: '/out/jobs/8812345678901234567/model',
    AIP_CHECKPOINT_DIR: '/out/jobs/8812345678901234567/checkpoints',
  };

  test('runs a short training as a Vertex AI job would, as uid 1000, into a mounted folder', async () => {
    const { data, out } = await folders('short', 400);
    const container = await images.startContainer(oci, {
      image: TAG,
      env: jobEnv,
      volumes: [`${data}:/data:ro`, `${out}:/out`],
      args: ['--data', '/data', '--epochs', '3'],
    });
    try {
      const exitCode = await container.wait({ timeoutMs: 300_000 });
      const logs = await container.logs();
      expect(exitCode, logs).toBe(0);
      expect(logs).toContain('epoch 3/3');
      expect(logs).toMatch(/test: +accuracy 1\.0000/);
      const modelDir = path.join(out, 'jobs', jobEnv.CLOUD_ML_JOB_ID, 'model');
      const files = (await fs.readdir(modelDir)).sort();
      expect(files).toEqual(expect.arrayContaining(['config.json', 'manifest.json', 'metrics.json', 'model.onnx', 'tokenizer.json']));
      // Written by the image's unprivileged user, not root.
      expect((await fs.stat(path.join(modelDir, 'model.onnx'))).uid).toBe(1000);
      const config = JSON.parse(await fs.readFile(path.join(modelDir, 'config.json'), 'utf8')) as { id2label: Record<string, string> };
      expect(Object.values(config.id2label).sort()).toEqual(['ham', 'spam']);
    } finally {
      await container.remove();
    }
  });

  test('a bad argument exits 2 with the message, before any training', async () => {
    const container = await images.startContainer(oci, { image: TAG, env: jobEnv, args: ['--data', '/nowhere', '--epochs', 'ten'] });
    try {
      expect(await container.wait()).toBe(2);
      expect(await container.logs()).toMatch(/--epochs.*ten/);
    } finally {
      await container.remove();
    }
  });

  test('SIGTERM (how Vertex AI cancels a job) stops training within the grace period, exit 143', async () => {
    const { data, out } = await folders('cancel', 20_000);
    const container = await images.startContainer(oci, {
      image: TAG,
      env: jobEnv,
      volumes: [`${data}:/data:ro`, `${out}:/out`],
      args: ['--data', '/data', '--epochs', '200', '--patience', '200'],
    });
    try {
      let logs = '';
      for (let i = 0; i < 600 && !/training on/.test(logs); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        logs = await container.logs();
      }
      expect(logs).toContain('training on');
      const stopped = await container.stop({ timeoutSeconds: 10 });
      expect(stopped.exitCode, await container.logs()).toBe(143);
      expect(stopped.seconds).toBeLessThan(10);
    } finally {
      await container.remove();
    }
  });
});

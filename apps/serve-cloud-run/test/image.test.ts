// The app's image for real: built with buildah from the committed Dockerfile (the repository root as context,
// the committed Dockerfile.dockerignore), run with podman under the environment Vertex AI gives a custom serving
// container, asked for predictions over HTTP, and stopped with SIGTERM. The base image the Dockerfile starts FROM
// is made locally and offline (tools/container-images). Skipped, and said so, where buildah and podman are not
// installed; `.ci/run` installs them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error -- plain ESM module; its types are in index.d.ts (TypeScript looks for index.d.mts).
import * as containerImagesModule from '../../../tools/container-images/index.mjs';
import type * as ContainerImages from '../../../tools/container-images/index.d.ts';
import { buildTextClassifierDir } from '../../../packages/serve/test/fixtures/build-model.js';
import { renderNodeServeImage } from '@vertexkit/containers';
import { SERVE_IMAGE_OPTIONS } from '../deploy/image.ts';

const images = containerImagesModule as typeof ContainerImages;
const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const TAG = 'localhost/vertexkit/serve-cloud-run:test';
const missing = images.containerToolsMissing();
if (missing) console.warn(`serve-cloud-run image tests SKIPPED: ${missing}`);

describe.skipIf(missing !== null)('the serve-cloud-run image (buildah build, podman run)', () => {
  let oci: ContainerImages.OciEnvironment;
  let work: string;
  let modelDir: string;
  let reference: (texts: string[]) => number[][];

  beforeAll(async () => {
    oci = await images.buildAppImage({ app: 'serve-cloud-run', tag: TAG });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-serve-image-'));
    modelDir = path.join(work, 'model');
    const built = await buildTextClassifierDir(modelDir, { labels: ['ham', 'spam'], seed: 11 });
    reference = (texts) => built.referenceLogits(texts).map((row) => Array.from(row));
    // The container runs as uid 1000: the mounted model must be readable by others.
    await fs.chmod(work, 0o755);
    await fs.chmod(modelDir, 0o755);
  });
  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('the image runs as the unprivileged node user, and keeps the build-time CA bundle and npmrc out', async () => {
    const config = await images.inspectImage(oci, TAG);
    expect(config.User).toBe('node');
    expect(config.Cmd).toEqual(['node', 'src/main.ts']);
    expect(config.WorkingDir).toBe('/app/apps/serve-cloud-run');
    const { stdout } = await images.run(oci, 'podman', [
      'run', '--rm', '--runtime', 'runc', '--entrypoint', 'sh', TAG, '-c',
      'id -u; ls /usr/local/etc/npmrc /etc/ssl/certs/vertexkit-build-ca.crt 2>&1; ls /app/packages/serve/dist/index.js; ls /app/node_modules/onnxruntime-node/bin/napi-v6/; touch /app/x 2>&1 || echo read-only app',
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('1000');
    expect(stdout).toContain("cannot access '/usr/local/etc/npmrc'");
    expect(stdout).toContain("cannot access '/etc/ssl/certs/vertexkit-build-ca.crt'");
    expect(stdout).toContain('/app/packages/serve/dist/index.js');
    // Only linux is left of onnxruntime-node's per-platform binaries (prune), and the app's files are root's.
    expect(stdout).toMatch(/^linux$/m);
    expect(stdout).not.toMatch(/^(darwin|win32)$/m);
    expect(stdout).toContain('read-only app');
  });

  test('serves predictions under Vertex AI\'s environment and stops within the grace period on SIGTERM', async () => {
    const hostPort = await images.freePort();
    const route = '/v1/endpoints/1234/deployedModels/5678';
    const container = await images.startContainer(oci, {
      image: TAG,
      env: {
        AIP_HTTP_PORT: '8501',
        AIP_HEALTH_ROUTE: route,
        AIP_PREDICT_ROUTE: `${route}:predict`,
        AIP_STORAGE_URI: '/mnt/model',
        AIP_MODE: 'PREDICTION',
        AIP_DEPLOYED_MODEL_ID: '5678',
        AIP_ENDPOINT_ID: '1234',
      },
      ports: { [hostPort]: 8501 },
      volumes: [`${modelDir}:/mnt/model:ro`],
    });
    try {
      const base = `http://127.0.0.1:${hostPort}`;
      let health = 0;
      for (let i = 0; i < 300 && health !== 200; i++) {
        health = await fetch(`${base}${route}`).then((r) => r.status, () => 0);
        if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(health, await container.logs()).toBe(200);

      const texts = ['free money now click', 'lunch meeting tomorrow with the team', 'win a prize'];
      const response = await fetch(`${base}${route}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: texts.map((text) => ({ text })) }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { predictions: Array<{ labels: Array<{ label: string; score: number }> }> };
      expect(body.predictions).toHaveLength(texts.length);
      const expected = reference(texts).map(softmax);
      body.predictions.forEach((prediction, i) => {
        const scores = Object.fromEntries(prediction.labels.map(({ label, score }) => [label, score]));
        expect(scores.ham).toBeCloseTo(expected[i]![0]!, 5);
        expect(scores.spam).toBeCloseTo(expected[i]![1]!, 5);
      });

      // A request shape error is a 400 naming the field, and the server stays up.
      const bad = await fetch(`${base}${route}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instance": []}' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('instances');

      // PID 1 is the server itself, as uid 1000.
      const status = await container.exec(['cat', '/proc/1/status']);
      expect(status).toMatch(/^Uid:\s+1000\s/m);

      // Cloud Run and Vertex AI send SIGTERM and give 10 s before SIGKILL: the server drains and exits on its own.
      const stopped = await container.stop({ timeoutSeconds: 10 });
      expect(stopped.exitCode, await container.logs()).toBe(0);
      expect(stopped.seconds).toBeLessThan(10);
    } finally {
      await container.remove();
    }
  });

  test('with the model baked in (model.bake), it serves on Cloud Run\'s contract with nothing mounted', async () => {
    // The same app image options plus a model folder inside the build context, rendered and built here.
    const scratch = path.join(repoRoot, '.vertexkit', 'image-test');
    const bakedModel = path.join(scratch, 'model');
    await fs.rm(scratch, { recursive: true, force: true });
    const built = await buildTextClassifierDir(bakedModel, { labels: ['ham', 'spam'], seed: 23 });
    const image = renderNodeServeImage({ ...SERVE_IMAGE_OPTIONS, model: { bake: path.relative(repoRoot, bakedModel) } });
    await fs.writeFile(path.join(scratch, 'Dockerfile'), image.dockerfile);
    await fs.writeFile(path.join(scratch, 'Dockerfile.dockerignore'), image.dockerignore);
    const tag = 'localhost/vertexkit/serve-cloud-run:baked-test';
    await images.buildImage(oci, { context: repoRoot, dockerfile: path.join(scratch, 'Dockerfile'), ignorefile: path.join(scratch, 'Dockerfile.dockerignore'), tag });

    const hostPort = await images.freePort();
    const container = await images.startContainer(oci, { image: tag, env: { PORT: '8080', K_SERVICE: 'spam', K_REVISION: 'spam-00001-abc' }, ports: { [hostPort]: 8080 } });
    try {
      const base = `http://127.0.0.1:${hostPort}`;
      let health = 0;
      for (let i = 0; i < 300 && health !== 200; i++) {
        health = await fetch(`${base}/health`).then((r) => r.status, () => 0);
        if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(health, await container.logs()).toBe(200);
      const texts = ['claim your free prize', 'notes from the review'];
      const response = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: texts }) });
      const body = (await response.json()) as { predictions: Array<{ labels: Array<{ label: string; score: number }> }> };
      const expected = built.referenceLogits(texts).map((row) => softmax(Array.from(row)));
      body.predictions.forEach((prediction, i) => {
        const scores = Object.fromEntries(prediction.labels.map(({ label, score }) => [label, score]));
        expect(scores.spam).toBeCloseTo(expected[i]![1]!, 5);
      });
      expect(await container.exec(['sh', '-c', 'echo $MODEL_URI; ls /app/model'])).toBe('/app/model\nconfig.json\nmodel.onnx\ntokenizer.json\n');
      expect((await container.stop({ timeoutSeconds: 10 })).exitCode).toBe(0);
    } finally {
      await container.remove();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });
});

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
}

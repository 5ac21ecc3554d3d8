// This app's container image, as options of @vertexkit/containers. scripts/generate-deploy-files.mjs renders
// them into the committed Dockerfile and Dockerfile.dockerignore (a test fails when those are stale); change
// the image here.
import { renderNodeTrainImage, type NodeTrainImageOptions } from '@vertexkit/containers';

export const TRAIN_IMAGE_OPTIONS: NodeTrainImageOptions = {
  nodeVersion: 24,
  // The image is built from the repository root: the app and the workspace packages it runs on.
  appDir: 'apps/train',
  workspaces: [{ dir: 'packages/trainer' }, { dir: 'packages/storage' }, { dir: 'packages/jobs' }],
  // Vertex AI appends the job's args (--data gs://..., --epochs ...) to this ENTRYPOINT and sets
  // CLOUD_ML_JOB_ID, so the app trains in-process and writes the model to AIP_MODEL_DIR.
  command: ['node', 'src/main.ts'],
  labels: { 'org.opencontainers.image.source': 'https://github.com/vertexkit/vertexkit/tree/main/apps/train' },
};

export const trainImage = renderNodeTrainImage(TRAIN_IMAGE_OPTIONS);

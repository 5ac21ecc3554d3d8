// This app's container image and its Cloud Build, as options of @vertexkit/containers. `npm run generate:deploy`
// renders them into the committed Dockerfile, Dockerfile.dockerignore and cloudbuild.yaml (a test fails when
// those are stale); change them here.
import path from 'node:path';
import { listWorkspaceDependencies, renderCloudBuild, type CloudBuildOptions, renderNodeTrainImage, type NodeTrainImageOptions } from '@vertexkit/containers';

export const TRAIN_IMAGE_OPTIONS: NodeTrainImageOptions = {
  nodeVersion: 24,
  // The image is built from the repository root: the app and the workspace packages it runs on.
  appDir: 'apps/train',
  // The workspace packages in its package.json dependencies (and theirs): kept in step with what it imports.
  workspaces: await listWorkspaceDependencies({ root: path.resolve(import.meta.dirname, '..', '..', '..'), appDir: 'apps/train' }),
  // Vertex AI appends the job's args (--data gs://..., --epochs ...) to this ENTRYPOINT and sets
  // CLOUD_ML_JOB_ID, so the app trains in-process and writes the model to AIP_MODEL_DIR.
  command: ['node', 'src/main.ts'],
  labels: { 'org.opencontainers.image.source': 'https://github.com/vertexkit/vertexkit/tree/main/apps/train' },
};

export const trainImage = renderNodeTrainImage(TRAIN_IMAGE_OPTIONS);

/**
 * Cloud Build: install and build the workspace packages the image takes, build the image with BuildKit (which reads
 * Dockerfile.dockerignore), push it to Artifact Registry as $_REGION-docker.pkg.dev/$PROJECT_ID/$_REPOSITORY/train:$_TAG.
 * `gcloud builds submit --config=apps/train/cloudbuild.yaml --substitutions=_REGION=...,_REPOSITORY=...,_TAG=... .`
 * from the repository root (deploy/deploy.ts prints it).
 */
export const TRAIN_CLOUD_BUILD_OPTIONS: CloudBuildOptions = {
  image: { location: '$_REGION', repository: '$_REPOSITORY', name: 'train' },
  dockerfile: 'apps/train/Dockerfile',
  preSteps: [
    { id: 'install', name: 'node:24', entrypoint: 'npm', args: ['ci'] },
    // nx builds what the app depends on, from the project graph (the app's `build` target depends on `^build`).
    { id: 'build-packages', name: 'node:24', entrypoint: 'npx', args: ['nx', 'run', '@vertexkit/app-train:build'] },
  ],
  substitutions: { _REGION: 'us-central1', _REPOSITORY: 'vertexkit' },
};

export const trainCloudBuild = renderCloudBuild(TRAIN_CLOUD_BUILD_OPTIONS);

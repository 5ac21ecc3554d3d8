// This app's container image and its Cloud Build, as options of @vertexkit/containers. `npm run generate:deploy`
// renders them into the committed Dockerfile, Dockerfile.dockerignore and cloudbuild.yaml (a test fails when
// those are stale); change them here.
import path from 'node:path';
import { listWorkspaceDependencies, renderCloudBuild, type CloudBuildOptions, renderNodeServeImage, type NodeServeImageOptions } from '@vertexkit/containers';

export const SERVE_IMAGE_OPTIONS: NodeServeImageOptions = {
  nodeVersion: 24,
  // The image is built from the repository root: the app and the workspace packages it runs on.
  appDir: 'apps/serve-cloud-run',
  // The workspace packages in its package.json dependencies (and theirs): kept in step with what it imports.
  workspaces: await listWorkspaceDependencies({ root: path.resolve(import.meta.dirname, '..', '..', '..'), appDir: 'apps/serve-cloud-run' }),
  command: ['node', 'src/main.ts'],
  // CPU inference only: skip onnxruntime-node's CUDA download, and keep only the linux-x64 native binaries
  // (the package ships every platform's: about 220 MB the image never loads).
  installEnv: { ONNXRUNTIME_NODE_INSTALL: 'skip' },
  prune: [
    'node_modules/onnxruntime-node/bin/napi-v*/darwin',
    'node_modules/onnxruntime-node/bin/napi-v*/win32',
    'node_modules/onnxruntime-node/bin/napi-v*/linux/arm64',
  ],
  // No model in the image: MODEL_URI (Cloud Run) or AIP_STORAGE_URI (Vertex AI) says where it is at start,
  // so one image serves every model version.
  labels: { 'org.opencontainers.image.source': 'https://github.com/vertexkit/vertexkit/tree/main/apps/serve-cloud-run' },
};

export const serveImage = renderNodeServeImage(SERVE_IMAGE_OPTIONS);

/**
 * Cloud Build: install and build the workspace packages the image takes, build the image with BuildKit (which reads
 * Dockerfile.dockerignore), push it to Artifact Registry as $_REGION-docker.pkg.dev/$PROJECT_ID/$_REPOSITORY/serve-cloud-run:$_TAG.
 * `gcloud builds submit --config=apps/serve-cloud-run/cloudbuild.yaml --substitutions=_REGION=...,_REPOSITORY=...,_TAG=... .`
 * from the repository root (deploy/deploy.ts prints it).
 */
export const SERVE_CLOUD_BUILD_OPTIONS: CloudBuildOptions = {
  image: { location: '$_REGION', repository: '$_REPOSITORY', name: 'serve-cloud-run' },
  dockerfile: 'apps/serve-cloud-run/Dockerfile',
  preSteps: [
    { id: 'install', name: 'node:24', entrypoint: 'npm', args: ['ci'] },
    // nx builds what the app depends on, from the project graph (the app's `build` target depends on `^build`).
    { id: 'build-packages', name: 'node:24', entrypoint: 'npx', args: ['nx', 'run', '@vertexkit/app-serve-cloud-run:build'] },
  ],
  substitutions: { _REGION: 'us-central1', _REPOSITORY: 'vertexkit' },
};

export const serveCloudBuild = renderCloudBuild(SERVE_CLOUD_BUILD_OPTIONS);

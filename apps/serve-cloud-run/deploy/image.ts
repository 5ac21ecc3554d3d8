// This app's container image, as options of @vertexkit/containers. deploy/generate.ts renders them into the
// committed Dockerfile and Dockerfile.dockerignore (a test fails when those are stale); change the image here.
import { renderNodeServeImage, type NodeServeImageOptions } from '@vertexkit/containers';

export const SERVE_IMAGE_OPTIONS: NodeServeImageOptions = {
  nodeVersion: 24,
  // The image is built from the repository root: the app and the workspace packages it runs on.
  appDir: 'apps/serve-cloud-run',
  workspaces: [{ dir: 'packages/serve' }, { dir: 'packages/storage' }],
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

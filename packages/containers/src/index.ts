export { ContainersError, type ContainersErrorCode, type ContainersErrorOptions, type ContainersIssue } from './lib/containers-error.js';
export type { GcloudCommand, RenderedImage } from './lib/rendered-files.js';
export {
  renderNodeServeImage,
  BAKED_MODEL_DIR,
  type NodeServeImageOptions,
  type ServeImageModel,
} from './lib/node/render-node-serve-image.js';
export { renderNodeTrainImage, type NodeTrainImageOptions } from './lib/node/render-node-train-image.js';
export type { NodeImageOptions, WorkspacePackage } from './lib/node/render-node-app-image.js';
export {
  checkDockerfile,
  type CheckDockerfileOptions,
  type DockerfileFinding,
} from './lib/dockerfile/check-dockerfile.js';
export {
  vertexServingContainerSpec,
  type VertexServingContainerOptions,
  type VertexServingContainerSpec,
} from './lib/vertex/vertex-serving-container-spec.js';

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
export { listWorkspaceDependencies, type ListWorkspaceDependenciesOptions } from './lib/node/list-workspace-dependencies.js';
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
export { gcloudCommand, type GcloudCommandOptions } from './lib/gcloud/gcloud-command.js';
export type {
  CloudRunIngress,
  CloudRunLivenessProbeOptions,
  CloudRunProbeOptions,
  CloudRunServiceOptions,
} from './lib/cloud-run/cloud-run-service-options.js';
export { renderCloudRunService } from './lib/cloud-run/render-cloud-run-service.js';
export { cloudRunDeployCommand, type CloudRunDeployCommandOptions } from './lib/cloud-run/cloud-run-deploy-command.js';
export {
  cloudRunServicesReplaceCommand,
  type CloudRunServicesReplaceCommandOptions,
} from './lib/cloud-run/cloud-run-services-replace-command.js';
export { checkCloudRunService } from './lib/cloud-run/check-cloud-run-service.js';
export type { CloudBuildDeploy, CloudBuildImage, CloudBuildOptions, CloudBuildStep } from './lib/cloud-build/cloud-build-options.js';
export { renderCloudBuild } from './lib/cloud-build/render-cloud-build.js';
export { cloudBuildSubmitCommand, type CloudBuildSubmitCommandOptions } from './lib/cloud-build/cloud-build-submit-command.js';
export { checkCloudBuild } from './lib/cloud-build/check-cloud-build.js';
export {
  renderPythonTrainingImage,
  type PythonTrainingImageOptions,
  type TrainingImageUser,
} from './lib/python/render-python-training-image.js';
export {
  resolvePythonTrainingStack,
  type PipInstall,
  type PythonTrainingStack,
  type PythonTrainingStackOptions,
} from './lib/python/resolve-python-training-stack.js';
export { renderPythonPackageImage, type PythonPackageImageOptions } from './lib/python/render-python-package-image.js';
export { checkExecutorImage, type CheckExecutorImageOptions, type ExecutorImageCheck } from './lib/python/check-executor-image.js';
export {
  CUDA_BASE_IMAGES,
  FASTAI_RELEASES,
  FLAIR_RELEASES,
  PYTORCH_RELEASES,
  TENSORFLOW_RELEASES,
  VERTEX_PREBUILT_TRAINING_IMAGES,
  type CudaBaseImage,
  type PythonTrainingFramework,
  type PyTorchRelease,
  type TensorFlowRelease,
  type TorchLibraryRelease,
  type VertexPrebuiltTrainingImage,
} from './lib/python/python-training-stacks.js';

/**
 * `@vertexkit/jobs`: Vertex AI jobs, models and endpoints from typed specs, validated before any call, with a
 * local runner. Everything here works without `@google-cloud/aiplatform`; the API client, which needs it, is
 * `@vertexkit/jobs/client`.
 * @packageDocumentation
 */
export { JobsError, type JobsErrorCode, type JobsErrorOptions, type SpecIssue } from './lib/jobs-error.js';

// job handles, local runner (the API client: @vertexkit/jobs/client)
export type { JobHandle, JobKind, JobSnapshot, JobProgressEvent, WaitOptions } from './lib/job-handle.js';
export { isTerminalState, TERMINAL_STATES, type JobState } from './lib/job-state.js';
export {
  startLocalCustomJob,
  type LocalJobHandle,
  type LocalJobLogLine,
  type LocalRunnerOptions,
} from './lib/local-runner/run-local-job.js';
export {
  startLocalBatchPredictionJob,
  type StartLocalBatchPredictionJobParams,
  type LocalBatchPredictionJobHandle,
  type LocalBatchPredictionProgress,
} from './lib/local-batch/start-local-batch-prediction-job.js';
export type {
  BatchPredictionServer,
  PredictionServerUrl,
  PredictionServerCommand,
} from './lib/local-batch/prediction-server.js';
export type { BatchRetryPolicy } from './lib/local-batch/predict-request.js';
export {
  readBatchPredictionResults,
  readBatchPredictionErrors,
  type ReadBatchPredictionResultsParams,
  type BatchPredictionResult,
  type BatchPredictionError,
  type BatchPredictionErrorStatus,
  type BatchPredictionErrorStats,
} from './lib/read-batch-prediction-results.js';

// Python trainer packages (the Vertex AI SDK's and gcloud's autopackaging, without Docker)
export {
  packagePythonTrainer,
  type PackagePythonTrainerParams,
  type PythonTrainerPackage,
} from './lib/python/package-python-trainer.js';
export type { MetadataSource } from './lib/python/python-metadata.js';
export { PYTHON_PACKAGE_SECRET_PATTERNS, PYTHON_PACKAGE_IGNORED_PATTERNS } from './lib/python/package-files.js';

// specs, validation, gcloud
export type * as VertexTypes from './generated/vertex-types.js';
export type {
  AcceleratorType,
  ContainerSpec,
  DedicatedResources,
  DiskSpec,
  MachineSpec,
  ModelContainerSpec,
  PythonPackageSpec,
  Scheduling,
  StudySpec,
  WorkerPoolSpec,
} from './generated/vertex-types.js';
export type {
  DurationInput,
  DurationString,
  EnvInput,
  EnvVarInput,
  Int64Input,
  JsonObject,
  JsonValue,
  TimestampInput,
} from './lib/spec-inputs.js';
export type { KnownMachineType, MachineType } from './lib/machine-types.js';
export type { ValidateSpecOptions } from './lib/rules/common-rules.js';
export { validateResource, type ValidateResourceOptions } from './lib/validate-resource.js';
export { findSpecIssues, type SpecKindName } from './lib/specs/find-spec-issues.js';
export {
  validateCustomJobSpec,
  toCustomJobResource,
  type CustomJobSpec,
  type CustomJobResource,
} from './lib/specs/custom-job-spec.js';
export {
  validateHyperparameterTuningJobSpec,
  toHyperparameterTuningJobResource,
  type HyperparameterTuningJobSpec,
  type HyperparameterTuningJobResource,
} from './lib/specs/hyperparameter-tuning-job-spec.js';
export {
  validateBatchPredictionJobSpec,
  toBatchPredictionJobResource,
  type BatchPredictionJobSpec,
  type BatchPredictionJobResource,
} from './lib/specs/batch-prediction-job-spec.js';
export {
  validateModelUploadSpec,
  toUploadModelRequest,
  type ModelUploadSpec,
  type UploadModelRequestResource,
} from './lib/specs/model-upload-spec.js';
export { validateEndpointSpec, toEndpointResource, type EndpointSpec, type EndpointResource } from './lib/specs/endpoint-spec.js';
export {
  validateDeployModelSpec,
  toDeployModelRequest,
  validateUndeployModelSpec,
  toUndeployModelRequest,
  type DeployModelSpec,
  type UndeployModelSpec,
  type DeployModelRequestResource,
} from './lib/specs/deploy-model-spec.js';
export {
  scaleTierToWorkerPoolSpecs,
  legacyMachineTypeToMachineSpec,
  LEGACY_MACHINE_TYPES,
  type ScaleTier,
  type LegacyMachineType,
  type ScaleTierTask,
  type CustomScaleTier,
  type ScaleTierConversion,
  type MachineSpecConversion,
} from './lib/scale-tiers.js';
export {
  parseWorkerPoolSpecFlag,
  type WorkerPoolFlagContext,
  type ParsedWorkerPoolSpec,
  type WorkerPoolAutopackaging,
  type ExecutorImageCheck,
} from './lib/gcloud/worker-pool-spec-flag.js';
export {
  renderGcloudCommand,
  type GcloudRenderable,
  type RenderGcloudOptions,
  type GcloudCommand,
} from './lib/gcloud/render-gcloud-command.js';

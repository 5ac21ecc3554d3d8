// Every call validates its spec (JobsError INVALID_SPEC listing every issue) and converts it to what the
// official client must be given, before anything is sent.
export {
  toBatchPredictionJobResource as prepareBatchPredictionJob,
  type BatchPredictionJobSpec as BatchPredictionJobInput,
} from '../specs/batch-prediction-job-spec.js';
export { toCustomJobResource as prepareCustomJob, type CustomJobSpec as CustomJobInput } from '../specs/custom-job-spec.js';
export { toDeployModelRequest as prepareDeployModel, type DeployModelSpec as DeployModelInput } from '../specs/deploy-model-spec.js';
export { toEndpointResource as prepareEndpoint, type EndpointSpec as EndpointInput } from '../specs/endpoint-spec.js';
export {
  toHyperparameterTuningJobResource as prepareHyperparameterTuningJob,
  type HyperparameterTuningJobSpec as HyperparameterTuningJobInput,
} from '../specs/hyperparameter-tuning-job-spec.js';
export { toUploadModelRequest as prepareModelUpload, type ModelUploadSpec as ModelUploadInput } from '../specs/model-upload-spec.js';

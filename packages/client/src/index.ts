/**
 * `@vertexkit/client`: one typed `predict()` over Vertex AI endpoints, Cloud Run services and any URL,
 * with `predictMany()` for large inputs, retries and one error type. google-auth-library is its only
 * dependency, loaded only when a Google target needs a token.
 * @packageDocumentation
 */
export {
  createPredictionClient,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_INSTANCES_PER_REQUEST,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TIMEOUT_MS,
  type PredictionClient,
  type PredictionClientOptions,
  type PredictOptions,
} from './lib/create-prediction-client.js';
export type { PredictManyOptions, PredictManyProgress, PredictManyResult } from './lib/predict-many.js';
export type { PredictResult } from './lib/send-prediction-request.js';
export type {
  AccessTokenClient,
  CloudRunTarget,
  IdTokenClientFactory,
  PredictionTarget,
  UrlTarget,
  VertexEndpointNameTarget,
  VertexEndpointOptions,
  VertexEndpointPartsTarget,
  VertexEndpointTarget,
} from './lib/prediction-target.js';
export type { TargetKind } from './lib/resolve-target.js';
export { DEFAULT_RETRY, type RetryEvent, type RetryOptions } from './lib/retry-options.js';
export { PredictionError, type PredictionErrorCode, type PredictionErrorOptions } from './lib/prediction-error.js';
export type { LabelScore, TextClassificationInstance, TextClassificationParameters, TextClassificationPrediction } from './lib/text-classification.js';
export { VERSION } from './lib/version.js';

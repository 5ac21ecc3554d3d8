/**
 * `@vertexkit/serve`: a prediction server for ONNX text models on Vertex AI and Cloud Run.
 * @packageDocumentation
 */
export { InvalidInputError, type PredictionHandler, type ModelDescription, type JsonSchema, type ExampleRequest } from './lib/handler.js';
export { fetchModel, type FetchModelParams } from './lib/fetch-model.js';
export {
  createTextClassificationHandler,
  type TextClassificationHandler,
  type TextClassificationHandlerOptions,
  type TextClassificationPrediction,
  type TextClassificationParams,
  type LabelScore,
} from './lib/model/text-classifier.js';
export {
  loadModelDirectory,
  type LoadModelDirectoryOptions,
  type ModelDirectory,
  type EncodedText,
  type ProblemType,
} from './lib/model/load-model-directory.js';
export { ModelDirectoryError } from './lib/model/model-directory-error.js';
export { createPredictionServer, type PredictionServer, type ServerStatus } from './lib/server/create-prediction-server.js';
export type { PredictionServerOptions, BatchingOptions, PredictionServerLoggerOptions, OpenApiOptions } from './lib/server/options.js';
export { DynamicBatcher, type DynamicBatcherOptions, type BatchEvent } from './lib/server/dynamic-batcher.js';
export { PredictionServerError, type PredictionServerErrorCode } from './lib/server/errors.js';

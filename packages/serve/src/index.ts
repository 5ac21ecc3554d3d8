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
export { createModelHandler, type ModelHandler, type ModelHandlerOptions, type ModelKind } from './lib/create-model-handler.js';
export {
  createTextGenerationHandler,
  type TextGenerationHandler,
  type TextGenerationHandlerOptions,
  type TextGenerationParams,
  type TextGenerationPrediction,
  type TextGenerationResponseFormat,
} from './lib/generation/text-generation-handler.js';
export { loadSeq2SeqDirectory, isSeq2SeqDirectory, type Seq2SeqDirectory, type DecoderChoice, type DecoderFiles } from './lib/generation/load-seq2seq-directory.js';
export { parseGenerationParameters, GENERATION_PARAMETERS, MAX_BEAMS, type GenerationOptions } from './lib/generation/generation-options.js';
export type { GenerationEngineOptions } from './lib/generation/generation-engine.js';
export type { GeneratedSequence } from './lib/generation/sequence-search.js';
export { createPredictionServer, type PredictionServer, type ServerStatus } from './lib/server/create-prediction-server.js';
export type { PredictionServerOptions, BatchingOptions, PredictionServerLoggerOptions, OpenApiOptions } from './lib/server/options.js';
export { DynamicBatcher, type DynamicBatcherOptions, type BatchEvent, type BatchTicket } from './lib/server/dynamic-batcher.js';
export { PredictionServerError, type PredictionServerErrorCode } from './lib/server/errors.js';

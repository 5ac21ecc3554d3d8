/**
 * `@vertexkit/serve`: a prediction server for ONNX text models on Vertex AI and Cloud Run.
 * @packageDocumentation
 */
export { InvalidInputError, type PredictionHandler } from './lib/handler.js';
export { fetchModel, type FetchModelParams } from './lib/fetch-model.js';

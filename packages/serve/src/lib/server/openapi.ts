import type { OpenApiOptions } from './options.js';
import { FIXED_ROUTES } from './options.js';

/** What the OpenAPI document needs to know about the server. */
export interface OpenApiParams {
  predictRoute: string;
  healthRoute: string;
  apiKeyRequired: boolean;
  maxQueueSize: number;
  bodyLimitBytes: number;
  openApi: OpenApiOptions;
}

/** A JSON object, as the OpenAPI document is one. */
export type JsonObject = { [key: string]: unknown };

/** The request the docs page's "try it" form starts with, when the options give none. */
export const DEFAULT_EXAMPLE_REQUEST = Object.freeze({ instances: ['hello world'] });

const errorRef = (description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * The OpenAPI 3.1 document served at `/openapi.json`: the predict and health routes with their request
 * and response schemas (the instance, parameters and prediction schemas come from `openApi` options),
 * every error answer, and the API key scheme when one is required.
 */
export function buildOpenApiDocument(params: OpenApiParams): JsonObject {
  const { openApi } = params;
  const security = params.apiKeyRequired ? [{ apiKeyHeader: [] }, { bearer: [] }] : undefined;
  const example = openApi.exampleRequest ?? DEFAULT_EXAMPLE_REQUEST;

  const predict: JsonObject = {
    operationId: 'predict',
    summary: 'Predict',
    description:
      'Vertex AI prediction format. Instances from concurrent requests are batched into shared model runs; ' +
      'predictions come back in the order of the instances.',
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictRequest' }, example } },
    },
    responses: {
      '200': {
        description: 'One prediction per instance, in order.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictResponse' } } },
      },
      '400': errorRef('Malformed JSON, or a body, instance or parameter the model cannot take; the message names the path.'),
      ...(params.apiKeyRequired ? { '401': errorRef('Missing or wrong API key.') } : {}),
      '413': errorRef(`Body larger than ${params.bodyLimitBytes} bytes.`),
      '415': errorRef('Body not sent as application/json.'),
      '429': errorRef(`More than ${params.maxQueueSize} instances waiting for the model; retry after the Retry-After header.`),
      '500': errorRef('The model failed on this request; the server logged the cause under the request id.'),
      '503': errorRef('The model is loading (retry after Retry-After), failed to load, or the server is shutting down.'),
    },
    ...(security ? { security } : {}),
  };

  const healthResponse = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } };
  const health: JsonObject = {
    operationId: 'health',
    summary: 'Readiness',
    description: '200 once the model is loaded; 503 while loading, after a failed load, and while shutting down.',
    responses: {
      '200': { description: 'Ready to predict.', ...healthResponse },
      '503': { description: 'Not ready: loading, failed or draining.', ...healthResponse },
    },
  };

  const metrics: JsonObject = {
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    ...(security ? { security } : {}),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: openApi.title ?? 'Prediction server',
      version: openApi.version ?? '1.0.0',
      ...(openApi.description ? { description: openApi.description } : {}),
    },
    paths: {
      [params.predictRoute]: { post: predict },
      [params.healthRoute]: { get: health },
      [FIXED_ROUTES.metrics]: { get: metrics },
    },
    components: {
      schemas: {
        PredictRequest: {
          type: 'object',
          required: ['instances'],
          properties: {
            instances: { type: 'array', minItems: 1, maxItems: params.maxQueueSize, items: openApi.instanceSchema ?? {} },
            parameters: openApi.parametersSchema ?? { type: 'object' },
          },
        },
        PredictResponse: {
          type: 'object',
          required: ['predictions'],
          properties: { predictions: { type: 'array', items: openApi.predictionSchema ?? {} } },
        },
        Health: {
          type: 'object',
          required: ['status'],
          properties: {
            status: { type: 'string', enum: ['ok', 'loading', 'failed', 'draining'] },
            error: { type: 'string', description: 'Why the model failed to load (status "failed" only).' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'status', 'message', 'requestId'],
              properties: {
                code: { type: 'integer', description: 'The HTTP status.' },
                status: { type: 'string', description: 'google.rpc.Code name, e.g. INVALID_ARGUMENT.' },
                message: { type: 'string' },
                requestId: { type: 'string', description: 'Also in the x-request-id header and on every log line of the request.' },
              },
            },
          },
        },
      },
      ...(params.apiKeyRequired
        ? {
            securitySchemes: {
              apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
              bearer: { type: 'http', scheme: 'bearer' },
            },
          }
        : {}),
    },
  };
}

import type { ExampleRequest, ModelDescription } from '../handler.js';
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
  /** What the handler said about its model (`handler.describe()`), once loaded. */
  model?: ModelDescription | undefined;
  /** The handler will describe its model once loaded: say so until then. */
  describedLater?: boolean;
}

/** A JSON object, as the OpenAPI document is one. */
export type JsonObject = { [key: string]: unknown };

/** The request the docs start with, when neither the options nor the handler give one. */
export const DEFAULT_EXAMPLE_REQUEST: ExampleRequest = Object.freeze({ instances: ['hello world'] });

/** The title, summary, details and example request, from the options first, then the handler's description. */
export interface ApiSummary {
  title: string;
  version: string;
  /** The options' description, else the handler's summary (plain text). */
  summary: string | undefined;
  details: Record<string, string>;
  exampleRequest: ExampleRequest;
}

/** What the options and the handler's description say, options first, with the defaults filled in. */
export function summarizeApi(params: OpenApiParams): ApiSummary {
  const { openApi, model } = params;
  const named = model?.name ? (model.task ? `${model.name} (${model.task})` : model.name) : undefined;
  const later = params.describedLater && !model ? 'Instances, parameters and predictions are described here once the model is loaded.' : undefined;
  return {
    title: openApi.title ?? named ?? 'Prediction server',
    version: openApi.version ?? '1.0.0',
    summary: openApi.description ?? model?.summary ?? later,
    details: openApi.description === undefined ? { ...model?.details } : {},
    exampleRequest: openApi.exampleRequest ?? model?.exampleRequest ?? DEFAULT_EXAMPLE_REQUEST,
  };
}

const errorRef = (description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * The OpenAPI 3.1 document served at `/openapi.json`: the predict and health routes with their request
 * and response schemas (the instance, parameters and prediction schemas come from the `openApi` options,
 * else from the handler's description of its model), every error answer, and the API key scheme when one
 * is required.
 */
export function buildOpenApiDocument(params: OpenApiParams): JsonObject {
  const { openApi, model } = params;
  const security = params.apiKeyRequired ? [{ apiKeyHeader: [] }, { bearer: [] }] : undefined;
  const api = summarizeApi(params);
  const example = api.exampleRequest;
  const description = markdownDescription(api);

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
      title: api.title,
      version: api.version,
      ...(description ? { description } : {}),
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
            instances: {
              type: 'array',
              minItems: 1,
              maxItems: params.maxQueueSize,
              description: 'The inputs, answered in order; instances of concurrent requests share model runs.',
              items: { $ref: '#/components/schemas/Instance' },
            },
            parameters: { $ref: '#/components/schemas/Parameters' },
          },
        },
        PredictResponse: {
          type: 'object',
          required: ['predictions'],
          properties: {
            predictions: {
              type: 'array',
              description: 'One prediction per instance, in the order of the instances.',
              items: { $ref: '#/components/schemas/Prediction' },
            },
          },
        },
        Instance: openApi.instanceSchema ?? model?.instanceSchema ?? { description: 'One instance: any JSON value the model takes.' },
        Parameters: openApi.parametersSchema ??
          model?.parametersSchema ?? { type: 'object', description: 'Options for the whole request, as the model takes them.' },
        Prediction: openApi.predictionSchema ?? model?.predictionSchema ?? { description: 'The prediction for one instance.' },
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

/** The summary, then the details as a list: what OpenAPI viewers show under the title (CommonMark). */
function markdownDescription(api: ApiSummary): string | undefined {
  const details = Object.entries(api.details).map(([name, value]) => `- **${name}**: ${value}`);
  const parts = [api.summary, details.length > 0 ? details.join('\n') : undefined].filter((part) => part !== undefined && part !== '');
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

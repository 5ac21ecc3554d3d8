import { createRequire } from 'node:module';

/**
 * The few calls of the official GAPIC clients this package makes, typed here: the clients' own .d.ts pull in
 * 5 MB of generated protobuf types, and their shapes are all we need.
 */
type Call<Request, Response> = (request: Request) => Promise<[Response, ...unknown[]]>;
interface Operation<Response> {
  name: string;
  promise(): Promise<[Response, ...unknown[]]>;
}
type Resource = Record<string, unknown>;

export interface JobServiceApi {
  createCustomJob: Call<{ parent: string; customJob: Resource }, Resource>;
  getCustomJob: Call<{ name: string }, Resource>;
  cancelCustomJob: Call<{ name: string }, unknown>;
  listCustomJobsAsync(request: { parent: string; filter?: string; pageSize?: number }): AsyncIterable<Resource>;
  createHyperparameterTuningJob: Call<{ parent: string; hyperparameterTuningJob: Resource }, Resource>;
  getHyperparameterTuningJob: Call<{ name: string }, Resource>;
  cancelHyperparameterTuningJob: Call<{ name: string }, unknown>;
  listHyperparameterTuningJobsAsync(request: { parent: string; filter?: string; pageSize?: number }): AsyncIterable<Resource>;
  createBatchPredictionJob: Call<{ parent: string; batchPredictionJob: Resource }, Resource>;
  getBatchPredictionJob: Call<{ name: string }, Resource>;
  cancelBatchPredictionJob: Call<{ name: string }, unknown>;
  listBatchPredictionJobsAsync(request: { parent: string; filter?: string; pageSize?: number }): AsyncIterable<Resource>;
  close(): Promise<void>;
}

export interface ModelServiceApi {
  uploadModel: Call<{ parent: string; model: Resource; modelId?: string; parentModel?: string }, Operation<{ model: string; modelVersionId?: string }>>;
  getModel: Call<{ name: string }, Resource>;
  close(): Promise<void>;
}

export interface EndpointServiceApi {
  createEndpoint: Call<{ parent: string; endpoint: Resource; endpointId?: string }, Operation<Resource>>;
  getEndpoint: Call<{ name: string }, Resource>;
  deployModel: Call<{ endpoint: string; deployedModel: Resource; trafficSplit?: Record<string, number> }, Operation<{ deployedModel: Resource }>>;
  undeployModel: Call<{ endpoint: string; deployedModelId: string; trafficSplit?: Record<string, number> }, Operation<Resource>>;
  close(): Promise<void>;
}

type ClientConstructor<T> = new (options: Record<string, unknown>) => T;

const SERVICES = {
  job: ['job_service_client', 'JobServiceClient'],
  model: ['model_service_client', 'ModelServiceClient'],
  endpoint: ['endpoint_service_client', 'EndpointServiceClient'],
} as const;

/**
 * Loads one service's client from @google-cloud/aiplatform, on first use. The package's index loads every
 * service of every API version (1.4 s cold here); one service's module is about 0.3 s, and a program that only
 * validates specs or runs jobs locally never pays it. `require` rather than `import()`: the package is
 * CommonJS without an exports map, and this works the same from the ESM and the CJS build.
 */
export function loadServiceClient<T>(service: keyof typeof SERVICES, options: Record<string, unknown>): T {
  const [file, exportName] = SERVICES[service];
  const require = createRequire(import.meta.url);
  const module = require(`@google-cloud/aiplatform/build/src/v1/${file}.js`) as Record<string, ClientConstructor<T>>;
  return new module[exportName]!(options);
}

import { createRequire } from 'node:module';
import { JobsError } from '../jobs-error.js';

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
 * The versions of @google-cloud/aiplatform this package is built and tested against: its optional peer dependency
 * (package.json `peerDependencies`, checked by a test). Only the API client needs it.
 */
export const AIPLATFORM_RANGE = '^7.4.0';

const INSTALL = `npm install @google-cloud/aiplatform@${AIPLATFORM_RANGE}`;

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Only a missing @google-cloud/aiplatform (or a file of it): a dependency of it missing is a broken install,
  // whose own error says more than ours would.
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.split('\n')[0]?.includes(`'${specifier}`) === true;
}

/**
 * Checks that @google-cloud/aiplatform can be loaded from here, and returns its version. Reads only its
 * package.json: the clients themselves load on the first call of each service.
 *
 * @throws JobsError MISSING_DEPENDENCY naming the package and the command that installs it
 */
export function requireAiplatformVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    return String((require('@google-cloud/aiplatform/package.json') as { version?: unknown }).version);
  } catch (error) {
    if (!isModuleNotFound(error, '@google-cloud/aiplatform')) throw error;
    throw new JobsError(
      'MISSING_DEPENDENCY',
      `createJobsClient needs @google-cloud/aiplatform, which is not installed: @vertexkit/jobs calls Vertex AI through ` +
        'it and leaves it out of its own dependencies (an optional peer dependency), so that validation, gcloud rendering ' +
        `and the local runner install small. Install it beside @vertexkit/jobs: ${INSTALL}`,
      { cause: error },
    );
  }
}

/**
 * Loads one service's client from @google-cloud/aiplatform, on first use. The package's index loads every
 * service of every API version (1.4 s cold here); one service's module is about 0.3 s, and a program that only
 * validates specs or runs jobs locally never pays it. `require` rather than `import()`: the package is
 * CommonJS without an exports map, and this works the same from the ESM and the CJS build.
 *
 * @throws JobsError MISSING_DEPENDENCY when the package is missing, or is a version without this service's module
 */
export function loadServiceClient<T>(service: keyof typeof SERVICES, options: Record<string, unknown>): T {
  const [file, exportName] = SERVICES[service];
  const require = createRequire(import.meta.url);
  const specifier = `@google-cloud/aiplatform/build/src/v1/${file}.js`;
  let module: Record<string, ClientConstructor<T>>;
  try {
    module = require(specifier) as Record<string, ClientConstructor<T>>;
  } catch (error) {
    if (!isModuleNotFound(error, '@google-cloud/aiplatform')) throw error;
    const version = requireAiplatformVersion();
    throw new JobsError(
      'MISSING_DEPENDENCY',
      `@google-cloud/aiplatform@${version} has no ${specifier.slice('@google-cloud/aiplatform/'.length)}; @vertexkit/jobs ` +
        `needs @google-cloud/aiplatform@${AIPLATFORM_RANGE}: ${INSTALL}`,
      { cause: error },
    );
  }
  return new module[exportName]!(options);
}

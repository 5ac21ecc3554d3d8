import { waitForJob, type JobHandle, type JobKind, type JobSnapshot, type WaitOptions } from '../job-handle.js';
import { JobsError } from '../jobs-error.js';
import {
  loadServiceClient,
  requireAiplatformVersion,
  type EndpointServiceApi,
  type JobServiceApi,
  type ModelServiceApi,
} from './load-clients.js';
import { toJobSnapshot } from './job-snapshot.js';
import {
  prepareBatchPredictionJob,
  prepareCustomJob,
  prepareDeployModel,
  prepareEndpoint,
  prepareHyperparameterTuningJob,
  prepareModelUpload,
  type BatchPredictionJobInput,
  type CustomJobInput,
  type DeployModelInput,
  type EndpointInput,
  type HyperparameterTuningJobInput,
  type ModelUploadInput,
} from './prepare-resources.js';

/** Options of {@link createJobsClient}. */
export interface JobsClientOptions {
  /** Google Cloud project ID (or number). */
  project: string;
  /** Vertex AI region, e.g. `us-central1`. Jobs, models and endpoints live in one region. */
  location: string;
  /**
   * Passed to the official @google-cloud/aiplatform clients: `credentials`, `keyFilename`, `apiEndpoint`
   * (default `<location>-aiplatform.googleapis.com`, the regional endpoint Vertex AI requires), `port`,
   * `sslCreds`, `authClient`... Application Default Credentials by default.
   */
  clientOptions?: Record<string, unknown>;
  /** Default poll interval of `wait()`. Default 10 s. */
  pollIntervalMs?: number;
}

/** A model uploaded to the Model Registry. */
export interface UploadedModel {
  /** `projects/p/locations/l/models/123`. */
  model: string;
  modelVersionId?: string;
}

/** A model deployed to an endpoint. */
export interface DeployedModelInfo {
  endpoint: string;
  deployedModelId: string;
  deployedModel: Record<string, unknown>;
}

/** What {@link createJobsClient} returns. */
export interface JobsClient {
  readonly project: string;
  readonly location: string;
  /** `projects/<project>/locations/<location>`. */
  readonly parent: string;
  /** Validates the spec (JobsError INVALID_SPEC lists every problem), then creates the CustomJob. */
  submitCustomJob(spec: CustomJobInput): Promise<JobHandle>;
  submitHyperparameterTuningJob(spec: HyperparameterTuningJobInput): Promise<JobHandle>;
  submitBatchPredictionJob(spec: BatchPredictionJobInput): Promise<JobHandle>;
  /** A handle on an existing job, by resource name (the kind is read from the name). */
  job(name: string): JobHandle;
  /** Jobs of one kind, newest first as the service lists them, optionally only those with all these labels. */
  listJobs(options?: { kind?: JobKind; labels?: Record<string, string>; filter?: string }): AsyncIterable<JobSnapshot>;
  /** Uploads a model (serving container, artifact URI) and waits for the operation. */
  uploadModel(spec: ModelUploadInput): Promise<UploadedModel>;
  /** Creates an endpoint and waits for the operation; returns its resource name. */
  createEndpoint(spec: EndpointInput): Promise<string>;
  /** Deploys a model to an endpoint (machine type, replicas, traffic split) and waits for the operation. */
  deployModel(endpoint: string, spec: DeployModelInput): Promise<DeployedModelInfo>;
  /** Undeploys a model from an endpoint and waits for the operation. */
  undeployModel(options: { endpoint: string; deployedModelId: string; trafficSplit?: Record<string, number> }): Promise<void>;
  /** Closes the gRPC channels of the clients loaded so far. */
  close(): Promise<void>;
}

const COLLECTIONS: Record<JobKind, string> = {
  customJob: 'customJobs',
  hyperparameterTuningJob: 'hyperparameterTuningJobs',
  batchPredictionJob: 'batchPredictionJobs',
};
const METHOD_SUFFIX: Record<JobKind, 'CustomJob' | 'HyperparameterTuningJob' | 'BatchPredictionJob'> = {
  customJob: 'CustomJob',
  hyperparameterTuningJob: 'HyperparameterTuningJob',
  batchPredictionJob: 'BatchPredictionJob',
};

/**
 * Vertex AI jobs, models and endpoints for one project and region: typed specs validated before any call,
 * job handles that wait with progress, errors that say what failed. The official clients (the optional peer
 * dependency `@google-cloud/aiplatform`) load on first use, one service at a time.
 *
 * @example
 * ```ts
 * import { createJobsClient } from '@vertexkit/jobs/client';
 *
 * const jobs = createJobsClient({ project: 'my-project', location: 'us-central1' });
 * const job = await jobs.submitCustomJob(spec);
 * await job.wait({ onProgress: (event) => event.type === 'state' && console.log(event.state) });
 * ```
 *
 * @throws JobsError INVALID_ARGUMENT for a missing project or a malformed location; MISSING_DEPENDENCY, naming the
 *   command that installs it, when `@google-cloud/aiplatform` is not installed (checked here, not at the first call)
 */
export function createJobsClient(options: JobsClientOptions): JobsClient {
  if (!options.project) throw new JobsError('INVALID_ARGUMENT', 'project: required, e.g. "my-project"');
  if (!options.location || !/^[a-z]+-[a-z]+\d$/.test(options.location)) {
    throw new JobsError('INVALID_ARGUMENT', `location: expected a Vertex AI region such as "us-central1", got ${JSON.stringify(options.location)}`);
  }
  requireAiplatformVersion();
  const parent = `projects/${options.project}/locations/${options.location}`;
  const clientOptions = { apiEndpoint: `${options.location}-aiplatform.googleapis.com`, ...options.clientOptions };
  const defaultPollIntervalMs = options.pollIntervalMs ?? 10_000;
  let jobService: JobServiceApi | undefined;
  let modelService: ModelServiceApi | undefined;
  let endpointService: EndpointServiceApi | undefined;
  const jobApi = () => (jobService ??= loadServiceClient<JobServiceApi>('job', clientOptions));
  const modelApi = () => (modelService ??= loadServiceClient<ModelServiceApi>('model', clientOptions));
  const endpointApi = () => (endpointService ??= loadServiceClient<EndpointServiceApi>('endpoint', clientOptions));

  const call = async <T>(what: string, resource: string | undefined, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toJobsError(what, resource, error);
    }
  };

  const handle = (kind: JobKind, name: string): JobHandle => {
    const suffix = METHOD_SUFFIX[kind];
    const get = async () => {
      const api = jobApi() as unknown as Record<string, (request: { name: string }) => Promise<[Record<string, unknown>]>>;
      const [resource] = await call(`get ${name}`, name, () => api[`get${suffix}`]!({ name }));
      return toJobSnapshot(kind, resource);
    };
    return {
      name,
      kind,
      get,
      wait: (waitOptions: WaitOptions = {}) => waitForJob(get, { defaultPollIntervalMs, ...waitOptions }),
      async cancel() {
        const api = jobApi() as unknown as Record<string, (request: { name: string }) => Promise<unknown>>;
        await call(`cancel ${name}`, name, () => api[`cancel${suffix}`]!({ name }));
      },
    };
  };

  const submit = async (kind: JobKind, resource: Record<string, unknown>): Promise<JobHandle> => {
    const field = kind;
    const api = jobApi() as unknown as Record<string, (request: Record<string, unknown>) => Promise<[Record<string, unknown>]>>;
    const [created] = await call(`create ${METHOD_SUFFIX[kind]} "${String(resource['displayName'])}"`, parent, () => api[`create${METHOD_SUFFIX[kind]}`]!({ parent, [field]: resource }));
    return handle(kind, String(created['name']));
  };

  return {
    project: options.project,
    location: options.location,
    parent,
    submitCustomJob: async (spec) => submit('customJob', prepareCustomJob(spec)),
    submitHyperparameterTuningJob: async (spec) => submit('hyperparameterTuningJob', prepareHyperparameterTuningJob(spec)),
    submitBatchPredictionJob: async (spec) => submit('batchPredictionJob', prepareBatchPredictionJob(spec)),
    job(name) {
      const kind = (Object.keys(COLLECTIONS) as JobKind[]).find((candidate) => name.includes(`/${COLLECTIONS[candidate]}/`));
      if (!kind) {
        throw new JobsError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not a job name; expected projects/<project>/locations/<location>/{customJobs,hyperparameterTuningJobs,batchPredictionJobs}/<id>`);
      }
      return handle(kind, name);
    },
    async *listJobs(listOptions = {}) {
      const kind = listOptions.kind ?? 'customJob';
      const labelFilter = Object.entries(listOptions.labels ?? {}).map(([key, value]) => `labels.${key}=${JSON.stringify(value)}`);
      const filter = [...labelFilter, ...(listOptions.filter ? [listOptions.filter] : [])].join(' AND ');
      const api = jobApi() as unknown as Record<string, (request: Record<string, unknown>) => AsyncIterable<Record<string, unknown>>>;
      try {
        for await (const resource of api[`list${METHOD_SUFFIX[kind]}sAsync`]!({ parent, ...(filter ? { filter } : {}) })) {
          yield toJobSnapshot(kind, resource);
        }
      } catch (error) {
        throw toJobsError(`list ${COLLECTIONS[kind]}`, parent, error);
      }
    },
    async uploadModel(spec) {
      const request = prepareModelUpload(spec);
      return call(`upload model "${String((request['model'] as Record<string, unknown>)['displayName'])}"`, parent, async () => {
        const [operation] = await modelApi().uploadModel({ parent, ...request } as Parameters<ModelServiceApi['uploadModel']>[0]);
        const [response] = await operation.promise();
        return { model: response.model, ...(response.modelVersionId ? { modelVersionId: response.modelVersionId } : {}) };
      });
    },
    async createEndpoint(spec) {
      const request = prepareEndpoint(spec);
      return call(`create endpoint "${String(request['displayName'])}"`, parent, async () => {
        const [operation] = await endpointApi().createEndpoint({ parent, endpoint: request });
        const [endpoint] = await operation.promise();
        return String(endpoint['name']);
      });
    },
    async deployModel(endpoint, spec) {
      const request = prepareDeployModel(spec);
      return call(`deploy to ${endpoint}`, endpoint, async () => {
        const [operation] = await endpointApi().deployModel({ ...request, endpoint } as Parameters<EndpointServiceApi['deployModel']>[0]);
        const [response] = await operation.promise();
        return { endpoint, deployedModelId: String(response.deployedModel['id']), deployedModel: response.deployedModel };
      });
    },
    async undeployModel({ endpoint, deployedModelId, trafficSplit }) {
      await call(`undeploy ${deployedModelId} from ${endpoint}`, endpoint, async () => {
        const [operation] = await endpointApi().undeployModel({ endpoint, deployedModelId, ...(trafficSplit ? { trafficSplit } : {}) });
        await operation.promise();
      });
    },
    async close() {
      await Promise.all([jobService?.close(), modelService?.close(), endpointService?.close()]);
    },
  };
}

/** gRPC status codes the service answers with, by number. */
const GRPC_CODES: Record<number, string> = { 3: 'INVALID_ARGUMENT', 5: 'NOT_FOUND', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 16: 'UNAUTHENTICATED' };

function toJobsError(what: string, resource: string | undefined, error: unknown): JobsError {
  if (JobsError.isInstance(error)) return error;
  const { code, details, message } = error as { code?: number; details?: string; message?: string };
  const status = typeof code === 'number' ? GRPC_CODES[code] ?? `gRPC status ${code}` : undefined;
  const text = details || message || String(error);
  return new JobsError(code === 5 ? 'NOT_FOUND' : 'API_ERROR', `${what}: ${status ? `${status}: ` : ''}${text}`, {
    cause: error,
    ...(resource ? { resource } : {}),
  });
}

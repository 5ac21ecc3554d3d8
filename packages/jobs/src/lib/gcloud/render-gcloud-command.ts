// Specs as the gcloud commands that create the same resources, for people who want to see, share or run the
// equivalent by hand. Flags as gcloud's command_lib/ai defines them (custom_jobs/flags.py, hp_tuning_jobs/
// flags.py, flags.py: AddUploadModelFlags, AddPredictionResourcesArgs). Where a spec has fields no flag carries,
// custom and tuning jobs go through --config (a YAML file, returned with the command); model upload, endpoint
// creation and deploy-model have no --config, so such a spec is refused with the field's name.
import type { WorkerPoolSpec } from '../../generated/vertex-types.js';
import { JobsError } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { formatDuration, parseDuration } from '../schema/well-known-types.js';
import { CUSTOM_JOB_KIND, defaultReplicaCounts, type CustomJobSpec } from '../specs/custom-job-spec.js';
import { DEPLOY_MODEL_KIND, type DeployModelSpec } from '../specs/deploy-model-spec.js';
import { ENDPOINT_KIND, type EndpointSpec } from '../specs/endpoint-spec.js';
import { HYPERPARAMETER_TUNING_JOB_KIND, type HyperparameterTuningJobSpec } from '../specs/hyperparameter-tuning-job-spec.js';
import { MODEL_UPLOAD_KIND, type ModelUploadSpec } from '../specs/model-upload-spec.js';
import { assertValidSpec } from '../specs/spec-validation.js';
import { toResource } from '../to-resource.js';
import { joinGcloudList } from './gcloud-lists.js';
import { shellQuote, shellQuoteFlag } from './shell-quote.js';
import { formatWorkerPoolSpecFlag } from './worker-pool-spec-flag.js';
import { toYaml } from './yaml.js';

/** What to render: one spec, tagged with the command it is for. */
export type GcloudRenderable =
  | { customJob: CustomJobSpec }
  | { hyperparameterTuningJob: HyperparameterTuningJobSpec }
  | { uploadModel: ModelUploadSpec }
  | { createEndpoint: EndpointSpec }
  /** `endpoint`: the endpoint's ID or resource name. */
  | { deployModel: DeployModelSpec; endpoint: string };

/** Options of {@link renderGcloudCommand}. */
export interface RenderGcloudOptions extends ValidateSpecOptions {
  project: string;
  /** Vertex AI region, e.g. `us-central1`. */
  region: string;
  /** Name of the --config file when one is needed. Default `custom-job.yaml` / `hp-tuning-job.yaml`. */
  configPath?: string;
}

/** A gcloud command: its arguments, the same as shell text, and the --config file it reads, if any. */
export interface GcloudCommand {
  /** `['gcloud', 'ai', 'custom-jobs', 'create', '--project=p', ...]`, unquoted, for execFile/spawn. */
  argv: string[];
  /** The command for a POSIX shell, one flag a line with backslash continuations. */
  text: string;
  /** The YAML file --config names, to be written next to where the command runs. */
  configFile?: { path: string; content: string };
}

/**
 * Renders a spec as the equivalent gcloud command: `gcloud ai custom-jobs create`, `ai hp-tuning-jobs create`
 * (always with a --config YAML), `ai models upload`, `ai endpoints create` or `ai endpoints deploy-model`. The
 * spec is validated first.
 *
 * @example renderGcloudCommand({ customJob: spec }, { project: 'my-project', region: 'us-central1' }).text
 * @throws JobsError INVALID_SPEC for an invalid spec; INVALID_ARGUMENT when a field has no gcloud flag (model
 *   upload, endpoints, deploy-model: use the API for those specs)
 */
export function renderGcloudCommand(target: GcloudRenderable, options: RenderGcloudOptions): GcloudCommand {
  const location = [`--project=${options.project}`, `--region=${options.region}`];
  if ('customJob' in target) return renderCustomJob(target.customJob, location, options);
  if ('hyperparameterTuningJob' in target) return renderTuningJob(target.hyperparameterTuningJob, location, options);
  if ('uploadModel' in target) return renderUpload(target.uploadModel, location, options);
  if ('createEndpoint' in target) return renderEndpoint(target.createEndpoint, location, options);
  if ('deployModel' in target) return renderDeploy(target.deployModel, target.endpoint, location, options);
  throw new JobsError('INVALID_ARGUMENT', 'renderGcloudCommand: give one of customJob, hyperparameterTuningJob, uploadModel, createEndpoint, deployModel');
}

/** `words`: the command and its positional arguments, on the first line; then one flag a line. */
function command(words: string[], flags: string[], configFile?: { path: string; content: string }): GcloudCommand {
  const argv = ['gcloud', ...words, ...flags];
  const text = [`gcloud ${words.map(shellQuote).join(' ')}`, ...flags.map((flag) => `  ${shellQuoteFlag(flag)}`)].join(' \\\n');
  return configFile ? { argv, text, configFile } : { argv, text };
}

function unsupported(commandName: string, field: string): never {
  throw new JobsError(
    'INVALID_ARGUMENT',
    `${field} has no \`gcloud ${commandName}\` flag (and the command takes no --config); create this one through the API instead`,
  );
}

function labelFlag(labels: Record<string, string> | undefined): string[] {
  if (!labels || Object.keys(labels).length === 0) return [];
  return [`--labels=${joinGcloudList(Object.entries(labels).map(([key, value]) => `${key}=${value}`))}`];
}

function sameList(lists: Array<string[] | undefined>): string[] | undefined | false {
  const texts = new Set(lists.map((list) => JSON.stringify(list ?? [])));
  if (texts.size > 1) return false;
  const first = lists[0];
  return first && first.length > 0 ? first : undefined;
}

/** The job-wide flags and one --worker-pool-spec per pool, or undefined when only --config can say it. */
function workerPoolFlags(pools: WorkerPoolSpec[]): string[] | undefined {
  if (pools.length === 0 || pools.some((pool) => Object.keys(pool).length === 0)) return undefined;
  const args = sameList(pools.map((pool) => pool.containerSpec?.args ?? pool.pythonPackageSpec?.args));
  const containers = pools.filter((pool) => pool.containerSpec);
  const command = sameList(containers.map((pool) => pool.containerSpec?.command));
  const pythonPools = pools.filter((pool) => pool.pythonPackageSpec);
  // gcloud refuses --python-package-uris next to container-image-uri pools: a mixed job needs --config.
  if (containers.length > 0 && pythonPools.length > 0) return undefined;
  const packages = sameList(pythonPools.map((pool) => pool.pythonPackageSpec?.packageUris));
  if (args === false || command === false || packages === false) return undefined;
  const specs: string[] = [];
  for (const pool of pools) {
    const formatted = formatWorkerPoolSpecFlag(pool);
    if (typeof formatted !== 'string') return undefined;
    specs.push(`--worker-pool-spec=${formatted}`);
  }
  return [
    ...specs,
    ...(packages ? [`--python-package-uris=${joinGcloudList(packages)}`] : []),
    ...(command ? [`--command=${joinGcloudList(command)}`] : []),
    ...(args ? [`--args=${joinGcloudList(args)}`] : []),
  ];
}

const JOB_SPEC_FLAGS: Record<string, (value: unknown) => string[]> = {
  serviceAccount: (value) => [`--service-account=${String(value)}`],
  network: (value) => [`--network=${String(value)}`],
  enableWebAccess: (value) => (value === true ? ['--enable-web-access'] : []),
  enableDashboardAccess: (value) => (value === true ? ['--enable-dashboard-access'] : []),
};

function renderCustomJob(spec: CustomJobSpec, location: string[], options: RenderGcloudOptions): GcloudCommand {
  assertValidSpec(CUSTOM_JOB_KIND, spec, options);
  const json = toResource(spec, CUSTOM_JOB_KIND.type, 'json') as { jobSpec: Record<string, unknown>; encryptionSpec?: { kmsKeyName?: string } };
  defaultReplicaCounts(json.jobSpec);
  const head = [...location, `--display-name=${spec.displayName}`];
  const tail = [...labelFlag(spec.labels), ...(json.encryptionSpec?.kmsKeyName ? [`--kms-key=${json.encryptionSpec.kmsKeyName}`] : [])];
  const jobSpecKeys = Object.keys(json.jobSpec).filter((key) => key !== 'workerPoolSpecs');
  const byFlags = jobSpecKeys.every((key) => key in JOB_SPEC_FLAGS) ? workerPoolFlags(json.jobSpec.workerPoolSpecs as WorkerPoolSpec[]) : undefined;
  const words = ['ai', 'custom-jobs', 'create'];
  if (byFlags) {
    const jobFlags = jobSpecKeys.flatMap((key) => JOB_SPEC_FLAGS[key]?.(json.jobSpec[key]) ?? []);
    return command(words, [...head, ...byFlags, ...jobFlags, ...tail]);
  }
  const path = options.configPath ?? 'custom-job.yaml';
  return command(words, [...head, `--config=${path}`, ...tail], { path, content: toYaml(json.jobSpec) });
}

function renderTuningJob(spec: HyperparameterTuningJobSpec, location: string[], options: RenderGcloudOptions): GcloudCommand {
  assertValidSpec(HYPERPARAMETER_TUNING_JOB_KIND, spec, options);
  const json = toResource(spec, HYPERPARAMETER_TUNING_JOB_KIND.type, 'json');
  defaultReplicaCounts(json.trialJobSpec);
  const { displayName: _displayName, labels: _labels, ...config } = json;
  const path = options.configPath ?? 'hp-tuning-job.yaml';
  return command(
    ['ai', 'hp-tuning-jobs', 'create'],
    [...location, `--display-name=${spec.displayName}`, `--config=${path}`, ...labelFlag(spec.labels)],
    { path, content: toYaml(config) },
  );
}

function renderUpload(spec: ModelUploadSpec, location: string[], options: RenderGcloudOptions): GcloudCommand {
  assertValidSpec(MODEL_UPLOAD_KIND, spec, options);
  const name = 'ai models upload';
  const request = toResource(spec, MODEL_UPLOAD_KIND.type, 'json') as {
    model: Record<string, unknown> & { containerSpec?: Record<string, unknown> };
    modelId?: string;
    parentModel?: string;
    serviceAccount?: string;
  };
  if (request.serviceAccount !== undefined) unsupported(name, 'serviceAccount');
  const flags = [...location];
  const modelFlags: Record<string, (value: unknown) => string[]> = {
    displayName: (value) => [`--display-name=${String(value)}`],
    description: (value) => [`--description=${String(value)}`],
    versionDescription: (value) => [`--version-description=${String(value)}`],
    versionAliases: (value) => [`--version-aliases=${joinGcloudList(value as string[])}`],
    artifactUri: (value) => [`--artifact-uri=${String(value)}`],
    labels: (value) => labelFlag(value as Record<string, string>),
    containerSpec: () => [],
  };
  for (const key of Object.keys(request.model)) {
    const flag = modelFlags[key];
    if (!flag) unsupported(name, `model.${key}`);
    flags.push(...flag(request.model[key]));
  }
  const container = request.model.containerSpec ?? {};
  const containerFlags: Record<string, (value: unknown) => string[]> = {
    imageUri: (value) => [`--container-image-uri=${String(value)}`],
    command: (value) => [`--container-command=${joinGcloudList(value as string[])}`],
    args: (value) => [`--container-args=${joinGcloudList(value as string[])}`],
    env: (value) => [
      `--container-env-vars=${joinGcloudList((value as Array<{ name: string; value: string }>).map((item) => `${item.name}=${item.value}`))}`,
    ],
    ports: (value) => [`--container-ports=${(value as Array<{ containerPort?: number }>).map((port) => port.containerPort).join(',')}`],
    grpcPorts: (value) => [`--container-grpc-ports=${(value as Array<{ containerPort?: number }>).map((port) => port.containerPort).join(',')}`],
    predictRoute: (value) => [`--container-predict-route=${String(value)}`],
    healthRoute: (value) => [`--container-health-route=${String(value)}`],
    sharedMemorySizeMb: (value) => [`--container-shared-memory-size-mb=${String(value)}`],
    deploymentTimeout: (value) => {
      const duration = parseDuration(value);
      if (typeof duration === 'string' || duration.nanos !== 0) unsupported(name, `model.containerSpec.deploymentTimeout ${formatDuration(duration as never)}`);
      return [`--container-deployment-timeout-seconds=${String(duration.seconds)}`];
    },
  };
  for (const key of Object.keys(container)) {
    const flag = containerFlags[key];
    if (!flag) unsupported(name, `model.containerSpec.${key}`);
    flags.push(...flag(container[key]));
  }
  if (request.parentModel) flags.push(`--parent-model=${request.parentModel}`);
  if (request.modelId) flags.push(`--model-id=${request.modelId}`);
  return command(['ai', 'models', 'upload'], flags);
}

function renderEndpoint(spec: EndpointSpec, location: string[], options: RenderGcloudOptions): GcloudCommand {
  assertValidSpec(ENDPOINT_KIND, spec, options);
  const json = toResource(spec, ENDPOINT_KIND.type, 'json');
  const flags = [...location];
  for (const [key, value] of Object.entries(json)) {
    if (key === 'displayName') flags.push(`--display-name=${String(value)}`);
    else if (key === 'description') flags.push(`--description=${String(value)}`);
    else if (key === 'labels') flags.push(...labelFlag(value as Record<string, string>));
    else unsupported('ai endpoints create', key);
  }
  return command(['ai', 'endpoints', 'create'], flags);
}

// gcloud's names for the autoscaling metrics (constants.OP_AUTOSCALING_METRIC_NAME_MAPPER).
const AUTOSCALING_METRICS: Record<string, string> = {
  'aiplatform.googleapis.com/prediction/online/cpu/utilization': 'cpu-usage',
  'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle': 'gpu-duty-cycle',
};

/** The last segment of a resource name (`projects/p/locations/l/endpoints/123` -> `123`), or the ID given. */
function resourceId(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function renderDeploy(spec: DeployModelSpec, endpoint: string, location: string[], options: RenderGcloudOptions): GcloudCommand {
  assertValidSpec(DEPLOY_MODEL_KIND, spec, options);
  const name = 'ai endpoints deploy-model';
  const request = toResource(spec, DEPLOY_MODEL_KIND.type, 'json') as {
    deployedModel: Record<string, unknown>;
    trafficSplit?: Record<string, number>;
  };
  const deployed = request.deployedModel;
  if (typeof deployed.displayName !== 'string') {
    throw new JobsError('INVALID_ARGUMENT', 'deployedModel.displayName: gcloud ai endpoints deploy-model requires --display-name; set it');
  }
  const flags = [...location, `--model=${resourceId(String(deployed.model))}`, `--display-name=${deployed.displayName}`];
  for (const [key, value] of Object.entries(deployed)) {
    if (key === 'model' || key === 'displayName') continue;
    if (key === 'id') flags.push(`--deployed-model-id=${String(value)}`);
    else if (key === 'serviceAccount') flags.push(`--service-account=${String(value)}`);
    else if (key === 'enableAccessLogging') flags.push(...(value === true ? ['--enable-access-logging'] : []));
    else if (key === 'disableContainerLogging') flags.push(...(value === true ? ['--disable-container-logging'] : []));
    else if (key === 'dedicatedResources' || key === 'automaticResources') flags.push(...resourceFlags(name, key, value as Record<string, unknown>));
    else unsupported(name, `deployedModel.${key}`);
  }
  if (request.trafficSplit && Object.keys(request.trafficSplit).length > 0) {
    flags.push(`--traffic-split=${Object.entries(request.trafficSplit).map(([id, share]) => `${id}=${share}`).join(',')}`);
  }
  return command(['ai', 'endpoints', 'deploy-model', resourceId(endpoint)], flags);
}

function resourceFlags(name: string, key: string, resources: Record<string, unknown>): string[] {
  const flags: string[] = [];
  for (const [field, value] of Object.entries(resources)) {
    if (field === 'minReplicaCount') flags.push(`--min-replica-count=${String(value)}`);
    else if (field === 'maxReplicaCount') flags.push(`--max-replica-count=${String(value)}`);
    else if (field === 'machineSpec') {
      const machine = value as { machineType?: string; acceleratorType?: string; acceleratorCount?: number };
      const extra = Object.keys(machine).find((machineField) => !['machineType', 'acceleratorType', 'acceleratorCount'].includes(machineField));
      if (extra) unsupported(name, `deployedModel.${key}.machineSpec.${extra}`);
      if (machine.machineType) flags.push(`--machine-type=${machine.machineType}`);
      if (machine.acceleratorType && machine.acceleratorType !== 'ACCELERATOR_TYPE_UNSPECIFIED') {
        // --accelerator takes the enum in gcloud's spelling: NVIDIA_TESLA_T4 -> nvidia-tesla-t4.
        flags.push(`--accelerator=type=${machine.acceleratorType.toLowerCase().replace(/_/g, '-')},count=${machine.acceleratorCount ?? 1}`);
      }
    } else if (field === 'autoscalingMetricSpecs') {
      const specs = (value as Array<{ metricName: string; target?: number }>).map((spec) => {
        const metric = AUTOSCALING_METRICS[spec.metricName];
        if (!metric) unsupported(name, `autoscaling metric ${spec.metricName}`);
        return `${metric}=${spec.target ?? 60}`;
      });
      flags.push(`--autoscaling-metric-specs=${specs.join(',')}`);
    } else unsupported(name, `deployedModel.${key}.${field}`);
  }
  return flags;
}

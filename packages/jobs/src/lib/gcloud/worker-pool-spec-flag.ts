// gcloud's `--worker-pool-spec` (gcloud ai custom-jobs create), from googlecloudsdk/command_lib/ai/custom_jobs/
// flags.py: an ArgDict with replica-count, machine-type (required), accelerator-type, accelerator-count,
// container-image-uri, executor-image-uri, python-module, and the autopackaging keys output-image-uri, script,
// local-package-path, requirements, extra-packages, extra-dirs. Exactly one group: container-image-uri; or
// executor-image-uri + python-module; or local code to package. replica-count and accelerator-count default
// to 1. `--args`, `--command` and `--python-package-uris` are job-wide flags that apply to every pool.
import type { AcceleratorType, WorkerPoolSpec } from '../../generated/vertex-types.js';
import { JobsError } from '../jobs-error.js';
import { vertexSchema } from '../schema/vertex-schema.js';
import { didYouMean, nearest } from '../suggest.js';
import { joinGcloudList, splitGcloudList } from './gcloud-lists.js';

const KEYS = [
  'machine-type',
  'replica-count',
  'accelerator-type',
  'accelerator-count',
  'container-image-uri',
  'executor-image-uri',
  'python-module',
  'disk-type',
  'disk-size',
  'output-image-uri',
  'script',
  'local-package-path',
  'requirements',
  'extra-packages',
  'extra-dirs',
] as const;

const AUTOPACKAGING = new Set(['output-image-uri', 'script', 'local-package-path', 'requirements', 'extra-packages', 'extra-dirs']);

/** The job-wide gcloud flags that fill in every worker pool. */
export interface WorkerPoolFlagContext {
  /** `--args`: passed to the container or Python module of every pool. */
  args?: string[];
  /** `--command`: the entrypoint of every container pool. */
  command?: string[];
  /** `--python-package-uris`: the packages every Python pool installs. */
  pythonPackageUris?: string[];
}

function fail(message: string): never {
  throw new JobsError('INVALID_ARGUMENT', `--worker-pool-spec: ${message}`);
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === "'" || trimmed[0] === '"') && trimmed.at(-1) === trimmed[0]) return trimmed.slice(1, -1);
  return trimmed;
}

function wholeNumber(key: string, value: string): number {
  if (!/^\d+$/.test(value)) fail(`${key} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `NVIDIA_TESLA_T4` or gcloud's lower-case `nvidia-tesla-t4` -> the API's enum name. */
function acceleratorType(value: string): AcceleratorType {
  const names = Object.keys(vertexSchema().enums['google.cloud.aiplatform.v1.AcceleratorType'] ?? {});
  const name = value.toUpperCase().replace(/-/g, '_');
  if (names.includes(name) && !name.endsWith('_UNSPECIFIED')) return name as AcceleratorType;
  const hint = didYouMean(nearest(value, names.filter((candidate) => !candidate.endsWith('_UNSPECIFIED'))));
  return fail(`accelerator-type ${JSON.stringify(value)} is not a Vertex accelerator type${hint ? `; ${hint}` : ''}`);
}

/**
 * Reads a gcloud `--worker-pool-spec` value into a Vertex AI WorkerPoolSpec, e.g.
 * `machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=us-docker.pkg.dev/p/r/trainer:1`.
 * The `--worker-pool-spec=` prefix, quotes around values and gcloud's `^;^` delimiter syntax are accepted.
 * `disk-type` and `disk-size` (as in `gcloud ai persistent-resources create --resource-pool-spec`) fill
 * `diskSpec`. Job-wide `--args`, `--command` and `--python-package-uris` come in `context`.
 *
 * @throws JobsError INVALID_ARGUMENT naming the key: unknown keys (with "did you mean"), a missing machine-type,
 *   both or neither of container-image-uri and executor-image-uri, executor-image-uri without python-module, numbers
 *   that are not, and the autopackaging keys (local-package-path, script, ...), which need gcloud to build an image
 */
export function parseWorkerPoolSpecFlag(value: string, context: WorkerPoolFlagContext = {}): WorkerPoolSpec {
  let text = value.trim().replace(/^--worker-pool-spec[= ]/, '');
  text = unquote(text);
  const entries = new Map<string, string>();
  for (const item of splitGcloudList(text)) {
    if (item.trim() === '') continue;
    const equals = item.indexOf('=');
    if (equals < 0) fail(`${JSON.stringify(item)} is not key=value`);
    const key = item.slice(0, equals).trim();
    if (!(KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(nearest(key, KEYS));
      fail(`unknown key ${JSON.stringify(key)}${hint ? `; ${hint}` : `; keys are ${KEYS.join(', ')}`}`);
    }
    if (entries.has(key)) fail(`${key} is given twice`);
    entries.set(key, unquote(item.slice(equals + 1)));
  }
  for (const key of entries.keys()) {
    if (AUTOPACKAGING.has(key)) {
      fail(
        `${key} asks gcloud to package local code into an image, which only gcloud does; build and push the image ` +
          'yourself and give container-image-uri (or upload a package and give executor-image-uri + python-module)',
      );
    }
  }
  const machineType = entries.get('machine-type');
  if (!machineType) fail('machine-type is required, e.g. machine-type=n1-standard-4');
  const pool: WorkerPoolSpec = { machineSpec: { machineType } };
  const accelerator = entries.get('accelerator-type');
  const acceleratorCount = entries.get('accelerator-count');
  if (accelerator !== undefined && pool.machineSpec) {
    pool.machineSpec.acceleratorType = acceleratorType(accelerator);
    pool.machineSpec.acceleratorCount = acceleratorCount === undefined ? 1 : wholeNumber('accelerator-count', acceleratorCount);
  } else if (acceleratorCount !== undefined && pool.machineSpec) {
    pool.machineSpec.acceleratorCount = wholeNumber('accelerator-count', acceleratorCount);
  }
  const replicas = entries.get('replica-count');
  pool.replicaCount = replicas === undefined ? 1 : wholeNumber('replica-count', replicas);
  const image = entries.get('container-image-uri');
  const executor = entries.get('executor-image-uri');
  const module = entries.get('python-module');
  if (image !== undefined && (executor !== undefined || module !== undefined)) {
    fail('container-image-uri runs your own image; executor-image-uri + python-module run a package in a prebuilt one: give one of them');
  }
  if (image !== undefined) {
    pool.containerSpec = { imageUri: image };
    if (context.command && context.command.length > 0) pool.containerSpec.command = [...context.command];
    if (context.args && context.args.length > 0) pool.containerSpec.args = [...context.args];
  } else if (executor !== undefined || module !== undefined) {
    if (executor === undefined) fail('python-module needs executor-image-uri (the prebuilt image that runs it)');
    if (module === undefined) fail('executor-image-uri needs python-module (the module to run, e.g. trainer.task)');
    pool.pythonPackageSpec = { executorImageUri: executor, packageUris: [...(context.pythonPackageUris ?? [])], pythonModule: module };
    if (context.args && context.args.length > 0) pool.pythonPackageSpec.args = [...context.args];
  } else {
    fail('say what the pool runs: container-image-uri=IMAGE, or executor-image-uri=IMAGE,python-module=MODULE');
  }
  const diskType = entries.get('disk-type');
  const diskSize = entries.get('disk-size');
  if (diskType !== undefined || diskSize !== undefined) {
    pool.diskSpec = {};
    if (diskType !== undefined) pool.diskSpec.bootDiskType = diskType;
    if (diskSize !== undefined) pool.diskSpec.bootDiskSizeGb = wholeNumber('disk-size', diskSize);
  }
  return pool;
}

/**
 * A worker pool as a `--worker-pool-spec` value, or the reason it can't be one (fields only a --config file
 * carries). Job-wide parts (args, command, package URIs) are left to the caller's flags.
 */
export function formatWorkerPoolSpecFlag(pool: WorkerPoolSpec): string | { unsupported: string } {
  const items: string[] = [];
  const machine = pool.machineSpec ?? {};
  const extraMachine = Object.keys(machine).filter((key) => !['machineType', 'acceleratorType', 'acceleratorCount'].includes(key));
  if (extraMachine.length > 0) return { unsupported: `machineSpec.${extraMachine[0] ?? ''}` };
  const extraPool = Object.keys(pool).filter(
    (key) => !['machineSpec', 'replicaCount', 'containerSpec', 'pythonPackageSpec'].includes(key) && pool[key as keyof WorkerPoolSpec] !== undefined,
  );
  if (extraPool.length > 0) return { unsupported: extraPool[0] ?? '' };
  if (pool.containerSpec?.env !== undefined || pool.pythonPackageSpec?.env !== undefined) return { unsupported: 'env' };
  if (machine.machineType) items.push(`machine-type=${machine.machineType}`);
  items.push(`replica-count=${String(pool.replicaCount ?? 1)}`);
  if (machine.acceleratorType && machine.acceleratorType !== 'ACCELERATOR_TYPE_UNSPECIFIED') {
    items.push(`accelerator-type=${machine.acceleratorType}`, `accelerator-count=${machine.acceleratorCount ?? 1}`);
  }
  if (pool.containerSpec) items.push(`container-image-uri=${pool.containerSpec.imageUri}`);
  if (pool.pythonPackageSpec) {
    items.push(`executor-image-uri=${pool.pythonPackageSpec.executorImageUri}`, `python-module=${pool.pythonPackageSpec.pythonModule}`);
  }
  return joinGcloudList(items);
}

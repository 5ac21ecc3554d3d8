// gcloud's `--worker-pool-spec` (gcloud ai custom-jobs create), from googlecloudsdk/command_lib/ai/custom_jobs/
// flags.py: an ArgDict with replica-count, machine-type (required), accelerator-type, accelerator-count,
// container-image-uri, executor-image-uri, python-module, and the autopackaging keys output-image-uri, script,
// local-package-path, requirements, extra-packages, extra-dirs. Exactly one group: container-image-uri; or
// executor-image-uri + python-module; or local code to package (read into `autopackaging`, which
// packagePythonTrainer and the train app act on). replica-count and accelerator-count default to 1. `--args`, `--command` and `--python-package-uris` are job-wide flags that apply to every pool.
import type { AcceleratorType, WorkerPoolSpec } from '../../generated/vertex-types.js';
import { JobsError, type SpecIssue } from '../jobs-error.js';
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

const AUTOPACKAGING = ['output-image-uri', 'script', 'local-package-path', 'requirements', 'extra-packages', 'extra-dirs'] as const;

/**
 * Checks an executor image (e.g. `@vertexkit/containers`' `checkExecutorImage` against the prebuilt-image catalogue,
 * which this package does not carry): the problem with the fix, or undefined when the image suits the pool.
 */
export type ExecutorImageCheck = (params: { imageUri: string; acceleratorType?: string }) => string | undefined;

/** The job-wide gcloud flags that fill in every worker pool. */
export interface WorkerPoolFlagContext {
  /** `--args`: passed to the container or Python module of every pool. */
  args?: string[];
  /** `--command`: the entrypoint of every container pool. */
  command?: string[];
  /** `--python-package-uris`: the packages every Python pool installs. */
  pythonPackageUris?: string[];
  /** Checks `executor-image-uri` of a pool that runs a Python package; its problem is one of the flag's. */
  checkExecutorImage?: ExecutorImageCheck;
}

/**
 * What a pool's autopackaging keys ask for: local code to package. Without `output-image-uri` it becomes an sdist
 * run by the executor image (the Vertex AI SDK's way: `pythonPackageSpec`, no image built); with it, an image built
 * FROM the executor image with the package installed (gcloud's way: `containerSpec` with that image).
 */
export interface WorkerPoolAutopackaging {
  mode: 'python-package' | 'container-image';
  /** `local-package-path`: the folder to package. */
  localPackagePath?: string;
  /** `script`: a script in it (or, without local-package-path, a lone script) whose module runs. */
  script?: string;
  /** The module the pool runs: `python-module`, or the script's. */
  pythonModule: string;
  /** `executor-image-uri`: what runs the package, or what the image is built from. */
  executorImageUri: string;
  /** `requirements` (`;`-separated in the flag). */
  requirements: string[];
  /** `extra-packages`: local wheels or sdists installed too. */
  extraPackages: string[];
  /** `extra-dirs`: folders copied into the image (container-image only). */
  extraDirs: string[];
  /** `output-image-uri`: the image to build. */
  outputImageUri?: string;
}

/**
 * A parsed `--worker-pool-spec`: a WorkerPoolSpec, and for a pool with autopackaging keys what to package. Such a
 * pool's `pythonPackageSpec.packageUris` lacks the package until it is staged, and its `containerSpec.imageUri`
 * names an image not yet built: package it (`packagePythonTrainer`) and drop `autopackaging` before submitting.
 */
export type ParsedWorkerPoolSpec = WorkerPoolSpec & { autopackaging?: WorkerPoolAutopackaging };

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === "'" || trimmed[0] === '"') && trimmed.at(-1) === trimmed[0]) return trimmed.slice(1, -1);
  return trimmed;
}

const EXAMPLES: Record<string, string> = {
  'replica-count': 'replica-count=1',
  'accelerator-count': 'accelerator-count=1',
  'disk-size': 'disk-size=100 (GB)',
};

/**
 * The problems of one flag value, collected rather than thrown one at a time: a user fixing a long
 * `--worker-pool-spec` sees every mistake in one run, as the spec validator shows them. At most one problem a key.
 */
class FlagIssues {
  readonly list: SpecIssue[] = [];
  private readonly keys = new Set<string>();

  /** A problem of `key`; the keys in `covers` (e.g. the one a typo meant) get no second problem of their own. */
  add(key: string, message: string, covers: readonly string[] = []): void {
    if (this.keys.has(key)) return;
    for (const covered of [key, ...covers]) this.keys.add(covered);
    this.list.push({ path: key, message });
  }

  /** Whether `key` already has a problem, or is covered by one. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** A whole number for `key`, or undefined (and a problem) when the value is not one. */
  wholeNumber(key: string, value: string): number | undefined {
    if (/^\d+$/.test(value)) return Number(value);
    this.add(key, `must be a whole number, got ${JSON.stringify(value)}; e.g. ${EXAMPLES[key] ?? `${key}=1`}`);
    return undefined;
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const count = this.list.length === 1 ? '1 problem' : `${this.list.length} problems`;
    const lines = this.list.map((issue) => `  - ${issue.path}: ${issue.message}`);
    throw new JobsError('INVALID_ARGUMENT', `--worker-pool-spec has ${count}:\n${lines.join('\n')}`, { issues: this.list });
  }
}

/** `NVIDIA_TESLA_T4` or gcloud's lower-case `nvidia-tesla-t4` -> the API's enum name, or undefined (and a problem). */
function acceleratorType(value: string, issues: FlagIssues): AcceleratorType | undefined {
  const names = Object.keys(vertexSchema().enums['google.cloud.aiplatform.v1.AcceleratorType'] ?? {});
  const name = value.toUpperCase().replace(/-/g, '_');
  if (names.includes(name) && !name.endsWith('_UNSPECIFIED')) return name as AcceleratorType;
  const hint = didYouMean(nearest(value, names.filter((candidate) => !candidate.endsWith('_UNSPECIFIED'))));
  issues.add('accelerator-type', `${JSON.stringify(value)} is not a Vertex accelerator type${hint ? `; ${hint}` : ''}`);
  return undefined;
}

/** The key=value items of the flag, each problem of their syntax recorded. */
function readEntries(value: string, issues: FlagIssues): Map<string, string> {
  const text = unquote(value.trim().replace(/^--worker-pool-spec[= ]/, ''));
  const entries = new Map<string, string>();
  for (const item of splitGcloudList(text)) {
    if (item.trim() === '') continue;
    const equals = item.indexOf('=');
    const key = (equals < 0 ? item : item.slice(0, equals)).trim();
    if (equals < 0) {
      issues.add(key, `${JSON.stringify(item)} is not key=value; write ${key}=VALUE`);
      continue;
    }
    if (!(KEYS as readonly string[]).includes(key)) {
      const suggestions = nearest(key, KEYS);
      const hint = didYouMean(suggestions);
      // `machine-typ=...` means machine-type: "machine-type is required" on top would only repeat it.
      issues.add(key, `unknown key ${JSON.stringify(key)}${hint ? `; ${hint}` : `; keys are ${KEYS.join(', ')}`}`, suggestions.slice(0, 1));
      continue;
    }
    const entry = unquote(item.slice(equals + 1));
    const previous = entries.get(key);
    if (previous !== undefined) {
      issues.add(key, `given twice (${JSON.stringify(previous)} and ${JSON.stringify(entry)}); give it once`);
      continue;
    }
    entries.set(key, entry);
  }
  return entries;
}

/** gcloud's list values inside one key (`requirements=pandas;numpy`): `;`-separated. */
function listValue(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(';').map((item) => item.trim()).filter((item) => item !== '');
}

/** The script's module: `trainer/task.py` -> `trainer.task`, as packagePythonTrainer runs it. */
function scriptModule(script: string): string {
  return script
    .replace(/^\.\//, '')
    .replace(/\.py$/, '')
    .split('/')
    .map((part) => part.replace(/[^\w]/g, '_').replace(/^(\d)/, '_$1'))
    .join('.');
}

/** The autopackaging keys' request, each problem of their combination recorded. */
function autopackaging(entries: Map<string, string>, issues: FlagIssues): WorkerPoolAutopackaging | undefined {
  const given = AUTOPACKAGING.filter((key) => entries.has(key));
  if (given.length === 0) return undefined;
  const localPackagePath = entries.get('local-package-path');
  const script = entries.get('script');
  const module = entries.get('python-module');
  const executor = entries.get('executor-image-uri');
  const outputImageUri = entries.get('output-image-uri');
  if (entries.has('container-image-uri')) {
    issues.add('container-image-uri', `${given.join(', ')} package local code to run in executor-image-uri; container-image-uri runs an image as it is: give one of them`);
    return undefined;
  }
  if (localPackagePath === undefined && script === undefined) {
    issues.add(given[0] ?? 'local-package-path', 'needs the code to package: local-package-path=DIR (with python-module=MODULE or script=FILE), or script=FILE alone');
  }
  if (executor === undefined) issues.add('executor-image-uri', 'local code needs executor-image-uri: the prebuilt image that runs it (or, with output-image-uri, the image to build from)');
  if (script !== undefined && module !== undefined) issues.add('python-module', `python-module and script both say what runs (${module}, ${script}); give one of them`);
  if (script === undefined && module === undefined && localPackagePath !== undefined) issues.add('python-module', 'local-package-path needs python-module=MODULE (e.g. trainer.task) or script=FILE: what to run');
  if (script !== undefined && !script.endsWith('.py')) issues.add('script', `${JSON.stringify(script)} is not a .py file; the job runs it as a module, python -m`);
  const extraDirs = listValue(entries.get('extra-dirs'));
  if (extraDirs.length > 0 && outputImageUri === undefined) {
    issues.add(
      'extra-dirs',
      'copies folders into an image, so it needs output-image-uri; a Python package (no output-image-uri) only installs package files: move the files into the package, or add output-image-uri',
    );
  }
  if (executor === undefined || (script === undefined && module === undefined)) return undefined;
  return {
    mode: outputImageUri === undefined ? 'python-package' : 'container-image',
    ...(localPackagePath !== undefined ? { localPackagePath } : {}),
    ...(script !== undefined ? { script } : {}),
    pythonModule: module ?? scriptModule(script ?? ''),
    executorImageUri: executor,
    requirements: listValue(entries.get('requirements')),
    extraPackages: listValue(entries.get('extra-packages')),
    extraDirs,
    ...(outputImageUri !== undefined ? { outputImageUri } : {}),
  };
}

/**
 * Reads a gcloud `--worker-pool-spec` value into a Vertex AI WorkerPoolSpec, e.g.
 * `machine-type=n1-standard-4,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,container-image-uri=us-docker.pkg.dev/p/r/trainer:1`.
 * The `--worker-pool-spec=` prefix, quotes around values and gcloud's `^;^` delimiter syntax are accepted.
 * `disk-type` and `disk-size` (as in `gcloud ai persistent-resources create --resource-pool-spec`) fill
 * `diskSpec`. Job-wide `--args`, `--command` and `--python-package-uris` come in `context`.
 *
 * gcloud's autopackaging keys (`local-package-path`, `script`, `requirements`, `extra-packages`, `extra-dirs`,
 * `output-image-uri`; lists `;`-separated) are read into `autopackaging`: without `output-image-uri` the pool gets a
 * `pythonPackageSpec` (the package is staged as an sdist, no image is built: the Vertex AI SDK's way); with it, a
 * `containerSpec` running that image, built FROM the executor image (gcloud's way). Package the code with
 * `packagePythonTrainer` before submitting.
 *
 * @throws JobsError INVALID_ARGUMENT listing every problem at once in `issues` (`path` is the key) and in the
 *   message, each with the fix: unknown keys (with "did you mean"), keys given twice, a missing machine-type,
 *   both or neither of container-image-uri and executor-image-uri, executor-image-uri without python-module (or
 *   local code), numbers that are not, autopackaging keys that do not fit together, and what
 *   `context.checkExecutorImage` finds wrong with the executor image
 */
export function parseWorkerPoolSpecFlag(value: string, context: WorkerPoolFlagContext = {}): ParsedWorkerPoolSpec {
  const issues = new FlagIssues();
  const entries = readEntries(value, issues);
  const machineType = entries.get('machine-type');
  if (!machineType && !issues.has('machine-type')) issues.add('machine-type', 'required, e.g. machine-type=n1-standard-4');
  const pool: ParsedWorkerPoolSpec = { machineSpec: { machineType: machineType ?? '' } };
  const machineSpec = pool.machineSpec ?? {};
  const accelerator = entries.get('accelerator-type');
  const acceleratorCount = entries.get('accelerator-count');
  if (accelerator !== undefined) {
    const type = acceleratorType(accelerator, issues);
    if (type) machineSpec.acceleratorType = type;
  }
  if (acceleratorCount !== undefined) {
    const count = issues.wholeNumber('accelerator-count', acceleratorCount);
    if (count !== undefined) machineSpec.acceleratorCount = count;
  } else if (accelerator !== undefined) {
    machineSpec.acceleratorCount = 1;
  }
  const replicas = entries.get('replica-count');
  pool.replicaCount = replicas === undefined ? 1 : (issues.wholeNumber('replica-count', replicas) ?? 1);
  const image = entries.get('container-image-uri');
  const executor = entries.get('executor-image-uri');
  const module = entries.get('python-module');
  const packaging = autopackaging(entries, issues);
  const args = context.args && context.args.length > 0 ? [...context.args] : undefined;
  const checkExecutor = (imageUri: string): void => {
    const problem = context.checkExecutorImage?.({ imageUri, ...(machineSpec.acceleratorType ? { acceleratorType: machineSpec.acceleratorType } : {}) });
    if (problem) issues.add('executor-image-uri', problem);
  };
  if (AUTOPACKAGING.some((key) => entries.has(key))) {
    if (packaging?.mode === 'container-image') {
      pool.containerSpec = { imageUri: packaging.outputImageUri ?? '' };
      if (context.command && context.command.length > 0) pool.containerSpec.command = [...context.command];
      if (args) pool.containerSpec.args = args;
    } else if (packaging) {
      checkExecutor(packaging.executorImageUri);
      pool.pythonPackageSpec = { executorImageUri: packaging.executorImageUri, packageUris: [...(context.pythonPackageUris ?? [])], pythonModule: packaging.pythonModule };
      if (args) pool.pythonPackageSpec.args = args;
    }
    if (packaging) pool.autopackaging = packaging;
  } else if (image !== undefined && (executor !== undefined || module !== undefined)) {
    issues.add(
      'container-image-uri',
      'container-image-uri runs your own image; executor-image-uri + python-module run a package in a prebuilt one: give one of them',
    );
  } else if (image !== undefined) {
    pool.containerSpec = { imageUri: image };
    if (context.command && context.command.length > 0) pool.containerSpec.command = [...context.command];
    if (args) pool.containerSpec.args = args;
  } else if (executor === undefined && module !== undefined) {
    issues.add('executor-image-uri', 'python-module needs executor-image-uri (the prebuilt image that runs it)');
  } else if (executor !== undefined && module === undefined) {
    issues.add('python-module', 'executor-image-uri needs python-module (the module to run, e.g. trainer.task), or local-package-path / script for local code to package');
  } else if (executor !== undefined && module !== undefined) {
    checkExecutor(executor);
    pool.pythonPackageSpec = { executorImageUri: executor, packageUris: [...(context.pythonPackageUris ?? [])], pythonModule: module };
    if (args) pool.pythonPackageSpec.args = args;
  } else {
    issues.add('container-image-uri', 'say what the pool runs: container-image-uri=IMAGE, or executor-image-uri=IMAGE,python-module=MODULE');
  }
  const diskType = entries.get('disk-type');
  const diskSize = entries.get('disk-size');
  if (diskType !== undefined || diskSize !== undefined) {
    pool.diskSpec = {};
    if (diskType !== undefined) pool.diskSpec.bootDiskType = diskType;
    const size = diskSize === undefined ? undefined : issues.wholeNumber('disk-size', diskSize);
    if (size !== undefined) pool.diskSpec.bootDiskSizeGb = size;
  }
  issues.throwIfAny();
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

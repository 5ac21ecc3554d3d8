import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseLocation, type Storage } from '@vertexkit/storage';
import { waitForJob, type JobHandle, type JobSnapshot, type WaitOptions } from '../job-handle.js';
import type { JobState } from '../job-state.js';
import { JobsError } from '../jobs-error.js';
import { toCustomJobResource, type CustomJobSpec } from '../specs/custom-job-spec.js';
import { mapBucketPaths, preparePythonEnvironment, PythonSetupError, type LocalPythonEnvironment, type LocalPythonOptions } from './python-environment.js';
import { vertexEnvironment } from './vertex-environment.js';

/** The parts of a CustomJob resource (proto JSON shape, after `toCustomJobResource`) the local runner reads. */
interface LocalCustomJobResource {
  displayName: string;
  labels?: Record<string, string>;
  jobSpec: {
    workerPoolSpecs: Array<{
      replicaCount?: number | string;
      containerSpec?: { imageUri?: string; command?: string[]; args?: string[]; env?: Array<{ name: string; value?: string }> };
      pythonPackageSpec?: { executorImageUri?: string; packageUris?: string[]; pythonModule?: string; args?: string[]; env?: Array<{ name: string; value?: string }> };
    } | Record<string, never>>;
    baseOutputDirectory?: { outputUriPrefix?: string };
  };
}

/** One line a replica wrote. */
export interface LocalJobLogLine {
  /** `workerpool0-0`, as Vertex names replicas in Cloud Logging. */
  replica: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Options of {@link startLocalCustomJob}. */
export interface LocalRunnerOptions {
  /**
   * Where AIP_MODEL_DIR (`<base>/model/`), AIP_CHECKPOINT_DIR and AIP_TENSORBOARD_LOG_DIR point: wins over the
   * job's `baseOutputDirectory`. When neither says, a local folder `.vertexkit/jobs/<id>/` under `cwd`.
   */
  baseOutputDir?: string;
  /** Working directory of the process. Default: the current one. */
  cwd?: string;
  /** More environment for the process (the Vertex variables win). Default: this process's environment. */
  env?: Record<string, string | undefined>;
  /**
   * The command an image runs when the spec gives none (no container engine here, so an image's ENTRYPOINT is
   * unknown): e.g. `{ 'us-docker.pkg.dev/p/r/train:1': ['node', 'apps/train/src/main.ts'] }`.
   */
  commands?: Record<string, string[]>;
  /** Each line the replica writes, as it writes it (Cloud Logging's stream for a remote job). */
  onLog?: (line: LocalJobLogLine) => void;
  /** After SIGTERM on cancel, SIGKILL after this long. Default 10 s, like Vertex's preemption notice... and Cloud Run's. */
  killAfterMs?: number;
  /**
   * For a pythonPackageSpec: the python3 its virtual environment is made from, where environments are kept, more
   * pip arguments. The environment (one per set of package bytes, reused) gets the packages installed with their
   * requirements; it sees the site packages of that python3, as a prebuilt image's framework is seen.
   */
  python?: LocalPythonOptions;
  /**
   * A folder whose subfolders stand in for buckets: `gs://<bucket>/<key>` and `/gcs/<bucket>/<key>` (the bucket mount
   * inside a Vertex AI job) in package URIs, args, env values and the output directories read as
   * `<localBuckets>/<bucket>/<key>`. Without it, gs:// package URIs are downloaded with `storage`.
   */
  localBuckets?: string;
  /** Storage handle for gs:// package URIs. */
  storage?: Storage;
}

/** A local job: a {@link JobHandle}, plus the process's output. */
export interface LocalJobHandle extends JobHandle {
  /** The last 200 lines the replica wrote. */
  readonly logs: readonly LocalJobLogLine[];
  /** The environment the replica got from the runner (the Vertex variables). */
  readonly environment: Readonly<Record<string, string>>;
  /** The replica's exit code once it has exited (null while it runs, or when a signal ended it). */
  readonly exitCode: number | null;
  /** For a pythonPackageSpec, once it is ready: the virtual environment the module runs in. */
  readonly pythonEnvironment: LocalPythonEnvironment | undefined;
}

const LOG_TAIL = 200;

/**
 * Runs a CustomJob on this machine, as Vertex AI would run its primary replica: the container's command (or, for a
 * Python package, `python -m <module> <args>` in a virtual environment with the packages installed: one per set of
 * package bytes, kept under `.vertexkit/python/` and reused) as a local process, with the environment Vertex sets
 * (AIP_MODEL_DIR, AIP_CHECKPOINT_DIR, AIP_TENSORBOARD_LOG_DIR, CLUSTER_SPEC, TF_CONFIG, CLOUD_ML_JOB_ID). It
 * goes through the same states as a remote job: QUEUED, PENDING, RUNNING, then SUCCEEDED, FAILED (with
 * Vertex's message for a non-zero exit) or CANCELLING and CANCELLED.
 *
 * The spec is the one `submitCustomJob` takes, validated the same way (JobsError INVALID_SPEC), so a job that
 * runs here is a job Vertex AI accepts. Only the primary replica (workerPoolSpecs[0]) runs; the other pools
 * appear in CLUSTER_SPEC and TF_CONFIG. The image is not run (no container engine): its command is.
 *
 * @example
 * ```ts
 * const job = startLocalCustomJob(spec, { onLog: ({ line }) => console.log(line) });
 * await job.wait(); // AIP_MODEL_DIR was .vertexkit/jobs/<id>/model/
 * ```
 */
export function startLocalCustomJob(spec: CustomJobSpec, options: LocalRunnerOptions = {}): LocalJobHandle {
  const resource = toCustomJobResource(spec) as unknown as LocalCustomJobResource;
  const jobId = `${Date.now()}${randomInt(1000, 9999)}`;
  const name = `projects/local/locations/local/customJobs/${jobId}`;
  const pools = resource.jobSpec.workerPoolSpecs;
  const primary = pools[0] ?? {};
  const cwd = options.cwd ?? process.cwd();
  const buckets = options.localBuckets === undefined ? undefined : path.resolve(cwd, options.localBuckets);
  const command = commandOf(primary, options.commands).map((part) => mapBucketPaths(part, buckets));
  const python = 'pythonPackageSpec' in primary ? primary.pythonPackageSpec : undefined;
  const baseOutputDir = mapBucketPaths(options.baseOutputDir ?? resource.jobSpec.baseOutputDirectory?.outputUriPrefix ?? path.join(cwd, '.vertexkit', 'jobs', jobId), buckets);
  const environment = vertexEnvironment({
    jobId,
    replicaCounts: pools.map((pool, index) => ('replicaCount' in pool || 'containerSpec' in pool || 'pythonPackageSpec' in pool ? Number((pool as { replicaCount?: number | string }).replicaCount ?? (index === 0 ? 1 : 0)) : 0)),
    task: { pool: 0, index: 0 },
    baseOutputDir,
    host: '127.0.0.1',
    basePort: 2222,
    ...('pythonPackageSpec' in primary && primary.pythonPackageSpec
      ? { job: { python_module: primary.pythonPackageSpec.pythonModule ?? '', package_uris: primary.pythonPackageSpec.packageUris ?? [], job_args: primary.pythonPackageSpec.args ?? [] } }
      : {}),
  });
  const specEnv = Object.fromEntries((('containerSpec' in primary ? primary.containerSpec?.env : undefined) ?? ('pythonPackageSpec' in primary ? primary.pythonPackageSpec?.env : undefined) ?? []).map(({ name: key, value }) => [key, mapBucketPaths(value ?? '', buckets)]));
  let pythonEnvironment: LocalPythonEnvironment | undefined;

  const logs: LocalJobLogLine[] = [];
  let state: JobState = 'JOB_STATE_QUEUED';
  const createTime = new Date();
  let startTime: Date | undefined;
  let endTime: Date | undefined;
  let error: { code: number; message: string } | undefined;
  let child: ChildProcess | undefined;
  let cancelRequested = false;
  let killTimer: NodeJS.Timeout | undefined;
  let exitCode: number | null = null;

  const snapshot = (): JobSnapshot => ({
    name,
    kind: 'customJob',
    displayName: resource.displayName,
    state,
    labels: resource.labels ?? {},
    createTime,
    ...(startTime ? { startTime } : {}),
    ...(endTime ? { endTime } : {}),
    ...(error ? { error } : {}),
    resource: { ...resource, name, state, createTime: createTime.toISOString(), ...(error ? { error } : {}) },
  });
  const finish = (next: JobState, failure?: { code: number; message: string }): void => {
    if (killTimer) clearTimeout(killTimer);
    state = next;
    endTime = new Date();
    if (failure) error = failure;
  };

  const run = async (): Promise<void> => {
    // Vertex provisions between QUEUED and PENDING and pulls the image between PENDING and RUNNING; here the
    // output folders are made instead.
    await Promise.resolve();
    if (cancelRequested) return finish('JOB_STATE_CANCELLED');
    state = 'JOB_STATE_PENDING';
    for (const key of ['AIP_MODEL_DIR', 'AIP_CHECKPOINT_DIR', 'AIP_TENSORBOARD_LOG_DIR']) {
      const location = parseLocation(environment[key]!);
      if (location.scheme === 'file') await mkdir(location.path, { recursive: true });
    }
    const baseEnv = options.env ?? process.env;
    if (python) {
      // What the executor image does before it runs the module: install the packages (here, into a kept venv).
      try {
        pythonEnvironment = await preparePythonEnvironment({ packageUris: python.packageUris ?? [], cwd, options: options.python ?? {}, localBuckets: buckets, storage: options.storage, env: baseEnv });
      } catch (failure) {
        if (!(failure instanceof PythonSetupError)) throw failure;
        return finish('JOB_STATE_FAILED', { code: 3, message: `The replica workerpool0-0 could not install its Python packages: ${failure.message}` });
      }
      command[0] = pythonEnvironment.python;
    }
    if (cancelRequested) return finish('JOB_STATE_CANCELLED');
    state = 'JOB_STATE_RUNNING';
    startTime = new Date();
    const [executable, ...args] = command;
    const proc = spawn(executable!, args, {
      cwd,
      env: { ...(python ? { PYTHONUNBUFFERED: '1' } : {}), ...baseEnv, ...specEnv, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: proc[stream] }).on('line', (line) => {
        const entry = { replica: 'workerpool0-0', stream, line };
        logs.push(entry);
        if (logs.length > LOG_TAIL) logs.shift();
        options.onLog?.(entry);
      });
    }
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      proc.once('error', (spawnError) => {
        logs.push({ replica: 'workerpool0-0', stream: 'stderr', line: spawnError.message });
        resolve([127, null]);
      });
      proc.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    exitCode = code;
    if (cancelRequested) return finish('JOB_STATE_CANCELLED');
    if (code === 0) return finish('JOB_STATE_SUCCEEDED');
    const lastError = [...logs].reverse().find((entry) => entry.stream === 'stderr')?.line;
    const status = signal ? `was killed by ${signal}` : `exited with a non-zero status of ${code}`;
    // Vertex's wording, so code that matches on it works locally too; then the replica's last stderr line.
    finish('JOB_STATE_FAILED', { code: 3, message: `The replica workerpool0-0 ${status}.${lastError ? ` Last error line: ${lastError}` : ''}` });
  };
  const running = run().catch((failure: unknown) => finish('JOB_STATE_FAILED', { code: 13, message: `the local runner could not start the job: ${(failure as Error).message}` }));

  return {
    name,
    kind: 'customJob',
    logs,
    environment,
    get exitCode() {
      return exitCode;
    },
    get pythonEnvironment() {
      return pythonEnvironment;
    },
    get: () => Promise.resolve(snapshot()),
    wait: (waitOptions: WaitOptions = {}) => waitForJob(() => Promise.resolve(snapshot()), { defaultPollIntervalMs: 200, ...waitOptions }),
    async cancel() {
      if (state === 'JOB_STATE_SUCCEEDED' || state === 'JOB_STATE_FAILED' || state === 'JOB_STATE_CANCELLED') return;
      cancelRequested = true;
      if (child && child.exitCode === null && child.signalCode === null) {
        state = 'JOB_STATE_CANCELLING';
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child?.kill('SIGKILL'), options.killAfterMs ?? 10_000);
        killTimer.unref();
      }
      await running;
    },
  };
}

function commandOf(pool: LocalCustomJobResource['jobSpec']['workerPoolSpecs'][number], commands: Record<string, string[]> = {}): string[] {
  if ('containerSpec' in pool && pool.containerSpec) {
    const { imageUri = '', command, args = [] } = pool.containerSpec;
    const base = command && command.length > 0 ? command : commands[imageUri];
    if (!base || base.length === 0) {
      throw new JobsError('INVALID_SPEC', `workerPoolSpecs[0].containerSpec.command: the local runner needs the command to run, as no container engine runs the image's entrypoint here; set command, or pass commands: { ${JSON.stringify(imageUri)}: ['node', 'main.js'] }`, {
        issues: [{ path: 'workerPoolSpecs[0].containerSpec.command', message: 'missing: the local runner cannot read an image entrypoint' }],
      });
    }
    return [...base, ...args];
  }
  if ('pythonPackageSpec' in pool && pool.pythonPackageSpec?.pythonModule) {
    return ['python3', '-m', pool.pythonPackageSpec.pythonModule, ...(pool.pythonPackageSpec.args ?? [])];
  }
  throw new JobsError('INVALID_SPEC', 'workerPoolSpecs[0]: the primary replica needs a containerSpec or a pythonPackageSpec', {
    issues: [{ path: 'workerPoolSpecs[0]', message: 'needs containerSpec or pythonPackageSpec' }],
  });
}

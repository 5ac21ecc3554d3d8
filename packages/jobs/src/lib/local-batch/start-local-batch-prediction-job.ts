import { randomInt } from 'node:crypto';
import type { Storage } from '@vertexkit/storage';
import type { BatchPredictionJobInstanceConfig, ModelContainerSpec } from '../../generated/vertex-types.js';
import { waitForJob, type JobHandle, type JobSnapshot, type WaitOptions } from '../job-handle.js';
import type { JobState } from '../job-state.js';
import { JobsError } from '../jobs-error.js';
import type { ValidateSpecOptions } from '../rules/common-rules.js';
import { BATCH_PREDICTION_JOB_KIND, validateBatchPredictionJobSpec, type BatchPredictionJobSpec } from '../specs/batch-prediction-job-spec.js';
import { toResource } from '../to-resource.js';
import { readInputLines, resolveInputFiles, type InputFile } from './batch-input.js';
import { BatchJournal, runIdentity, type JournalManifest, type JournalRecord } from './batch-journal.js';
import { instancePreparer, type InstanceEcho } from './instance-config.js';
import { findUnfinishedRun, newOutputDirectory } from './output-folder.js';
import { sendPredictRequest, type BatchRetryPolicy } from './predict-request.js';
import { readyServer, type BatchPredictionServer, type ReadyServer } from './prediction-server.js';
import { RPC_CODES, type RpcStatus } from './rpc-status.js';

/** Parameters of {@link startLocalBatchPredictionJob}. */
export interface StartLocalBatchPredictionJobParams {
  /** The job, as `submitBatchPredictionJob` takes it; validated the same way (JobsError INVALID_SPEC). */
  spec: BatchPredictionJobSpec;
  /**
   * The prediction server: `{ predictUrl }` of one already running (any server answering Vertex AI's
   * `{"instances"}` -> `{"predictions"}` contract, e.g. `@vertexkit/serve`), or `{ command, modelDirectory, ... }`
   * to start one as Vertex AI starts a serving container. Default: the spec's
   * `unmanagedContainerModel.containerSpec` command, with its `artifactUri` as AIP_STORAGE_URI.
   */
  server?: BatchPredictionServer;
  /**
   * Where the instances are read from, instead of `inputConfig.gcsSource.uris`: JSON Lines files, folders
   * (every file below), wildcards (`data/*.jsonl`, `gs://bucket/in/**`), local or gs://.
   */
  inputUris?: string[];
  /**
   * Where the `prediction-<model>-<time>/` folder is made, instead of
   * `outputConfig.gcsDestination.outputUriPrefix`: a local folder or gs://.
   */
  outputRoot?: string;
  /**
   * The job's output folder itself: resumed when it holds an unfinished run of this spec, started when absent
   * or empty. Default: an unfinished run of this spec and input under the output root, else a new folder.
   */
  outputDirectory?: string;
  /** `false`: always start a new run (a new folder), even when an unfinished one could be resumed. Default `true`. */
  resume?: boolean;
  /**
   * The `<model>` of the folder name: Vertex AI uses the model's display name, which the local runner cannot
   * look up. Default: the model ID (the last part of `model`), or `model` for an unmanagedContainerModel.
   */
  modelDisplayName?: string;
  /** Requests in flight at once. Default 4 (Vertex AI spreads them over up to maxReplicaCount replicas). */
  concurrency?: number;
  /** Time a request may take before it counts as failed (and is retried). Default 5 minutes. */
  requestTimeoutMs?: number;
  /** How failing requests are retried (429, 5xx, connection errors, timeouts). */
  retry?: Partial<BatchRetryPolicy>;
  /**
   * How often finished instances are written to the journal: what a kill can lose (those are predicted again
   * when the run is restarted). Default: every 1,000 instances or 2 s, whichever comes first.
   */
  checkpoint?: { everyInstances?: number; everyMs?: number };
  /** Lines per output file (`prediction.results-00000-of-00003`, ...). Default 10,000. */
  maxRecordsPerFile?: number;
  /** Storage handle (credentials, retries) for gs:// input and output. Default: Application Default Credentials. */
  storage?: Storage;
  /** Called each time finished instances are written, and once at the end. */
  onProgress?: (progress: LocalBatchPredictionProgress) => void;
  /** Cancels the run, as `cancel()` does: what is written stays, and the next run resumes from it. */
  signal?: AbortSignal;
  /** Options of the spec's validation. */
  validation?: ValidateSpecOptions;
}

/** How far a local batch prediction run is. */
export interface LocalBatchPredictionProgress {
  /** Instances predicted and written (this process and earlier ones of the same run). */
  successfulCount: number;
  /** Instances failed and written to errors_stats (this process and earlier ones). */
  failedCount: number;
  /** Of those, written by an earlier process of this run: not sent again. */
  resumedCount: number;
  /** Instances read from the input so far. */
  instancesRead: number;
  /** All instances of the input, once every file has been read. */
  instancesTotal: number | undefined;
  /** Requests sent by this process, retries not counted. */
  requestsSent: number;
  /** Retries of failed requests. */
  retries: number;
  /** Requests waiting for an answer now. */
  requestsInFlight: number;
  /** Since the run started predicting (this process). */
  elapsedMs: number;
  /** Instances written per second by this process. */
  instancesPerSecond: number;
}

/** A local batch prediction run: a {@link JobHandle}, plus where it writes and how far it is. */
export interface LocalBatchPredictionJobHandle extends JobHandle {
  /** The `prediction-<model>-<time>` folder, once chosen (also `outputInfo.gcsOutputDirectory` of the snapshot). */
  readonly outputDirectory: string | undefined;
  /** The latest progress. */
  readonly progress: LocalBatchPredictionProgress;
}

/** The parts of the spec in proto JSON shape that the runner reads. */
interface LocalBatchResource {
  displayName: string;
  model?: string;
  unmanagedContainerModel?: { artifactUri?: string; containerSpec?: ModelContainerSpec };
  inputConfig: { instancesFormat: string; gcsSource?: { uris?: string[] } };
  instanceConfig?: BatchPredictionJobInstanceConfig;
  modelParameters?: unknown;
  outputConfig: { predictionsFormat: string; gcsDestination?: { outputUriPrefix?: string } };
  manualBatchTuningParameters?: { batchSize?: number };
  labels?: Record<string, string>;
}

/** One instance on its way to the server. */
interface Pending {
  n: number;
  echo: InstanceEcho;
  send: unknown;
}

class RunFailure extends Error {
  code: number;
  constructor(message: string, code: number = RPC_CODES.INTERNAL) {
    super(message);
    this.code = code;
  }
}

/**
 * Runs a BatchPredictionJob on this machine, as Vertex AI runs it: the JSON Lines instances of its input (read
 * through @vertexkit/storage, local or gs://), `manualBatchTuningParameters.batchSize` (default 64) at a time in
 * `{"instances": [...], "parameters": modelParameters}` requests to a prediction server, and the answers in
 * Vertex AI's layout: `<outputUriPrefix>/prediction-<model>-<time>/prediction.results-00000-of-00001` (lines
 * `{"instance": ..., "prediction": ...}`, or `{"key": ..., "prediction": ...}` with `instanceConfig.keyField`)
 * and `prediction.errors_stats-00000-of-00001` (lines `{"instance": ..., "error": {"status", "code",
 * "message"}}`). `readBatchPredictionResults` reads them.
 *
 * Every instance ends up in exactly one of the two: an instance the server refuses (a 4xx), a line that is not
 * JSON, an instance that does not fit `instanceConfig` is an error line; the run goes on. Transient failures
 * are retried. Progress is journaled as the run goes: killed and started again with the same spec, the run
 * resumes in the same folder and sends only what was not written yet.
 *
 * @example
 * ```ts
 * const job = startLocalBatchPredictionJob({ spec, server: { predictUrl: 'http://127.0.0.1:8080/predict' }, outputRoot: './predictions' });
 * const done = await job.wait();
 * for await (const { instance, prediction } of readBatchPredictionResults({ outputDirectory: job.outputDirectory! })) console.log(instance, prediction);
 * ```
 */
export function startLocalBatchPredictionJob(params: StartLocalBatchPredictionJobParams): LocalBatchPredictionJobHandle {
  if (typeof params !== 'object' || params === null || !('spec' in params)) {
    throw new JobsError('INVALID_ARGUMENT', 'startLocalBatchPredictionJob takes one params object: { spec, server, outputRoot, ... }');
  }
  const spec = validateBatchPredictionJobSpec(params.spec, params.validation);
  const resource = toResource(spec, BATCH_PREDICTION_JOB_KIND.type, 'json') as unknown as LocalBatchResource;
  checkLocalSupport(resource, params);
  const batchSize = Number(resource.manualBatchTuningParameters?.batchSize ?? 64);
  const concurrency = positiveInteger(params.concurrency, 4, 'concurrency');
  const everyInstances = positiveInteger(params.checkpoint?.everyInstances, 1000, 'checkpoint.everyInstances');
  const everyMs = positiveInteger(params.checkpoint?.everyMs, 2000, 'checkpoint.everyMs');
  const maxRecordsPerFile = positiveInteger(params.maxRecordsPerFile, 10_000, 'maxRecordsPerFile');
  const requestTimeoutMs = positiveInteger(params.requestTimeoutMs, 300_000, 'requestTimeoutMs');
  const retryPolicy: BatchRetryPolicy = { retries: 5, minDelayMs: 200, maxDelayMs: 10_000, ...params.retry };
  const storage = params.storage;
  const modelName = params.modelDisplayName ?? (resource.model ? resource.model.split('/').at(-1)!.split('@')[0]! : 'model');
  const inputUris = params.inputUris ?? resource.inputConfig.gcsSource?.uris ?? [];
  const outputRoot = params.outputRoot ?? resource.outputConfig.gcsDestination?.outputUriPrefix ?? '';
  const identity = runIdentity({
    displayName: resource.displayName,
    model: resource.model,
    unmanagedContainerModel: resource.unmanagedContainerModel,
    instancesFormat: resource.inputConfig.instancesFormat,
    inputUris,
    instanceConfig: resource.instanceConfig,
    modelParameters: resource.modelParameters,
    modelName,
  });

  const controller = new AbortController();
  const onAbort = (): void => void cancel();
  params.signal?.addEventListener('abort', onAbort, { once: true });
  let jobId = `${Date.now()}${randomInt(1000, 9999)}`;
  let createTime = new Date();
  let state: JobState = 'JOB_STATE_QUEUED';
  let startTime: Date | undefined;
  let endTime: Date | undefined;
  let error: { code: number; message: string } | undefined;
  let outputDirectory: string | undefined;
  let cancelRequested = false;
  let runningSince = 0;
  let writtenHere = 0;
  const progress: LocalBatchPredictionProgress = {
    successfulCount: 0,
    failedCount: 0,
    resumedCount: 0,
    instancesRead: 0,
    instancesTotal: undefined,
    requestsSent: 0,
    retries: 0,
    requestsInFlight: 0,
    elapsedMs: 0,
    instancesPerSecond: 0,
  };
  const name = (): string => `projects/local/locations/local/batchPredictionJobs/${jobId}`;

  const snapshot = (): JobSnapshot => {
    const incomplete = progress.instancesTotal === undefined ? -1 : progress.instancesTotal - progress.successfulCount - progress.failedCount;
    return {
      name: name(),
      kind: 'batchPredictionJob',
      displayName: resource.displayName,
      state,
      labels: resource.labels ?? {},
      createTime,
      ...(startTime ? { startTime } : {}),
      ...(endTime ? { endTime } : {}),
      ...(error ? { error } : {}),
      resource: {
        ...resource,
        name: name(),
        state,
        createTime: createTime.toISOString(),
        ...(startTime ? { startTime: startTime.toISOString() } : {}),
        ...(endTime ? { endTime: endTime.toISOString() } : {}),
        ...(error ? { error } : {}),
        ...(outputDirectory ? { outputInfo: { gcsOutputDirectory: outputDirectory } } : {}),
        completionStats: { successfulCount: String(progress.successfulCount), failedCount: String(progress.failedCount), incompleteCount: String(incomplete) },
      },
    };
  };

  const report = (): void => {
    progress.elapsedMs = runningSince ? Date.now() - runningSince : 0;
    progress.instancesPerSecond = progress.elapsedMs > 0 ? Math.round((writtenHere / progress.elapsedMs) * 1000 * 10) / 10 : 0;
    try {
      params.onProgress?.({ ...progress });
    } catch {
      // A failing progress callback is the caller's bug, not a reason to stop predicting (or to blame the journal).
    }
  };

  const run = async (): Promise<void> => {
    await Promise.resolve();
    if (cancelRequested) return;
    state = 'JOB_STATE_PENDING';
    const files = await resolveInputFiles({ uris: inputUris, field: params.inputUris ? 'inputUris' : 'inputConfig.gcsSource.uris', storage, signal: controller.signal });
    const journal = await openJournal(files);
    outputDirectory = journal.outputDirectory;
    const completion = await journal.readCompletion();
    if (completion) {
      // Killed while deleting the journal of a finished run: its files are complete.
      await journal.removeJournal();
      progress.successfulCount = completion.successfulCount;
      progress.failedCount = completion.failedCount;
      progress.instancesTotal = completion.successfulCount + completion.failedCount;
      report();
      return;
    }
    await journal.load();
    progress.successfulCount = journal.successfulCount;
    progress.failedCount = journal.failedCount;
    progress.resumedCount = journal.done.size;
    if (cancelRequested) return;
    const server = await readyServer({
      server: params.server,
      containerSpec: resource.unmanagedContainerModel?.containerSpec,
      artifactUri: resource.unmanagedContainerModel?.artifactUri,
      jobId,
      signal: controller.signal,
    }).catch((failure: unknown) => {
      throw JobsError.isInstance(failure) && failure.code === 'ABORTED' ? failure : new RunFailure((failure as Error).message, RPC_CODES.UNAVAILABLE);
    });
    try {
      state = 'JOB_STATE_RUNNING';
      startTime = new Date();
      runningSince = Date.now();
      await predictAll(files, journal, server);
      if (cancelRequested) return;
      const done = await journal.finish(maxRecordsPerFile, controller.signal);
      progress.successfulCount = done.successfulCount;
      progress.failedCount = done.failedCount;
      report();
    } finally {
      await server.stop();
    }
  };

  /** The run's journal: an unfinished run of this spec resumed, or a new one. */
  const openJournal = async (files: InputFile[]): Promise<BatchJournal> => {
    const sameInputs = (manifest: JournalManifest): boolean => JSON.stringify(manifest.inputs) === JSON.stringify(files);
    const adopt = (manifest: JournalManifest): void => {
      jobId = manifest.jobId;
      createTime = new Date(manifest.createTime);
    };
    const fresh = async (directory: string): Promise<BatchJournal> => {
      const journal = new BatchJournal(directory, storage);
      await journal.writeManifest({ format: 'vertexkit-local-batch-prediction/1', jobId, createTime: createTime.toISOString(), identity, inputs: files });
      return journal;
    };
    if (params.outputDirectory !== undefined) {
      const journal = new BatchJournal(params.outputDirectory, storage);
      const manifest = await journal.readManifest();
      if (manifest) {
        if (manifest.identity !== identity) {
          throw new RunFailure(`outputDirectory ${journal.outputDirectory} holds an unfinished run of another spec or input list; resume it with that spec, or pick another folder`, RPC_CODES.FAILED_PRECONDITION);
        }
        if (!sameInputs(manifest)) throw new RunFailure(inputChange(manifest.inputs, files), RPC_CODES.FAILED_PRECONDITION);
        adopt(manifest);
        return journal;
      }
      if (!(await journal.readCompletion())) {
        const existing = (await journal.outputFiles()).filter((file) => file.startsWith('prediction.'));
        if (existing.length > 0) {
          throw new RunFailure(`outputDirectory ${journal.outputDirectory} already holds a finished run's output (${existing.slice(0, 3).join(', ')}); pick another folder, or delete these files to run again`, RPC_CODES.ALREADY_EXISTS);
        }
        return fresh(params.outputDirectory);
      }
      return journal;
    }
    if (params.resume !== false) {
      const found = await findUnfinishedRun({ root: outputRoot, modelName, identity, sameInputs, storage });
      if (found) {
        adopt(found.manifest);
        return new BatchJournal(found.outputDirectory, storage);
      }
    }
    return fresh(newOutputDirectory(outputRoot, modelName, createTime));
  };

  const predictAll = async (files: InputFile[], journal: BatchJournal, server: ReadyServer): Promise<void> => {
    const prepare = instancePreparer(resource.instanceConfig);
    const inFlight = new Set<Promise<void>>();
    let failure: RunFailure | undefined;
    let pending: JournalRecord[] = [];
    let pendingSince = 0;
    let writing: Promise<void> = Promise.resolve();

    const checkpoint = (): void => {
      if (pending.length === 0) return;
      const records = pending;
      pending = [];
      writing = writing
        .then(async () => {
          await journal.append(records);
          writtenHere += records.length;
          progress.successfulCount = journal.successfulCount;
          progress.failedCount = journal.failedCount;
          report();
        })
        .catch((cause: unknown) => {
          failure ??= new RunFailure(`could not write the journal in ${journal.outputDirectory}: ${(cause as Error).message}`, RPC_CODES.UNAVAILABLE);
        });
    };
    const timer = setInterval(() => {
      if (pending.length > 0 && Date.now() - pendingSince >= everyMs) checkpoint();
    }, Math.min(everyMs, 500));
    timer.unref();

    const record = (entry: JournalRecord): void => {
      if (pending.length === 0) pendingSince = Date.now();
      pending.push(entry);
      if (pending.length >= everyInstances) checkpoint();
    };
    const recordError = (n: number, echo: InstanceEcho, status: RpcStatus, message: string): void => {
      record({ n, e: { ...echo, error: { status, code: RPC_CODES[status], message } } });
    };

    /** `halved`: a part of a batch that was refused or kept failing, sent to find the instances to blame. */
    const predict = async (batch: Pending[], halved = false): Promise<void> => {
      progress.requestsSent++;
      progress.requestsInFlight++;
      const outcome = await sendPredictRequest({
        url: server.predictUrl,
        headers: server.headers,
        instances: batch.map((item) => item.send),
        parameters: resource.modelParameters,
        retry: retryPolicy,
        timeoutMs: requestTimeoutMs,
        signal: controller.signal,
        onRetry: () => void progress.retries++,
        retryModelFailures: !halved,
      }).finally(() => void progress.requestsInFlight--);
      switch (outcome.kind) {
        case 'predicted':
          batch.forEach((item, index) => record({ n: item.n, r: { ...item.echo, prediction: outcome.predictions[index] } }));
          return;
        case 'refused':
          // A server refuses the whole request for one bad instance: halve the batch until the refused
          // instances stand alone, so that their neighbours are still predicted (log2(batchSize) extra requests
          // per bad instance at most).
          if (batch.length > 1) {
            await predict(batch.slice(0, Math.ceil(batch.length / 2)), true);
            await predict(batch.slice(Math.ceil(batch.length / 2)), true);
            return;
          }
          recordError(batch[0]!.n, batch[0]!.echo, outcome.status, outcome.message);
          return;
        case 'too-large':
          if (batch.length === 1) {
            recordError(batch[0]!.n, batch[0]!.echo, 'INVALID_ARGUMENT', `the instance alone is larger than the server accepts: ${outcome.message}`);
            return;
          }
          // The server's body limit, not the instances: send each half on its own.
          await predict(batch.slice(0, Math.ceil(batch.length / 2)), halved);
          await predict(batch.slice(Math.ceil(batch.length / 2)), halved);
          return;
        case 'fatal':
          failure ??= new RunFailure(server.exitReason() ?? outcome.message, RPC_CODES.UNAVAILABLE);
          return;
      }
    };
    const launch = async (batch: Pending[]): Promise<void> => {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const request: Promise<void> = predict(batch)
        .catch((cause: unknown) => {
          if (!controller.signal.aborted) failure ??= new RunFailure((cause as Error).message);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    };

    try {
      let batch: Pending[] = [];
      for await (const line of readInputLines({ files, storage, signal: controller.signal })) {
        if (failure || controller.signal.aborted) break;
        progress.instancesRead++;
        if (journal.done.has(line.ordinal)) continue;
        if ('problem' in line) {
          recordError(line.ordinal, { instance: line.text }, 'INVALID_ARGUMENT', line.problem);
          continue;
        }
        const prepared = prepare(line.instance);
        if ('problem' in prepared) {
          recordError(line.ordinal, prepared.echo, 'INVALID_ARGUMENT', prepared.problem);
          continue;
        }
        batch.push({ n: line.ordinal, echo: prepared.echo, send: prepared.send });
        if (batch.length >= batchSize) {
          await launch(batch);
          batch = [];
        }
      }
      if (!failure && !controller.signal.aborted) {
        progress.instancesTotal = progress.instancesRead;
        if (batch.length > 0) await launch(batch);
      }
      await Promise.all(inFlight);
    } catch (cause) {
      await Promise.all(inFlight);
      if (!controller.signal.aborted) failure ??= new RunFailure(`reading the input: ${(cause as Error).message}`, RPC_CODES.INVALID_ARGUMENT);
    } finally {
      clearInterval(timer);
      // Whatever finished is written, also when the run stops early: a restart does not send it again.
      checkpoint();
      await writing;
    }
    if (failure) throw failure;
    if (controller.signal.aborted) return;
    if (journal.done.size !== progress.instancesTotal) {
      throw new RunFailure(`${journal.done.size} instances journaled for ${String(progress.instancesTotal)} read; did the input change while the run read it?`);
    }
  };

  const finish = (next: JobState, failure?: { code: number; message: string }): void => {
    params.signal?.removeEventListener('abort', onAbort);
    state = next;
    endTime = new Date();
    if (failure) error = failure;
  };
  const running = run().then(
    () => finish(cancelRequested ? 'JOB_STATE_CANCELLED' : 'JOB_STATE_SUCCEEDED'),
    (failure: unknown) => {
      if (cancelRequested) return finish('JOB_STATE_CANCELLED');
      const code = failure instanceof RunFailure ? failure.code : JobsError.isInstance(failure) && failure.code === 'INVALID_ARGUMENT' ? RPC_CODES.INVALID_ARGUMENT : RPC_CODES.INTERNAL;
      finish('JOB_STATE_FAILED', { code, message: (failure as Error).message });
    },
  );

  if (params.signal?.aborted) void cancel();

  async function cancel(): Promise<void> {
    if (state === 'JOB_STATE_SUCCEEDED' || state === 'JOB_STATE_FAILED' || state === 'JOB_STATE_CANCELLED') return;
    cancelRequested = true;
    state = 'JOB_STATE_CANCELLING';
    controller.abort(new JobsError('ABORTED', 'the batch prediction run was cancelled'));
    await running;
  }

  return {
    get name() {
      return name();
    },
    kind: 'batchPredictionJob',
    get outputDirectory() {
      return outputDirectory;
    },
    get progress() {
      return { ...progress };
    },
    get: () => Promise.resolve(snapshot()),
    wait: (waitOptions: WaitOptions = {}) => waitForJob(() => Promise.resolve(snapshot()), { defaultPollIntervalMs: 200, ...waitOptions }),
    cancel,
  };
}

/** What the local runner cannot do, refused before it starts, with the field and the fix. */
function checkLocalSupport(resource: LocalBatchResource, params: StartLocalBatchPredictionJobParams): void {
  const refuse = (path: string, message: string): never => {
    throw new JobsError('INVALID_ARGUMENT', `${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (resource.inputConfig.instancesFormat !== 'jsonl') {
    refuse('inputConfig.instancesFormat', `the local runner reads "jsonl" instances; got ${JSON.stringify(resource.inputConfig.instancesFormat)}`);
  }
  if (resource.outputConfig.predictionsFormat !== 'jsonl') {
    refuse('outputConfig.predictionsFormat', `the local runner writes "jsonl" predictions; got ${JSON.stringify(resource.outputConfig.predictionsFormat)}`);
  }
  if (!params.inputUris && !resource.inputConfig.gcsSource?.uris?.length) {
    refuse('inputConfig.gcsSource', 'the local runner reads Cloud Storage or local files: set gcsSource.uris, or pass inputUris');
  }
  if (params.inputUris && (!Array.isArray(params.inputUris) || params.inputUris.length === 0 || params.inputUris.some((uri) => typeof uri !== 'string'))) {
    refuse('inputUris', `expected a non-empty list of files, folders or wildcards, got ${JSON.stringify(params.inputUris)}`);
  }
  if (!params.outputRoot && !params.outputDirectory && !resource.outputConfig.gcsDestination?.outputUriPrefix) {
    refuse('outputConfig.gcsDestination', 'the local runner writes to Cloud Storage or a local folder: set gcsDestination.outputUriPrefix, or pass outputRoot');
  }
  const server = params.server;
  if (server !== undefined && (typeof server !== 'object' || server === null)) {
    refuse('server', `expected { predictUrl } or { command, modelDirectory }, got ${JSON.stringify(server)}`);
  }
  if (server && 'predictUrl' in server && typeof server.predictUrl !== 'string') {
    refuse('server.predictUrl', `expected a URL such as http://127.0.0.1:8080/predict, got ${JSON.stringify(server.predictUrl)}`);
  }
  if (server && 'command' in server && server.command !== undefined && (!Array.isArray(server.command) || server.command.length === 0)) {
    refuse('server.command', `expected the command and its arguments, e.g. ['node', 'server.js'], got ${JSON.stringify(server.command)}`);
  }
  const containerSpec = resource.unmanagedContainerModel?.containerSpec;
  if ((!server || !('predictUrl' in server)) && !(server && 'command' in server && server.command) && !(containerSpec?.command?.length || containerSpec?.args?.length)) {
    refuse(
      'server',
      'say which prediction server answers: { predictUrl: "http://127.0.0.1:8080/predict" } of a running one, or { command: [...], modelDirectory } to start one ' +
        '(the spec names no unmanagedContainerModel.containerSpec.command, and no container engine runs an image here)',
    );
  }
}

function positiveInteger(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new JobsError('INVALID_ARGUMENT', `${path}: expected a whole number of at least 1, got ${JSON.stringify(value)}`, { issues: [{ path, message: 'not a positive whole number' }] });
  }
  return value;
}

function inputChange(before: InputFile[], now: InputFile[]): string {
  const byUri = new Map(now.map((file) => [file.uri, file]));
  const changed = before.find((file) => {
    const current = byUri.get(file.uri);
    return !current || current.size !== file.size || current.version !== file.version;
  });
  const detail = changed
    ? byUri.has(changed.uri)
      ? `${changed.uri} changed since the run started (${changed.size} bytes, version ${changed.version}; now ${byUri.get(changed.uri)!.size} bytes, version ${byUri.get(changed.uri)!.version})`
      : `${changed.uri} is gone`
    : `the input files are not the ones the run started with (${before.length} then, ${now.length} now)`;
  return `${detail}; instances are numbered by their place in the input, so the run cannot resume: restore the input, or start a new run (resume: false)`;
}

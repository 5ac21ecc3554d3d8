import { list, parseLocation, readJsonl, type Storage } from '@vertexkit/storage';
import { JobsError } from './jobs-error.js';
import { isRpcStatus, RPC_CODES, rpcStatusOf } from './local-batch/rpc-status.js';

/** Parameters of {@link readBatchPredictionResults} and {@link readBatchPredictionErrors}. */
export interface ReadBatchPredictionResultsParams {
  /**
   * The job's output folder: `outputInfo.gcsOutputDirectory` of a finished BatchPredictionJob
   * (`gs://bucket/prefix/prediction-<model>-<time>/`), or a local copy of it.
   */
  outputDirectory: string;
  /** Storage handle (credentials, retries) for gs://; default: Application Default Credentials. */
  storage?: Storage;
  signal?: AbortSignal;
}

/**
 * One line of `prediction.results-*`: the instance as read from the input, and the model's prediction for it.
 * A job with `instanceConfig.keyField` writes the instance's key instead of the instance:
 * `{ key, prediction }`.
 */
export type BatchPredictionResult<Instance = unknown, Prediction = unknown> =
  | { instance: Instance; key?: undefined; prediction: Prediction }
  | { key: unknown; instance?: undefined; prediction: Prediction };

/**
 * Why an instance failed: google.rpc.Code as a number (`code`, e.g. 3) and as its name (`status`, e.g.
 * `INVALID_ARGUMENT`), and the message. Files carry one or both; both are filled in here.
 */
export interface BatchPredictionErrorStatus {
  code: number;
  status: string;
  message: string;
}

/** One line of `prediction.errors_stats-*`: an instance Vertex AI could not predict (or its key), and why. */
export type BatchPredictionError<Instance = unknown> =
  | { instance: Instance; key?: undefined; error: BatchPredictionErrorStatus }
  | { key: unknown; instance?: undefined; error: BatchPredictionErrorStatus };

/** What {@link readBatchPredictionErrors} returns. */
export interface BatchPredictionErrorStats<Instance = unknown> {
  /** How many instances failed. */
  count: number;
  /** Failures per error message: the usual cause of a batch's errors is one bad field, repeated. */
  byMessage: Record<string, number>;
  /** The first `keep` failures, in file order. */
  examples: Array<BatchPredictionError<Instance>>;
}

const SHARD = /^prediction\.(results|errors_stats)-(\d{5})-of-(\d{5})$/;

/**
 * The predictions of a batch prediction job, in shard order: every `prediction.results-NNNNN-of-MMMMM` JSON
 * Lines file of its output folder, read through @vertexkit/storage. A missing shard (a job still writing, or a
 * partial copy) is an error naming it, not a silently short result. Reads what Vertex AI writes and what
 * `startLocalBatchPredictionJob` writes.
 *
 * @example
 * ```ts
 * for await (const { instance, prediction } of readBatchPredictionResults({ outputDirectory })) { ... }
 * ```
 */
export async function* readBatchPredictionResults<Instance = unknown, Prediction = unknown>(
  params: ReadBatchPredictionResultsParams,
): AsyncGenerator<BatchPredictionResult<Instance, Prediction>> {
  for (const file of await shardFiles(params, 'results')) {
    let line = 0;
    for await (const record of readJsonl<Record<string, unknown>>({ from: file, storage: params.storage, signal: params.signal })) {
      line++;
      if (!('prediction' in record) || !('instance' in record || 'key' in record)) {
        throw new JobsError('INVALID_ARGUMENT', `${file} line ${line}: expected {"instance": ..., "prediction": ...}, got keys ${JSON.stringify(Object.keys(record))} ("key" may stand for "instance", with instanceConfig.keyField); is this a batch prediction output folder?`);
      }
      const prediction = record['prediction'] as Prediction;
      yield 'instance' in record ? { instance: record['instance'] as Instance, prediction } : { key: record['key'], prediction };
    }
  }
}

/**
 * The failures of a batch prediction job, from its `prediction.errors_stats-*` files: how many, counted by
 * message, and the first `keep` (default 10) with their instances. No errors file means no failures.
 */
export async function readBatchPredictionErrors<Instance = unknown>(
  params: ReadBatchPredictionResultsParams & { keep?: number },
): Promise<BatchPredictionErrorStats<Instance>> {
  const stats: BatchPredictionErrorStats<Instance> = { count: 0, byMessage: {}, examples: [] };
  const keep = params.keep ?? 10;
  for (const file of await shardFiles(params, 'errors_stats')) {
    for await (const record of readJsonl<Record<string, unknown>>({ from: file, storage: params.storage, signal: params.signal })) {
      const error = record['error'] as { code?: unknown; status?: unknown; message?: unknown } | undefined;
      const message = typeof error?.message === 'string' ? error.message : error?.message === undefined ? 'unknown error' : JSON.stringify(error.message);
      stats.count++;
      stats.byMessage[message] = (stats.byMessage[message] ?? 0) + 1;
      if (stats.examples.length < keep) {
        // google.rpc.Status has a number (`code`); PredictionResult.Error the name (`status`): either may be there.
        const code = typeof error?.code === 'number' ? error.code : isRpcStatus(error?.status) ? RPC_CODES[error.status] : RPC_CODES.UNKNOWN;
        const status = isRpcStatus(error?.status) ? error.status : rpcStatusOf(code);
        const reason = { code, status, message };
        stats.examples.push('instance' in record || !('key' in record) ? { instance: record['instance'] as Instance, error: reason } : { key: record['key'], error: reason });
      }
    }
  }
  return stats;
}

/** The shard files of one kind, in order, after checking that none is missing. */
async function shardFiles(params: ReadBatchPredictionResultsParams, kind: 'results' | 'errors_stats'): Promise<string[]> {
  const directory = parseLocation(params.outputDirectory);
  const prefix = directory.uri.endsWith('/') ? directory.uri : `${directory.uri}/`;
  const shards = new Map<number, string>();
  let total: number | undefined;
  const names: string[] = [];
  for await (const entry of list({ prefix, recursive: false, storage: params.storage, signal: params.signal })) {
    if (entry.type !== 'file') continue;
    const name = entry.location.uri.slice(entry.location.uri.lastIndexOf('/') + 1);
    names.push(name);
    const match = SHARD.exec(name);
    if (!match || match[1] !== kind) continue;
    const of = Number(match[3]);
    if (total !== undefined && total !== of) {
      throw new JobsError('INVALID_ARGUMENT', `${prefix}: prediction.${kind} shards disagree on their count (-of-${String(total).padStart(5, '0')} and -of-${match[3]}); the folder mixes two jobs' outputs`);
    }
    total = of;
    shards.set(Number(match[2]), entry.location.uri);
  }
  if (total === undefined) {
    if (kind === 'errors_stats') return [];
    throw new JobsError('NOT_FOUND', `${prefix}: no prediction.results-* files (found: ${names.length > 0 ? names.slice(0, 10).join(', ') : 'nothing'}); pass the job's outputInfo.gcsOutputDirectory, after the job has SUCCEEDED`, { resource: prefix });
  }
  const missing = Array.from({ length: total }, (_, index) => index).filter((index) => !shards.has(index));
  if (missing.length > 0) {
    const pad = (n: number) => String(n).padStart(5, '0');
    throw new JobsError('NOT_FOUND', `${prefix}: missing ${missing.map((index) => `prediction.${kind}-${pad(index)}-of-${pad(total)}`).join(', ')}; the job may still be writing, or the copy is partial`, { resource: prefix });
  }
  return [...shards.keys()].sort((a, b) => a - b).map((index) => shards.get(index)!);
}

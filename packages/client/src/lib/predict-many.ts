import { buildBody, encodeInstances } from './encode-instances.js';
import { planRequests } from './plan-requests.js';
import type { RequestLimits } from './plan-requests.js';
import { PredictionError } from './prediction-error.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { sendPredictionRequest } from './send-prediction-request.js';
import type { PredictResult, RequestSettings } from './send-prediction-request.js';

/** Options of `predictMany()`; the limits default to the client's. */
export interface PredictManyOptions<Params = unknown> {
  /** `parameters` sent with every request. */
  parameters?: Params;
  /** Largest request body in bytes. Default: the client's `maxRequestBytes` (1_572_864, Vertex AI's 1.5 MB). */
  maxRequestBytes?: number;
  /** Most instances in one request. Default: the client's `maxInstancesPerRequest` (64). */
  maxInstancesPerRequest?: number;
  /** Requests in flight at once. Default: the client's `concurrency` (4). */
  concurrency?: number;
  /** Called once with nothing done yet, then after every request finished or failed. */
  onProgress?: (progress: PredictManyProgress) => void;
  /** Aborts the requests in flight and starts no more; `predictMany()` rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** Where a `predictMany()` is. */
export interface PredictManyProgress {
  /** Instances with a prediction so far. */
  instancesDone: number;
  /** Instances whose request failed so far. */
  instancesFailed: number;
  /** Instances in all. */
  instancesTotal: number;
  /** Requests finished (successfully) so far. */
  requestsDone: number;
  /** Requests that failed so far. */
  requestsFailed: number;
  /** Requests in the plan. */
  requestsTotal: number;
}

/** What `predictMany()` returns. */
export interface PredictManyResult<Prediction = unknown> {
  /** One prediction per instance, in the order of the instances. */
  predictions: Prediction[];
  /** Requests sent (each a consecutive slice of the instances). */
  requests: number;
  /** Attempts in all, retries included. */
  attempts: number;
  /** The distinct deployed model ids that answered (Vertex AI, with a traffic split there can be several). */
  deployedModelIds: string[];
}

/**
 * A failure that concerns the instances of one request (a 400 naming one of them, a body over the
 * server's limit): the other requests still go. Anything else (credentials, a wrong URL, an outage that
 * outlasted the retries, a timeout) would fail them all, so no new request starts.
 */
function concernsOnlyItsInstances(error: PredictionError): boolean {
  return error.code === 'HTTP_ERROR' && (error.status === 400 || error.status === 413 || error.status === 422);
}

const range = (start: number, end: number): string => (end - start === 1 ? `${start}` : `${start}-${end - 1}`);

/**
 * Predict any number of instances: split them into requests under the size and count limits, send
 * those with bounded concurrency (each retried as `predict()` is), and return the predictions in input
 * order. If requests fail, the error lists every instance without a prediction and carries the others.
 */
export async function predictMany<Prediction>(
  settings: RequestSettings,
  instances: readonly unknown[],
  options: Omit<PredictManyOptions, 'maxRequestBytes' | 'maxInstancesPerRequest' | 'concurrency'> & RequestLimits & { concurrency: number },
): Promise<PredictManyResult<Prediction>> {
  const { signal, onProgress } = options;
  const encoded = encodeInstances(instances, options.parameters);
  const plan = planRequests(encoded, options);
  const predictions = new Array<Prediction | undefined>(instances.length);
  // 1 where a prediction arrived (a prediction may itself be null, so predictions[] cannot tell).
  const answered = new Uint8Array(instances.length);
  const failures: { index: number; error: PredictionError }[] = [];
  const deployedModelIds = new Set<string>();
  const progress: PredictManyProgress = {
    instancesDone: 0,
    instancesFailed: 0,
    instancesTotal: instances.length,
    requestsDone: 0,
    requestsFailed: 0,
    requestsTotal: plan.length,
  };
  const report = () => onProgress?.({ ...progress });
  let attempts = 0;
  let stopped = false;

  report();
  await runWithConcurrency(
    plan.length,
    options.concurrency,
    async (index) => {
      const request = plan[index];
      if (request === undefined) return;
      const count = request.end - request.start;
      try {
        const result: PredictResult<Prediction> = await sendPredictionRequest<Prediction>(settings, {
          body: buildBody(encoded, request.start, request.end),
          instanceCount: count,
          firstIndex: request.start,
          signal,
        });
        attempts += result.attempts;
        for (let i = 0; i < count; i++) predictions[request.start + i] = result.predictions[i];
        answered.fill(1, request.start, request.end);
        if (result.deployedModelId !== undefined) deployedModelIds.add(result.deployedModelId);
        progress.instancesDone += count;
        progress.requestsDone += 1;
      } catch (caught) {
        const error = PredictionError.isInstance(caught)
          ? caught
          : new PredictionError('NETWORK_ERROR', String(caught), { cause: caught, failedInstances: Array.from({ length: count }, (_, i) => request.start + i) });
        attempts += error.attempts;
        failures.push({ index, error });
        if (!concernsOnlyItsInstances(error)) stopped = true;
        progress.instancesFailed += count;
        progress.requestsFailed += 1;
      }
      report();
    },
    () => stopped || signal?.aborted === true,
  );

  const missing: number[] = [];
  for (let i = 0; i < instances.length; i++) if (answered[i] === 0) missing.push(i);

  if (signal?.aborted) {
    throw new PredictionError('ABORTED', `predictMany was aborted by the caller's signal: ${instances.length - missing.length} of ${instances.length} instances have a prediction`, {
      cause: signal.reason,
      attempts,
      failedInstances: missing,
      partialPredictions: predictions,
      requestErrors: failures.sort((a, b) => a.index - b.index).map((f) => f.error),
    });
  }
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    const first = failures[0]!.error;
    const firstRequest = plan[failures[0]!.index]!;
    const ranges = failures.slice(0, 5).map((f) => range(plan[f.index]!.start, plan[f.index]!.end));
    const unsent = plan.length - progress.requestsDone - progress.requestsFailed;
    throw new PredictionError(
      first.code,
      `predictMany: ${failures.length} of ${plan.length} requests failed (instances ${ranges.join(', ')}${failures.length > 5 ? ', ...' : ''})` +
        `${unsent > 0 ? `, ${unsent} not sent after that failure` : ''}; ${missing.length} of ${instances.length} instances have no prediction. ` +
        `First failure (instances ${range(firstRequest.start, firstRequest.end)}): ${first.message}`,
      {
        status: first.status,
        serverMessage: first.serverMessage,
        serverStatus: first.serverStatus,
        requestId: first.requestId,
        url: first.url,
        attempts,
        failedInstances: missing,
        requestErrors: failures.map((f) => f.error),
        partialPredictions: predictions,
        body: first.body,
        cause: first,
      },
    );
  }
  return { predictions: predictions as Prediction[], requests: plan.length, attempts, deployedModelIds: [...deployedModelIds] };
}

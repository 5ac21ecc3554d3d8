import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

/** The Prometheus metrics of one server, in a registry of its own (never prom-client's global one). */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Requests by method, route and status, and their latency. */
  readonly requests: RequestMetrics;
  readonly batchSize: Histogram;
  readonly queueDepth: Gauge;
  readonly modelRunDuration: Histogram<'outcome'>;
  readonly modelReady: Gauge;
}

const PREFIX = 'vertexkit_serve_';

/** Powers of two up to (and including) `max`. */
function batchBuckets(max: number): number[] {
  const buckets: number[] = [];
  for (let size = 1; size < max; size *= 2) buckets.push(size);
  buckets.push(max);
  return buckets;
}

/** Create the metrics; `maxBatchSize` bounds the batch-size buckets. */
export function createServerMetrics(maxBatchSize: number): ServerMetrics {
  const registry = new Registry();
  // Process metrics (CPU, heap, event-loop lag): the first things to check when latency grows.
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return {
    registry,
    requests: new RequestMetrics(registry, PREFIX),
    batchSize: new Histogram({
      name: `${PREFIX}batch_size`,
      help: 'Instances per model run.',
      buckets: batchBuckets(maxBatchSize),
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: `${PREFIX}queue_depth`,
      help: 'Instances waiting for a model run.',
      registers: [registry],
    }),
    modelRunDuration: new Histogram({
      name: `${PREFIX}model_run_duration_seconds`,
      help: 'Duration of one model run (handler.run over one batch), by outcome (ok or error).',
      labelNames: ['outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    modelReady: new Gauge({
      name: `${PREFIX}model_ready`,
      help: '1 once handler.load() resolved and until the server drains, else 0.',
      registers: [registry],
    }),
  };
}

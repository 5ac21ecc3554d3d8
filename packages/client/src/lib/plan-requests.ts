import type { EncodedInstances } from './encode-instances.js';
import { PredictionError } from './prediction-error.js';

/** One request of a `predictMany()`: instances [start, end) of the caller's array. */
export interface PlannedRequest {
  start: number;
  end: number;
  /** Exact size of the body. */
  bytes: number;
}

/** Limits a request must respect. */
export interface RequestLimits {
  maxRequestBytes: number;
  maxInstancesPerRequest: number;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Split instances, in order, into consecutive requests of at most `maxInstancesPerRequest` instances
 * and `maxRequestBytes` bytes of body each (greedy: each request is filled before the next starts).
 * Throws `INSTANCE_TOO_LARGE`, before anything is sent, when an instance cannot fit in a request on its own.
 */
export function planRequests(encoded: EncodedInstances, limits: RequestLimits): PlannedRequest[] {
  const { sizes, envelopeBytes } = encoded;
  const tooLarge: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    if (envelopeBytes + (sizes[i] ?? 0) > limits.maxRequestBytes) tooLarge.push(i);
  }
  const first = tooLarge[0];
  if (first !== undefined) {
    const size = sizes[first] ?? 0;
    const more = tooLarge.length > 1 ? ` (and ${tooLarge.length - 1} more: instances ${tooLarge.slice(1, 6).join(', ')}${tooLarge.length > 6 ? ', ...' : ''})` : '';
    throw new PredictionError(
      'INSTANCE_TOO_LARGE',
      `instances[${first}] is ${fmt(size)} bytes as JSON; with the request envelope${encoded.parametersPart ? ' and parameters' : ''} ` +
        `(${fmt(envelopeBytes)} bytes) it cannot fit in one request of at most ${fmt(limits.maxRequestBytes)} bytes (maxRequestBytes)${more}. ` +
        'Shrink the instance (send a gs:// URI instead of the data) or raise maxRequestBytes if the server accepts more. Nothing was sent.',
      { failedInstances: tooLarge },
    );
  }

  const plan: PlannedRequest[] = [];
  let start = 0;
  let bytes = envelopeBytes;
  for (let i = 0; i < sizes.length; i++) {
    const count = i - start;
    const cost = (sizes[i] ?? 0) + (count > 0 ? 1 : 0);
    if (count > 0 && (count >= limits.maxInstancesPerRequest || bytes + cost > limits.maxRequestBytes)) {
      plan.push({ start, end: i, bytes });
      start = i;
      bytes = envelopeBytes + (sizes[i] ?? 0);
    } else {
      bytes += cost;
    }
  }
  if (sizes.length > start) plan.push({ start, end: sizes.length, bytes });
  return plan;
}

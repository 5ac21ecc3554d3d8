import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Characters a caller-supplied id may use: enough for UUIDs, trace ids and ULIDs, safe in headers and logs. */
const SAFE_ID = /^[\w.:/+=-]{1,128}$/;
const CLOUD_TRACE = /^([0-9a-f]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/i;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/i;
const ZERO_TRACE = '0'.repeat(32);

/** The W3C / Cloud Trace context a request arrived with. */
export interface TraceContext {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits, when the header carried one. */
  spanId?: string;
  sampled?: boolean;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The trace context from `x-cloud-trace-context` (`TRACE_ID/SPAN_ID;o=1`, which Cloud Run and Google's
 * load balancers add) or else `traceparent` (W3C), or undefined.
 */
export function traceContextFrom(headers: IncomingHttpHeaders): TraceContext | undefined {
  const cloud = CLOUD_TRACE.exec(header(headers, 'x-cloud-trace-context')?.trim() ?? '');
  if (cloud?.[1] && cloud[1] !== ZERO_TRACE) {
    const context: TraceContext = { traceId: cloud[1].toLowerCase() };
    // Cloud Trace writes the span id in decimal; Cloud Logging wants 16 hex digits.
    if (cloud[2]) context.spanId = BigInt.asUintN(64, BigInt(cloud[2])).toString(16).padStart(16, '0');
    if (cloud[3]) context.sampled = cloud[3] === '1';
    return context;
  }
  const w3c = TRACEPARENT.exec(header(headers, 'traceparent')?.trim() ?? '');
  if (w3c?.[1] && w3c[2] && w3c[3] && w3c[1] !== ZERO_TRACE) {
    return {
      traceId: w3c[1].toLowerCase(),
      spanId: w3c[2].toLowerCase(),
      sampled: (Number.parseInt(w3c[3], 16) & 1) === 1,
    };
  }
  return undefined;
}

/**
 * The id a request is logged under and answered with (`x-request-id`): the caller's `x-request-id` when
 * it is a plausible id (the caller asked to be able to find this request), else the trace id from
 * `x-cloud-trace-context` or `traceparent` (so log lines join Cloud Run's own request log and Cloud
 * Trace), else a random UUID.
 */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = header(headers, 'x-request-id')?.trim();
  if (given && SAFE_ID.test(given)) return given;
  return traceContextFrom(headers)?.traceId ?? randomUUID();
}

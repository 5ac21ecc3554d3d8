import type { FastifyRequest } from 'fastify';
import type { PredictionServerLoggerOptions } from './options.js';
import type { TraceContext } from './request-id.js';

/** Pino level label -> Cloud Logging `severity`. */
export const SEVERITY: Readonly<Record<string, string>> = Object.freeze({
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
});

/**
 * Pino options that write what Cloud Logging's structured-logging agent (Cloud Run, Vertex AI) parses:
 * `severity` instead of pino's numeric `level`, `message` instead of `msg`, `time` as RFC 3339, and no
 * pid/hostname (the platform labels the resource), written synchronously to stdout. The caller's options
 * win, key by key.
 */
export function cloudLoggingOptions(user: PredictionServerLoggerOptions): PredictionServerLoggerOptions {
  return {
    level: 'info',
    messageKey: 'message',
    base: null,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    // pino's default destination writes asynchronously and, on process.exit after SIGTERM, can drop or
    // reorder the last lines (the ones that explain the shutdown). process.stdout is synchronous for
    // files and pipes on Linux, which is where Cloud Run and Vertex AI collect the logs.
    ...(user.stream === undefined && user.file === undefined ? { stream: process.stdout } : {}),
    ...user,
    formatters: {
      level: (label: string) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
      ...user.formatters,
    },
  };
}

/**
 * The fields that tie a log line to its trace in Cloud Trace and to Cloud Run's request log, or
 * undefined without a trace context or a project id (Cloud Logging wants `projects/ID/traces/TRACE`).
 */
export function traceLogFields(context: TraceContext | undefined, projectId: string | undefined): Record<string, unknown> | undefined {
  if (!context || !projectId) return undefined;
  const fields: Record<string, unknown> = { 'logging.googleapis.com/trace': `projects/${projectId}/traces/${context.traceId}` };
  if (context.spanId) fields['logging.googleapis.com/spanId'] = context.spanId;
  if (context.sampled !== undefined) fields['logging.googleapis.com/trace_sampled'] = context.sampled;
  return fields;
}

/** The project id Cloud Logging trace fields need, from the usual variables, if any is set. */
export function projectIdFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || env.GCP_PROJECT || undefined;
}

/**
 * Cloud Logging's `HttpRequest` (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#HttpRequest):
 * a line carrying it shows as a request in the Logs Explorer. int64 fields are strings, as in the
 * LogEntry JSON mapping; `latency` is a Duration (`"0.012000s"`).
 */
export interface HttpRequestLog {
  requestMethod: string;
  requestUrl: string;
  status: number;
  latency: string;
  requestSize: string;
  responseSize: string;
  userAgent?: string;
  remoteIp?: string;
  protocol: string;
}

/** A duration in milliseconds as a protobuf Duration string, to the microsecond. */
export function formatLatency(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(6)}s`;
}

/**
 * The `httpRequest` of a finished request. `responseSize` is the response's Content-Length header
 * (absent for a request the client abandoned).
 */
export function httpRequestLog(request: FastifyRequest, status: number, latencyMs: number, responseSize: unknown): HttpRequestLog {
  const entry: HttpRequestLog = {
    requestMethod: request.method,
    requestUrl: request.url,
    status,
    latency: formatLatency(latencyMs),
    requestSize: sizeOf(request.headers['content-length']),
    responseSize: sizeOf(responseSize),
    protocol: `HTTP/${request.raw.httpVersion}`,
  };
  const userAgent = request.headers['user-agent'];
  if (userAgent) entry.userAgent = userAgent;
  if (request.ip) entry.remoteIp = request.ip;
  return entry;
}

function sizeOf(header: unknown): string {
  const value = Array.isArray(header) ? (header[0] as unknown) : header;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && /^\d+$/.test(value) ? value : '0';
}

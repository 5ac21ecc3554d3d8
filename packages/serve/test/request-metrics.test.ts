// RequestMetrics against the reference: prom-client's own Counter and Histogram fed the same requests must
// expose the same series, line for line (their order aside).
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { REQUEST_DURATION_BUCKETS, RequestMetrics } from '../src/lib/server/request-metrics.js';

const PREFIX = 'vertexkit_serve_';

function reference(): { registry: Registry; record: (method: string, route: string, status: number, seconds: number) => void } {
  const registry = new Registry();
  const requests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by method, route (the route pattern, "unmatched" for 404s) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from request received to response sent, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [...REQUEST_DURATION_BUCKETS],
    registers: [registry],
  });
  return {
    registry,
    record: (method, route, status, seconds) => {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

/** The exposition's lines, HELP and TYPE first per metric, series sorted. */
const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '').sort();

describe('RequestMetrics', () => {
  test("exposes what prom-client's Counter and Histogram expose for the same requests", async () => {
    const ours = new Registry();
    const metrics = new RequestMetrics(ours, PREFIX);
    const theirs = reference();
    // Every bucket edge, values on and between bounds, beyond the largest, zero, and several routes and statuses.
    const requests: [string, string, number, number][] = [
      ['POST', '/predict', 200, 0.0004],
      ['POST', '/predict', 200, 0.001],
      ['POST', '/predict', 400, 0.0011],
      ['GET', '/health', 200, 0],
      ['POST', '/predict', 200, 0.3],
      ['GET', 'unmatched', 404, 0.002],
      ['POST', '/predict', 499, 61],
      ['POST', '/v1/models/m:predict', 503, 10],
      ...REQUEST_DURATION_BUCKETS.map((bound): [string, string, number, number] => ['POST', '/predict', 200, bound]),
    ];
    for (const request of requests) {
      metrics.record(...request);
      theirs.record(...request);
    }
    const [got, want] = await Promise.all([ours.metrics(), theirs.registry.metrics()]);
    expect(lines(got)).toEqual(lines(want));
    expect(got).toContain('vertexkit_serve_http_requests_total{method="POST",route="/predict",status="200"} 18');
    expect(got).toContain('vertexkit_serve_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/predict"} 20');
  });

  test('reset() empties both metrics, as resetMetrics() does for prom-client', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, PREFIX);
    metrics.record('POST', '/predict', 200, 0.01);
    registry.resetMetrics();
    expect(lines(await registry.metrics()).filter((line) => !line.startsWith('#'))).toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import { bodyBytes, buildBody, encodeInstances } from './encode-instances.js';
import { planRequests } from './plan-requests.js';

describe('planRequests', () => {
  test('every planned body is exactly as large as the body sent, and within both limits', () => {
    const instances = Array.from({ length: 200 }, (_, i) => ({ text: 'é'.repeat(i % 17), n: i, nested: i % 3 ? null : [i, 'x'] }));
    const encoded = encodeInstances(instances, { top_k: 3 });
    for (const limits of [
      { maxRequestBytes: 200, maxInstancesPerRequest: Infinity },
      { maxRequestBytes: 1000, maxInstancesPerRequest: 7 },
      { maxRequestBytes: 10_000_000, maxInstancesPerRequest: 64 },
    ]) {
      const plan = planRequests(encoded, limits);
      expect(plan[0]?.start).toBe(0);
      expect(plan.at(-1)?.end).toBe(200);
      for (const [i, request] of plan.entries()) {
        if (i > 0) expect(request.start).toBe(plan[i - 1]?.end);
        const body = buildBody(encoded, request.start, request.end);
        expect(Buffer.byteLength(body)).toBe(request.bytes);
        expect(bodyBytes(encoded, request.start, request.end)).toBe(request.bytes);
        expect(request.bytes).toBeLessThanOrEqual(limits.maxRequestBytes);
        expect(request.end - request.start).toBeLessThanOrEqual(limits.maxInstancesPerRequest);
        expect(JSON.parse(body)).toEqual({ instances: JSON.parse(JSON.stringify(instances.slice(request.start, request.end))) as unknown, parameters: { top_k: 3 } });
        // Greedy: the next instance would not have fitted.
        const next = plan[i + 1];
        if (next && request.end - request.start < limits.maxInstancesPerRequest) {
          expect(bodyBytes(encoded, request.start, request.end + 1)).toBeGreaterThan(limits.maxRequestBytes);
        }
      }
    }
  });

  test('undefined instances travel as null, as in a JSON array', () => {
    const encoded = encodeInstances([undefined, 1], undefined);
    expect(buildBody(encoded, 0, 2)).toBe('{"instances":[null,1]}');
  });

  test('an instance that cannot be serialised names its index', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encodeInstances([1, circular], undefined)).toThrow(/^instances\[1\]: cannot be sent as JSON: Converting circular structure/);
    expect(() => encodeInstances([1n], undefined)).toThrow(/^instances\[0\]: cannot be sent as JSON: Do not know how to serialize a BigInt/);
  });
});

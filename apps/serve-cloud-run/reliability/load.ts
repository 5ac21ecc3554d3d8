// A closed-loop load generator that counts every request by its own outcome: c clients on keep-alive connections,
// each sending the next request as soon as its last one ended (node:http, so that a connection refused, a reset
// on a reused idle connection and a reset mid-request can be told apart).
import http from 'node:http';

/** How one request ended. */
export type Outcome =
  /** 200 with predictions. */
  | 'answered'
  /** Declined before the server took it in: connection refused, or 503 "shutting down" (safe to retry elsewhere). */
  | 'refused'
  /** The request was written on an idle keep-alive connection the server was closing at that moment; it never reached the app (Node's `reusedSocket` race: safe to retry). */
  | 'reset-idle'
  /** Anything else: a 5xx, another status, a reset or timeout after the request was taken in. */
  | 'failed';

export interface LoadResult {
  counts: Record<Outcome, number>;
  /** Latencies of answered requests, in ms, in completion order with their completion time. */
  latencies: Array<{ at: number; ms: number }>;
  /** One example of each failure, for the report. */
  failures: string[];
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Request bodies, sent in turn. */
  bodies: readonly string[];
  /** Stops sending when it aborts; requests in flight finish. */
  signal: AbortSignal;
  /** A client whose request failed to connect stops (the server is gone) rather than spinning. */
  stopOnRefused?: boolean;
}

function send(agent: http.Agent, url: URL, body: string): Promise<{ outcome: Outcome; ms: number; detail: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let reused = false;
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => resolve({ outcome: 'failed', ms: performance.now() - started, detail: `response error ${error.message}` }));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const ms = performance.now() - started;
          if (response.statusCode === 200 && text.startsWith('{"predictions":')) resolve({ outcome: 'answered', ms, detail: '' });
          else if (response.statusCode === 503 && text.includes('shutting down')) resolve({ outcome: 'refused', ms, detail: '' });
          else resolve({ outcome: 'failed', ms, detail: `HTTP ${response.statusCode}: ${text.slice(0, 200)}` });
        });
      },
    );
    request.on('socket', () => (reused = request.reusedSocket));
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      const ms = performance.now() - started;
      if (error.code === 'ECONNREFUSED') resolve({ outcome: 'refused', ms, detail: '' });
      else if (reused && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) resolve({ outcome: 'reset-idle', ms, detail: '' });
      else resolve({ outcome: 'failed', ms, detail: `${error.code ?? ''} ${error.message}` });
    });
    request.end(body);
  });
}

/** Runs the load until `signal` aborts; resolves once every client has finished its last request. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const result: LoadResult = { counts: { answered: 0, refused: 0, 'reset-idle': 0, failed: 0 }, latencies: [], failures: [] };
  let next = 0;
  const client = async (): Promise<void> => {
    while (!options.signal.aborted) {
      const { outcome, ms, detail } = await send(agent, url, options.bodies[next++ % options.bodies.length]!);
      result.counts[outcome]++;
      if (outcome === 'answered') result.latencies.push({ at: performance.now(), ms });
      if (outcome === 'failed' && result.failures.length < 5) result.failures.push(detail);
      if (options.stopOnRefused && (outcome === 'refused' || outcome === 'reset-idle')) {
        // The server is draining or gone: a real client would go to another instance.
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (outcome === 'refused') return;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  agent.destroy();
  return result;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

// Starts prediction servers on loopback port 0 with captured JSON log lines, and closes them after each test.
import net from 'node:net';
import { afterEach } from 'vitest';
import { createPredictionServer } from '../../src/lib/server/create-prediction-server.js';
import type { PredictionServer } from '../../src/lib/server/create-prediction-server.js';
import type { PredictionServerOptions } from '../../src/lib/server/options.js';

export type LogLine = Record<string, unknown> & { severity: string; message: string };

export interface TestServer {
  server: PredictionServer;
  url: string;
  port: number;
  /** Every log line the server wrote, parsed. */
  logs: LogLine[];
  /** POST a JSON body (an object is stringified, a string is sent as is) to `path` (default /predict). */
  post: (body: unknown, init?: { path?: string; headers?: Record<string, string> }) => Promise<Response>;
  get: (path: string, headers?: Record<string, string>) => Promise<Response>;
}

const running: PredictionServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close().catch(() => undefined)));
});

/** Options the tests default to: loopback, any free port, no environment, no signal handlers. */
export function testOptions<I, R, P, Params>(
  options: PredictionServerOptions<I, R, P, Params>,
  logs: LogLine[] = [],
): PredictionServerOptions<I, R, P, Params> {
  return {
    port: 0,
    host: '127.0.0.1',
    env: {},
    handleSignals: false,
    logger: { level: 'debug', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
    ...options,
  };
}

/** Create and listen; does not wait for the model (await `server.ready` for that). */
export async function startServer<I, R, P, Params>(options: PredictionServerOptions<I, R, P, Params>): Promise<TestServer> {
  const logs: LogLine[] = [];
  const server = createPredictionServer(testOptions(options, logs));
  running.push(server);
  const { url, port } = await server.listen();
  return {
    server,
    url,
    port,
    logs,
    post: (body, init = {}) =>
      fetch(`${url}${init.path ?? '/predict'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers }),
  };
}

/** The body of an error answer. */
export interface ErrorBody {
  error: { code: number; status: string; message: string; requestId: string };
}

export async function json<T = unknown>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** The error code of a TCP connect to 127.0.0.1:`port` (`ECONNREFUSED` once a server stopped listening), or undefined if it connects. */
export function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

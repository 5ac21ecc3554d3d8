// A real node:http server on loopback for the tests: records every request (method, path, headers, body)
// and answers with a handler the test writes, so each test states exactly what the server saw and said.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Connection-level: when the request arrived (performance.now()). */
  at: number;
}

export type Handler = (request: RecordedRequest, res: http.ServerResponse, req: http.IncomingMessage) => unknown;

export interface TestServer {
  url: string;
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Replace the handler. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** Reply with JSON. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A handler answering `{"predictions": instances.map(fn)}`, like a model server. */
export function echoPredictions(fn: (instance: unknown) => unknown = (x) => x, extra: Record<string, unknown> = {}): Handler {
  return (request, res) => {
    const { instances } = request.json as { instances: unknown[] };
    sendJson(res, 200, { predictions: instances.map(fn), ...extra });
  };
}

export async function startTestServer(handler: Handler = echoPredictions(), path = '/predict'): Promise<TestServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: performance.now() };
      requests.push(recorded);
      Promise.resolve(current(recorded, res, req)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${path}`,
    origin,
    port,
    requests,
    handle(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One test server for a whole test file: started before its tests, reset to {@link echoPredictions} with no
 * recorded requests before each, closed after. Returns a stand-in usable from module scope, where the file
 * declares it, that forwards to the server once it has started.
 */
export function useTestServer(): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer();
  });
  beforeEach(() => {
    current!.requests.length = 0;
    current!.handle(echoPredictions());
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestServer, {
    get(_, key) {
      if (!current) throw new Error('the test server starts in beforeAll: use it inside hooks and tests');
      return Reflect.get(current, key) as unknown;
    },
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it resolved');
}

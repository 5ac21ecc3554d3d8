// A prediction server on loopback that follows Vertex AI's custom-container contract (POST {"instances",
// "parameters"} -> {"predictions"}, GET health), and that a test can make fail: each request goes through
// `answer`, which may return an HTTP error instead of predictions. It remembers every instance it was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server answers one request: predictions (one per instance), or an HTTP error. */
export type ContractAnswer = { predictions: unknown[] } | { status: number; body?: unknown };

export interface ContractServerOptions {
  /** Answers a request. Default: `{ label, length }` for each instance. */
  answer?: (instances: unknown[], parameters: unknown, requestNumber: number) => ContractAnswer | Promise<ContractAnswer>;
  /** Waits this long before answering each request. */
  delayMs?: number;
  predictRoute?: string;
  healthRoute?: string;
}

export interface ContractServer {
  url: string;
  predictUrl: string;
  /** Every request body received, in order of arrival. */
  requests: Array<{ instances: unknown[]; parameters: unknown }>;
  /** The largest number of requests it was answering at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** A classifier's answer: a label and a score per instance, as `@vertexkit/serve`'s text classifier gives. */
export function classify(instance: unknown): unknown {
  const text = typeof instance === 'string' ? instance : JSON.stringify(instance);
  return { labels: [{ label: text.length % 2 === 0 ? 'spam' : 'ham', score: 0.9 }] };
}

export async function startContractServer(options: ContractServerOptions = {}): Promise<ContractServer> {
  const predictRoute = options.predictRoute ?? '/predict';
  const healthRoute = options.healthRoute ?? '/health';
  const requests: ContractServer['requests'] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  };
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === healthRoute) return send(response, 200, {});
    if (url.pathname !== predictRoute) return send(response, 404, { error: { code: 404, status: 'NOT_FOUND', message: `no route ${url.pathname}` } });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { instances: unknown[]; parameters?: unknown };
    requests.push({ instances: body.instances, parameters: body.parameters });
    const number = requests.length;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const answer = options.answer ? await options.answer(body.instances, body.parameters, number) : { predictions: body.instances.map(classify) };
      if ('predictions' in answer) send(response, 200, { predictions: answer.predictions });
      else send(response, answer.status, answer.body ?? { error: { code: answer.status, message: `HTTP ${answer.status}` } });
    } finally {
      inFlight--;
    }
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: { code: 500, message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    predictUrl: `${url}${predictRoute}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Starts apps/serve-cloud-run as Cloud Run would (PORT, MODEL_URI), and waits until its health route
// answers 200: the model is loaded and warmed up.
import net from 'node:net';
import { startChild, type Child } from './children.ts';

/** A running prediction server. */
export interface RunningServer extends Child {
  /** Base URL, e.g. http://127.0.0.1:43121. */
  url: string;
  /** Predict requests it logged as answered (200); its per-request log lines are counted, not shown. */
  predictionsAnswered: () => number;
}

/** Parameters of {@link startServer}. */
export interface StartServerParams {
  /** apps/serve-cloud-run's entrypoint. */
  script: string;
  /** The model directory: a local folder or gs://. */
  modelDir: string;
  /** Longest wait for the model to load. Default 60 s. */
  timeoutMs?: number;
  print?: (line: string) => void;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The server logs JSON lines for Cloud Logging; show their message, and count rather than show answered requests. */
function logLine(line: string, countAnswered: () => void): string | undefined {
  let entry: { message?: unknown; severity?: string; httpRequest?: { requestUrl?: string; status?: number } };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return line;
  }
  if (entry.httpRequest !== undefined) {
    const status = entry.httpRequest.status ?? 0;
    if (status === 200 && entry.httpRequest.requestUrl === '/predict') countAnswered();
    if (status < 400) return undefined;
  }
  const severity = entry.severity === 'INFO' || entry.severity === undefined ? '' : `${entry.severity}: `;
  return `${severity}${typeof entry.message === 'string' ? entry.message : line}`;
}

/** Start the server on a free port and resolve once it is healthy; reject if it exits or times out first. */
export async function startServer(params: StartServerParams): Promise<RunningServer> {
  const port = await freePort();
  let answered = 0;
  const child = startChild({
    name: 'serve',
    script: params.script,
    env: { MODEL_URI: params.modelDir, PORT: String(port), HOST: '127.0.0.1' },
    onLine: (line) => logLine(line, () => answered++),
    ...(params.print ? { print: params.print } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + (params.timeoutMs ?? 60_000);
  for (;;) {
    // 503 while the model loads; connection refused until it listens.
    const status = await fetch(`${url}/health`).then((response) => response.status, () => 0);
    if (status === 200) break;
    if (exited) throw new Error(`apps/serve-cloud-run exited before it was healthy (see its [serve] lines above)`);
    if (Date.now() > deadline) throw new Error(`apps/serve-cloud-run was not healthy after ${(params.timeoutMs ?? 60_000) / 1000} s (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...child, url, predictionsAnswered: () => answered };
}

// The app as it is deployed: `node src/main.ts` in its own process with Cloud Run's environment, its JSON log
// lines read from its stdout, its resident memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const APP_DIR = path.resolve(import.meta.dirname, '..');
/** How much of the app's output is kept for error messages. */
const OUTPUT_TAIL_BYTES = 64 * 1024;

/** A running app. */
export interface AppProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /**
   * Its JSON log lines, parsed, but for the one line per request (those with `httpRequest`), which are only
   * counted in `requestLines`: a soak near capacity writes millions of them.
   */
  logs: Array<Record<string, unknown>>;
  /** How many request log lines it wrote. */
  requestLines: () => number;
  /** The last {@link OUTPUT_TAIL_BYTES} of what it wrote to stdout and stderr, as text. */
  output: () => string;
  /** Resolves with the exit code (or the signal) once it has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resident set size in bytes, from /proc/<pid>/status (Linux). */
  rss(): number;
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the app on a free port with MODEL_URI; does not wait for it (see {@link waitHealthy}). */
export async function startApp(modelDir: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: APP_DIR,
    env: { ...process.env, MODEL_URI: modelDir, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let requestLines = 0;
  let output = '';
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_TAIL_BYTES);
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      if (line.includes('"httpRequest":')) {
        requestLines++;
        continue;
      }
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line: kept in `output`.
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    requestLines: () => requestLines,
    output: () => output,
    exited,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
    },
  };
}

/** Polls GET /health until 200; rejects if the app exits first or `timeoutMs` passes. */
export async function waitHealthy(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void app.exited.then(() => (exited = true));
  for (;;) {
    const status = await fetch(`${app.url}/health`).then((response) => response.status, () => 0);
    if (status === 200) return;
    if (exited) throw new Error(`the app exited before it was healthy:\n${app.output()}`);
    if (Date.now() > deadline) throw new Error(`the app was not healthy after ${timeoutMs} ms (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

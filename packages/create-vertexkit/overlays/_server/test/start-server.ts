// The server npm start runs (src/main.ts with local.env), on a free loopback port, healthy, with its output kept.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** A running server: its URL, what it printed, and `stop()`, which sends SIGTERM and resolves to the exit code. */
export interface StartedServer {
  url: string;
  output: () => string;
  post: (body: unknown) => Promise<Response>;
  stop: () => Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startServer(): Promise<StartedServer> {
  const port = await freePort();
  const root = path.resolve(import.meta.dirname, '..');
  // src/main.ts resolves a relative MODEL_URI against INIT_CWD, the folder npm was started in: npm start in this folder.
  const child = spawn(process.execPath, ['--env-file-if-exists=local.env', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', INIT_CWD: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<number | null> => {
    child.kill('SIGTERM');
    return exited;
  };
  // Health answers 503 while the model loads, then 200.
  for (let i = 0; (await fetch(`${url}/health`).then((r) => r.status, () => 0)) !== 200; i++) {
    if (i > 600 || child.exitCode !== null) {
      await stop();
      throw new Error(`the server did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const post = (body: unknown): Promise<Response> => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { url, output: () => output, post, stop };
}

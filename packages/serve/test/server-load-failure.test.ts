// A model that cannot load, in a real process with the default options: one ERROR line and exit 1, so
// Cloud Run fails the revision (and Vertex AI the deployment) instead of keeping a server that answers
// 503 forever. exitOnLoadFailure: false keeps the server up, answering health 503 "failed".
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { connectError } from './helpers/test-server.js';

const SCRIPT = path.join(import.meta.dirname, 'helpers', 'load-failure-server.mjs');

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startProcess(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { severity: string; message: string; stack_trace?: string });
  return { child, exit, lines, stdout: () => stdout, stderr: () => stderr };
}

test('by default a failed load is one ERROR line, then exit 1', async () => {
  const server = startProcess({ LOAD_ERROR: 'config.json: id2label is missing; add {"id2label": {"0": "ham", "1": "spam"}}' });
  const started = performance.now();
  expect(await server.exit).toEqual({ code: 1, signal: null });
  expect(performance.now() - started).toBeLessThan(5_000);
  const port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1]);
  expect(await connectError(port)).toBe('ECONNREFUSED');
  const notInfo = server.lines().filter((line) => line.severity !== 'INFO');
  expect(notInfo.map((line) => [line.severity, line.message])).toEqual([
    ['ERROR', 'the model failed to load: config.json: id2label is missing; add {"id2label": {"0": "ham", "1": "spam"}}; exiting with code 1 (exitOnLoadFailure)'],
  ]);
  // The stack stays inside that one line, for Cloud Error Reporting.
  expect(notInfo[0]?.stack_trace).toMatch(/^Error: config\.json: id2label is missing/);
});

test('exitOnLoadFailure: false keeps the server up: health 503 "failed" until it is stopped', async () => {
  const server = startProcess({ EXIT_ON_LOAD_FAILURE: 'false' });
  // Both streams: the failure on stdout, the address (printed by the fixture) on stderr, in either order.
  while (!server.stdout().includes('the model failed to load') || !/listening http:\/\/\S+/.test(server.stderr())) {
    if (server.child.exitCode !== null) throw new Error(`exited early:\n${server.stdout()}${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = /listening (http:\/\/\S+)/.exec(server.stderr())?.[1] ?? '';
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toEqual({ status: 'failed', error: 'config.json: id2label is missing' });
  server.child.kill('SIGTERM');
  expect(await server.exit).toEqual({ code: 0, signal: null });
});

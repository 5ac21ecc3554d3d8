// SIGTERM to a real process (test/helpers/signal-server.mjs): new connections are refused at once, the
// request in flight completes with 200, the handler closes, and the process exits 0. A second signal
// while draining exits 1 at once.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildMarianModelDir } from '@vertexkit/tool-marian-model';
import { afterEach, describe, expect, test } from 'vitest';
import { connectError } from './helpers/test-server.js';
import { sleep } from './helpers/toy-handler.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'signal-server.mjs');

interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  waitFor(marker: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ServerProcess['child'][] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  // process.execPath: the Node 24 running vitest, which strips the types of the imported sources.
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { marker: string; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of waiters.splice(0)) {
      if (err.includes(waiter.marker)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    check();
  });
  // 'close', not 'exit': by then stdout and stderr have been read to the end.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (marker: string) =>
    new Promise<void>((resolve, reject) => {
      if (err.includes(marker)) return resolve();
      waiters.push({ marker, resolve });
      void exit.then(() => reject(new Error(`server exited before "${marker}"; stderr:\n${err}`)));
    });
  await waitFor('ready http://');
  const url = /ready (http:\/\/\S+)/.exec(err)?.[1] ?? '';
  return { child, url, port: Number(new URL(url).port), stdout: () => out, stderr: () => err, waitFor, exit };
}

describe('signals', () => {
  test('SIGTERM: refuse new connections, finish the request in flight with 200, close the handler, exit 0', async () => {
    const server = await startProcess({ RUN_DELAY_MS: '1500' });
    const inFlight = fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: ['hello', 'world'] }),
    });
    let answeredAt = 0;
    inFlight.then(
      () => (answeredAt = performance.now()),
      () => undefined,
    );
    await server.waitFor('run-start hello,world');
    server.child.kill('SIGTERM');

    // New connections are refused while the request is still running.
    // (A connection that races the close may be accepted and reset instead; try again until refused.)
    let refused: string | undefined;
    for (let attempt = 0; attempt < 50 && refused !== 'ECONNREFUSED'; attempt++) {
      refused = await connectError(server.port);
      if (refused !== 'ECONNREFUSED') await sleep(20);
    }
    const refusedAt = performance.now();
    expect(refused).toBe('ECONNREFUSED');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ predictions: ['HELLO', 'WORLD'] });
    expect(answeredAt).toBeGreaterThan(refusedAt);

    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('handler-closed');
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { severity: string; message: string; httpRequest?: { status: number } });
    const messages = lines.map((line) => line.message);
    expect(messages).toContain('SIGTERM received; draining for up to 10000 ms, then closing');
    expect(messages.at(-1), server.stdout()).toBe('closed');
    expect(lines.find((line) => line.httpRequest)?.httpRequest?.status).toBe(200);
    expect(messages.indexOf('SIGTERM received; draining for up to 10000 ms, then closing')).toBeLessThan(messages.indexOf('POST /predict 200'));
  });

  test('SIGTERM with a translator: its worker thread releases the sessions before the process exits 0, "closed" last', async () => {
    // The worker thread is unref'd while idle: node used to exit as soon as the server had drained, with the worker
    // still releasing its sessions and no "closed" line; onnxruntime-node then aborted the process in 1 exit of 8-16.
    const root = await mkdtemp(path.join(os.tmpdir(), 'vk-signals-'));
    try {
      const dir = path.join(root, 'marian');
      await buildMarianModelDir({ dir });
      const server = await startProcess({ MODEL_DIR: dir });
      const response = await fetch(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: ['Merhaba dünya.'], parameters: { max_new_tokens: 8 } }),
      });
      expect(response.status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exit, server.stderr()).toEqual({ code: 0, signal: null });
      const messages = server
        .stdout()
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { message: string }).message);
      expect(messages.at(-1), server.stdout()).toBe('closed');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('SIGINT works the same; a second signal while draining exits 1 at once', async () => {
    const server = await startProcess({ RUN_DELAY_MS: '5000' });
    const inFlight = fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: ['never'] }),
    }).catch((error: Error) => error);
    await server.waitFor('run-start never');
    const started = performance.now();
    server.child.kill('SIGINT');
    await sleep(100);
    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 1, signal: null });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await inFlight).toBeInstanceOf(Error);
    expect(server.stdout()).toContain('"message":"SIGTERM received again while draining; exiting now"');
  });
});

// Starts the firebase-tools Cloud Storage emulator (see server.mjs) in a child process and
// hands back its URL. A child keeps the test worker free of firebase-tools' globals and
// makes stop() a plain kill.
//
//   node tools/gcs-emulator/index.mjs [--port 9199] [--host 127.0.0.1]
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureInstalled } from './ensure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** @param {{ port?: number, host?: string }} [opts] */
export function startGcsEmulator(opts = {}) {
  return start(opts, false);
}

async function start(opts, keepAlive) {
  await ensureInstalled();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0; // 0: the child listens on a free port and tells us which
  // The IPC channel lets the child notice when we die without calling stop().
  const child = spawn(process.execPath, [join(here, 'server.mjs'), '--port', String(port), '--host', host], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));

  // Keep the last lines of stderr for the error message if it fails to start;
  // GCS_EMULATOR_DEBUG=1 also echoes them (and makes firebase-tools log each request).
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (s) => {
    stderrTail = (stderrTail + s).slice(-4000);
    if (process.env.GCS_EMULATOR_DEBUG) process.stderr.write(s);
  });

  const url = await new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    const fail = (why) => {
      if (ready) return; // a later exit is stop()'s business
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`GCS emulator failed to start: ${why}\n${stderrTail}`));
    };
    const timer = setTimeout(() => fail(`no ready line in ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? `code ${code}`})`));
  });
  child.stdout.resume(); // later output must not fill the pipe and block the child

  // A forgotten stop() must not keep the caller's process alive; the child then exits
  // on its own when the IPC channel closes with us.
  if (!keepAlive) {
    child.unref();
    child.stdout.unref?.();
    child.stderr.unref?.();
    child.channel?.unref();
  }

  const { port: actualPort } = new URL(url);
  const call = async (method, path, body, okStatuses = []) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    await res.arrayBuffer();
    if (!res.ok && !okStatuses.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  };

  let stopped;
  return {
    host,
    port: Number(actualPort),
    url,
    reset: () => call('POST', '/internal/reset'),
    // Same as storage.createBucket(name), but an existing bucket (409) is fine.
    createBucket: (name) => call('POST', '/b', { name }, [409]),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        }
      })();
      return stopped;
    },
  };
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '9199' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  // keepAlive: the child's pipes hold this process open until a signal (or the child's exit).
  const emu = await start({ port: Number(values.port), host: values.host }, true);
  console.log(emu.url);
  console.log(`export STORAGE_EMULATOR_HOST=${emu.url}`);
  const onSignal = () => emu.stop().then(() => process.exit(0));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

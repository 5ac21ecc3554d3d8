// Installs this folder's dependencies (firebase-tools) on first use, so the monorepo's own
// install stays small and only the tests that need a GCS double pay for it.
//
//   node tools/gcs-emulator/ensure.mjs
//
// Safe to call from several processes at once (e.g. parallel vitest workers): one takes a
// lock directory and runs `npm ci`, the others wait for it to go away.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = dirname(fileURLToPath(import.meta.url));
// Outside node_modules, because `npm ci` deletes node_modules first.
const lockDir = join(here, '.install.lock');
const log = (msg) => process.stderr.write(`[gcs-emulator] ${msg}\n`);

/** True when node_modules holds the firebase-tools version pinned in package.json. */
function isInstalled() {
  try {
    const want = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).dependencies['firebase-tools'];
    const have = JSON.parse(readFileSync(join(here, 'node_modules/firebase-tools/package.json'), 'utf8')).version;
    return have === want;
  } catch {
    return false;
  }
}

function lockOwnerAlive() {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0); // throws ESRCH when the process is gone
    return true;
  } catch (e) {
    if (e.code === 'EPERM') return true; // alive, owned by another user
    if (e.code !== 'ENOENT') return false; // ESRCH: the owner is gone
    // No pid file: the owner is between mkdir and writeFile, unless that was long ago.
    try {
      return Date.now() - statSync(lockDir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
}

function npmCi() {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    // Prefix npm's output so it is clear in a test log where it comes from.
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8').on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) if (line.trim()) log(line);
      });
    }
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`npm ci in ${here} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Installs firebase-tools into tools/gcs-emulator/node_modules unless it is already there. */
export async function ensureInstalled() {
  if (isInstalled() && !existsSync(lockDir)) return;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    // Someone else is installing: wait, unless they died and left the lock behind.
    if (!lockOwnerAlive()) {
      log('removing a stale install lock');
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    await sleep(500);
    if (!existsSync(lockDir) && isInstalled()) return;
  }
  try {
    writeFileSync(join(lockDir, 'pid'), String(process.pid));
    if (isInstalled()) return;
    log('installing the GCS emulator (firebase-tools, ~250 MB, about a minute, one time)');
    const t0 = Date.now();
    await npmCi();
    log(`installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureInstalled();
}

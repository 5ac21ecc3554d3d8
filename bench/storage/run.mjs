// bench/storage: vertexkit's transfers against a plain sequential loop over @google-cloud/storage,
// both against the same Cloud Storage emulator in the same run.
//
//   npm run bench:storage             (builds @vertexkit/storage first)
//   SMALL_FILES=200 LARGE_MIB=64 npm run bench:storage   (a quicker run)
//
// Cases: (a) many small files (default 1,000 x 4 KiB), (b) one large file (default 256 MiB), each
// uploaded and downloaded, on loopback; then (a) again through a proxy that adds a modelled network
// round trip (default 20 ms, RTT_MS=0 to skip), since loopback has none and a real VM-to-bucket
// request does. Prints MB/s, files/s and the ratio vertexkit / baseline, and writes
// bench/storage/results/latest.json.
//
// On loopback, case (a) also runs a third contender, the "emulator ceiling": the cheapest client
// there is (see ceiling() below), at vertexkit's concurrency (16) and at 8, 32 and 64, to show how
// many files/s this emulator can serve on this machine at all. During each contender's window it
// samples the CPU time of the emulator process (/proc/<pid>/stat; Linux only) and of this process.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from '../../tools/gcs-emulator/ensure.mjs';
import { startGcsEmulator } from '../../tools/gcs-emulator/index.mjs';
import { startFaultProxy } from '../../tools/fault-proxy/index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SMALL_FILES = Number(process.env.SMALL_FILES ?? 1000);
const SMALL_BYTES = Number(process.env.SMALL_BYTES ?? 4096);
const LARGE_MIB = Number(process.env.LARGE_MIB ?? 256);
const RTT_MS = Number(process.env.RTT_MS ?? 20);
const REPEATS = Number(process.env.REPEATS ?? 3);
const BUCKET = 'vertexkit-bench';
const VK_CONCURRENCY = 16; // createStorage()'s default, which uploadDirectory / downloadDirectory use
const CEILING_CONCURRENCIES = [VK_CONCURRENCY, 8, 32, 64];

await ensureInstalled();
const emulator = await startGcsEmulator();
const { Storage } = await import('@google-cloud/storage');
const vk = await import('@vertexkit/storage');

/** Both clients find the endpoint through the variable @google-cloud/storage reads at construction. */
function clientsFor(endpoint) {
  process.env.STORAGE_EMULATOR_HOST = endpoint;
  return {
    bucket: new Storage({ projectId: 'demo-vertexkit' }).bucket(BUCKET),
    storage: vk.createStorage({ projectId: 'demo-vertexkit' }),
  };
}
let { bucket, storage } = clientsFor(emulator.url);
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-bench-'));

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The emulator's pid: index.mjs does not hand it out, so find our child running server.mjs in /proc.
 * undefined where there is no /proc (the CPU columns are then left out).
 */
function emulatorPid() {
  try {
    for (const dir of readdirSync('/proc')) {
      if (!/^\d+$/.test(dir)) continue;
      try {
        const ppid = Number(statFields(`/proc/${dir}/stat`)[1]);
        if (ppid === process.pid && readFileSync(`/proc/${dir}/cmdline`, 'utf8').includes('gcs-emulator/server.mjs')) return Number(dir);
      } catch {
        // the process went away while we looked
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}
/** The fields after "(comm)", so field n of proc(5) is at index n - 3. */
function statFields(file) {
  const s = readFileSync(file, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}
const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux build Node supports (getconf CLK_TCK)
const cpuSeconds = (file) => {
  const f = statFields(file);
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS; // utime + stime
};
const emuPid = emulatorPid();
/**
 * CPU seconds so far: the emulator (all threads, and its main thread, where the JS runs), this process,
 * and the whole machine's idle and total ticks (/proc/stat), other agents' processes included.
 */
function cpuNow() {
  const self = process.cpuUsage();
  const out = { client: (self.user + self.system) / 1e6 };
  if (emuPid !== undefined) {
    out.emulator = cpuSeconds(`/proc/${emuPid}/stat`);
    out.emulatorMain = cpuSeconds(`/proc/${emuPid}/task/${emuPid}/stat`);
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    out.machineIdle = ticks[3] + ticks[4]; // idle + iowait
    out.machineTotal = ticks.reduce((a, b) => a + b, 0);
  }
  return out;
}
/**
 * timed(), plus the CPU each side used in the window: `cores` (CPU seconds / wall seconds) and
 * `idle`, the share of the machine's CPU time nobody used.
 */
async function measured(fn) {
  const before = cpuNow();
  const seconds = await timed(fn);
  const after = cpuNow();
  const cores = {};
  for (const k of ['client', 'emulator', 'emulatorMain']) if (k in after) cores[k] = (after[k] - before[k]) / seconds;
  const idle = 'machineTotal' in after ? (after.machineIdle - before.machineIdle) / (after.machineTotal - before.machineTotal || 1) : undefined;
  return { seconds, cores, idle };
}

/** `concurrency` workers take the next index until `count` are done. */
async function pool(count, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * The emulator ceiling: the cheapest client, for comparison only. The bodies are read into memory
 * before the clock starts (and downloads are compared after it stops), then one request per file
 * (media upload: POST /upload/storage/v1/b/<bucket>/o?uploadType=media&name=..., download: GET
 * /storage/v1/b/<bucket>/o/<name>?alt=media), `concurrency` in flight, no checksums, no retries,
 * no JSON parsing: the status is checked and the response body drained. node:http with a
 * keep-alive Agent, not fetch (undici, also keep-alive): tried both at 8/16/32/64 on this machine,
 * 20 paired windows each way, node:http won 18/20 uploads and 17/20 downloads, was about 1.4x faster
 * on average both ways, and its client used under half the CPU (0.20 vs 0.45 cores). A fresh agent
 * per window, so no idle socket is reused after the server's keep-alive timeout closed it.
 */
async function ceiling(baseUrl, keys, bodies, direction, concurrency) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const request = (method, reqPath, body) =>
    new Promise((resolve, reject) => {
      const headers = body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {};
      const req = http.request({ host: hostname, port, method, path: reqPath, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode === 200) resolve(chunks);
          else reject(new Error(`bench: emulator ceiling: ${method} ${reqPath}: HTTP ${res.statusCode}`));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const o = `/storage/v1/b/${BUCKET}/o`;
  const got = new Array(keys.length);
  try {
    const m = await measured(() =>
      pool(keys.length, concurrency, async (i) => {
        if (direction === 'upload') await request('POST', `/upload${o}?uploadType=media&name=${encodeURIComponent(keys[i])}`, bodies[i]);
        else got[i] = await request('GET', `${o}/${encodeURIComponent(keys[i])}?alt=media`);
      }),
    );
    if (direction === 'download') {
      for (let i = 0; i < keys.length; i++) {
        if (!Buffer.concat(got[i]).equals(bodies[i])) throw new Error(`bench: emulator ceiling: ${keys[i]} differs after the round trip`);
      }
    }
    return m;
  } finally {
    agent.destroy();
  }
}

async function writeSmallFiles(dir) {
  const names = [];
  for (let i = 0; i < SMALL_FILES; i++) {
    const rel = `shard-${String(i % 10).padStart(2, '0')}/file-${String(i).padStart(5, '0')}.bin`;
    await fs.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), randomBytes(SMALL_BYTES));
    names.push(rel);
  }
  return names;
}

async function sameTree(a, b, names) {
  for (const rel of names) {
    const [x, y] = await Promise.all([fs.readFile(path.join(a, rel)), fs.readFile(path.join(b, rel))]);
    if (!x.equals(y)) throw new Error(`bench: ${rel} differs after the round trip`);
  }
}

const rows = [];
function record(name, files, bytes, baseline, ours) {
  rows.push({
    case: name,
    files,
    bytes,
    baselineSeconds: baseline,
    vertexkitSeconds: ours,
    baselineMBps: bytes / 1e6 / baseline,
    vertexkitMBps: bytes / 1e6 / ours,
    baselineFilesPerSecond: files / baseline,
    vertexkitFilesPerSecond: files / ours,
    ratio: baseline / ours,
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The run with the median time, with the CPU figures of that same run. */
const medianRun = (runs) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];

/** Loopback case (a), contender by contender, for the second table: { direction, name, concurrency, seconds, cores }. */
const contenders = [];

/**
 * (a): the median of `repeats` runs; each run uploads then downloads, baseline then vertexkit, then
 * (with `withCeiling`) the emulator ceiling at each of CEILING_CONCURRENCIES, each into fresh names.
 */
async function smallFiles(smallDir, names, suffix, repeats, withCeiling = false) {
  const smallBytes = SMALL_FILES * SMALL_BYTES;
  const runs = { upBase: [], upOurs: [], downBase: [], downOurs: [] };
  const bodies = withCeiling ? await Promise.all(names.map((rel) => fs.readFile(path.join(smallDir, rel)))) : [];
  for (const c of withCeiling ? CEILING_CONCURRENCIES : []) runs[`upCeil${c}`] = [];
  for (const c of withCeiling ? CEILING_CONCURRENCIES : []) runs[`downCeil${c}`] = [];
  for (let run = 0; run < repeats; run++) {
    // The baseline at its best for small files: one request per file (resumable: false).
    runs.upBase.push(
      await measured(async () => {
        for (const rel of names) await bucket.upload(path.join(smallDir, rel), { destination: `base/small/${rel}`, resumable: false });
      }),
    );
    runs.upOurs.push(await measured(() => vk.uploadDirectory({ from: smallDir, to: `gs://${BUCKET}/vk/small/`, storage })));

    const baseDown = await fs.mkdtemp(path.join(work, 'small-base-'));
    const oursDown = await fs.mkdtemp(path.join(work, 'small-vk-'));
    runs.downBase.push(
      await measured(async () => {
        for (const rel of names) {
          await fs.mkdir(path.dirname(path.join(baseDown, rel)), { recursive: true });
          await bucket.file(`base/small/${rel}`).download({ destination: path.join(baseDown, rel) });
        }
      }),
    );
    runs.downOurs.push(await measured(() => vk.downloadDirectory({ from: `gs://${BUCKET}/vk/small/`, to: oursDown, storage })));
    await sameTree(smallDir, baseDown, names);
    await sameTree(smallDir, oursDown, names);
    await Promise.all([baseDown, oursDown].map((d) => fs.rm(d, { recursive: true, force: true })));

    // Rotated each run, so no concurrency always goes first (right after vertexkit's download).
    const order = CEILING_CONCURRENCIES.map((_, i) => CEILING_CONCURRENCIES[(i + run) % CEILING_CONCURRENCIES.length]);
    for (const c of withCeiling ? order : []) {
      const keys = names.map((rel) => `ceil/c${c}/small/${rel}`);
      runs[`upCeil${c}`].push(await ceiling(emulator.url, keys, bodies, 'upload', c));
      runs[`downCeil${c}`].push(await ceiling(emulator.url, keys, bodies, 'download', c));
    }
    await emulator.reset();
  }
  const label = repeats > 1 ? `, median of ${repeats}` : '';
  const seconds = (k) => median(runs[k].map((r) => r.seconds));
  record(`upload ${SMALL_FILES} x ${SMALL_BYTES / 1024} KiB${suffix}${label}`, SMALL_FILES, smallBytes, seconds('upBase'), seconds('upOurs'));
  record(`download ${SMALL_FILES} x ${SMALL_BYTES / 1024} KiB${suffix}${label}`, SMALL_FILES, smallBytes, seconds('downBase'), seconds('downOurs'));
  if (!withCeiling) return;
  for (const [direction, d] of [['upload', 'up'], ['download', 'down']]) {
    contenders.push({ direction, name: 'baseline', concurrency: 1, ...medianRun(runs[`${d}Base`]) });
    contenders.push({ direction, name: 'vertexkit', concurrency: VK_CONCURRENCY, ...medianRun(runs[`${d}Ours`]) });
    for (const c of CEILING_CONCURRENCIES) {
      contenders.push({ direction, name: 'emulator ceiling', concurrency: c, ...medianRun(runs[`${d}Ceil${c}`]) });
    }
  }
}

try {
  // (a) many small files
  const smallDir = path.join(work, 'small');
  const names = await writeSmallFiles(smallDir);
  await smallFiles(smallDir, names, '', REPEATS, true);

  // (b) one large file
  const large = path.join(work, 'large.bin');
  const handle = await fs.open(large, 'w');
  const largeBytes = LARGE_MIB * 1024 * 1024;
  const chunk = randomBytes(8 * 1024 * 1024);
  // 8 MiB at a time, the last write cut to size (LARGE_MIB need not be a multiple of 8).
  for (let written = 0; written < largeBytes; written += chunk.length) {
    await handle.write(chunk, 0, Math.min(chunk.length, largeBytes - written));
  }
  await handle.close();

  const bigUpBase = await timed(() => bucket.upload(large, { destination: 'base/large.bin' }));
  const bigUpOurs = await timed(() => vk.copy({ from: large, to: `gs://${BUCKET}/vk/large.bin`, storage }));
  record(`upload 1 x ${LARGE_MIB} MiB`, 1, largeBytes, bigUpBase, bigUpOurs);

  const bigDownBase = await timed(() => bucket.file('base/large.bin').download({ destination: path.join(work, 'large-base.bin') }));
  const bigDownOurs = await timed(() => vk.copy({ from: `gs://${BUCKET}/vk/large.bin`, to: path.join(work, 'large-vk.bin'), storage }));
  record(`download 1 x ${LARGE_MIB} MiB`, 1, largeBytes, bigDownBase, bigDownOurs);
  const [a, b] = [await vk.stat({ from: path.join(work, 'large-base.bin') }), await vk.stat({ from: path.join(work, 'large-vk.bin') })];
  if (a.size !== largeBytes || b.size !== largeBytes) throw new Error('bench: large download has the wrong size');
  await emulator.reset();

  // (a) again, with a modelled round trip: what concurrency is for on a real network.
  if (RTT_MS > 0) {
    const proxy = await startFaultProxy({ target: emulator.url });
    proxy.setFaults([{ fault: { type: 'delay', ms: RTT_MS } }]);
    ({ bucket, storage } = clientsFor(proxy.url));
    try {
      await smallFiles(smallDir, names, `, ${RTT_MS} ms RTT`, 1);
    } finally {
      await proxy.stop();
    }
  }
} finally {
  await emulator.stop();
  await fs.rm(work, { recursive: true, force: true });
}

const pad = (s, n) => String(s).padEnd(n);
const num = (x, d = 1) => x.toFixed(d).padStart(9);
console.log(`\nbench/storage  (Cloud Storage emulator on loopback, Node ${process.version}, ${os.cpus().length} cores)`);
console.log(`baseline: a sequential loop over @google-cloud/storage (bucket.upload, resumable: false for small files / file.download)`);
console.log(`vertexkit: uploadDirectory / downloadDirectory (16 at once) and copy()\n`);
console.log(`${pad('case', 50)}${pad('   baseline s', 13)}${pad('  vertexkit s', 13)}${pad('  base MB/s', 11)}${pad('    vk MB/s', 11)}${pad(' base files/s', 14)}${pad('  vk files/s', 13)}   ratio`);
for (const r of rows) {
  console.log(
    `${pad(r.case, 50)}${num(r.baselineSeconds, 2)}    ${num(r.vertexkitSeconds, 2)}    ${num(r.baselineMBps)}  ${num(r.vertexkitMBps)}  ${num(r.baselineFilesPerSecond)}     ${num(r.vertexkitFilesPerSecond)}     ${r.ratio.toFixed(2)}x`,
  );
}

// The loopback small-file case against the emulator ceiling.
const withCpu = emuPid !== undefined;
console.log(`\n${SMALL_FILES} x ${SMALL_BYTES / 1024} KiB on loopback, three contenders (median of ${REPEATS})`);
console.log(`emulator ceiling: bare node:http keep-alive requests, bodies in memory, no checksums/retries/JSON parsing`);
if (withCpu) {
  console.log(`CPU during each window: emulator cores = its CPU s / wall s (all threads / its JS main thread; 1.00 = a`);
  console.log(`saturated event loop); CPU ms per file, emulator and this process; idle = the machine's unused CPU share`);
}
console.log(
  `\n${pad('contender', 50)}${pad('     s', 9)}${pad('  files/s', 11)}${pad('  vs baseline', 14)}${withCpu ? `${pad('  emu cores', 15)}${pad('emu ms/f', 10)}${pad('cli ms/f', 10)}idle` : ''}`,
);
const summary = {};
for (const direction of ['upload', 'download']) {
  const mine = contenders.filter((c) => c.direction === direction);
  const fps = (c) => SMALL_FILES / c.seconds;
  const base = mine[0];
  const ceilings = mine.filter((c) => c.name.startsWith('emulator ceiling'));
  const best = ceilings.reduce((a, b) => (fps(b) > fps(a) ? b : a));
  for (const c of mine) {
    const name = `${pad(direction, 9)}${c.name}, ${c.concurrency === 1 ? '1 at a time' : `${c.concurrency} at once`}${c === best ? ' (best)' : ''}`;
    const perFile = (cores) => (cores * c.seconds * 1000) / SMALL_FILES;
    const cpu = withCpu
      ? `   ${c.cores.emulator.toFixed(2)} / ${c.cores.emulatorMain.toFixed(2)}${perFile(c.cores.emulator).toFixed(2).padStart(8)}${perFile(c.cores.client).toFixed(2).padStart(10)}   ${(100 * c.idle).toFixed(0).padStart(3)}%`
      : '';
    console.log(`${pad(name, 50)}${num(c.seconds, 2)}  ${num(fps(c), 0)}    ${num(fps(c) / fps(base), 2)}x${cpu}`);
  }
  const vkFps = fps(mine.find((c) => c.name === 'vertexkit'));
  summary[direction] = { target5x: 5 * fps(base), ceiling: fps(best), ceilingConcurrency: best.concurrency, vertexkit: vkFps, vertexkitShareOfCeiling: vkFps / fps(best) };
}
console.log('');
for (const [direction, s] of Object.entries(summary)) {
  console.log(
    `${direction}: 5x target = ${s.target5x.toFixed(0)} files/s; emulator ceiling here = ${s.ceiling.toFixed(0)} files/s (vertexkit reaches ${(100 * s.vertexkitShareOfCeiling).toFixed(0)}% of it)`,
  );
}

await fs.mkdir(path.join(here, 'results'), { recursive: true });
await fs.writeFile(
  path.join(here, 'results', 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, contenders, summary }, null, 2)}\n`,
);

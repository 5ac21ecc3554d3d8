// bench/client: what @vertexkit/client costs a team that imports it, next to @google-cloud/aiplatform,
// both measured in the same run on the same machine.
//
//   npm run bench:client                       (builds @vertexkit/client first)
//   IMPORT_RUNS=31 REQUESTS=5000 npm run bench:client
//
// 1. Installed size: the packed @vertexkit/client tarball (npm pack of the fresh build) and
//    @google-cloud/aiplatform@AIPLATFORM_VERSION each installed ALONE into a fresh temp project with
//    `npm install --prefer-offline` (the local npm cache first), then `du` of its node_modules: the
//    package plus all its dependencies, as a consumer gets them.
// 2. Cold import: IMPORT_RUNS fresh `node -e "await import(pkg)"` child processes per package, from those
//    projects, alternating between the packages; the median time of the import() itself (Node's own
//    start-up excluded, and reported apart as the whole process's wall time). google-auth-library alone
//    too: what the client's first Google request adds, since it loads it lazily.
// 3. Per-request overhead: client.predict() against a bare fetch loop (same server in a child process,
//    same payload, same keep-alive fetch), REQUESTS sequential requests each, in alternating rounds; the
//    median round is reported. Loopback timings on a shared machine move by tens of microseconds, so the
//    client's own CPU time per request is also measured with a stub transport (no network), against the
//    same bare loop over the stub.
//
// Prints the figures, ratios and PASS/MISS against the targets (cold import < 60 ms, installed size
// < 15 MB), and writes bench/client/results/latest.json.
/* global process, console, performance, fetch, Response */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const CLIENT_DIR = path.join(ROOT, 'packages', 'client');
// 7.x declares Node >= 22; this is the exact version that installs from the registry and cache here.
const AIPLATFORM_VERSION = process.env.AIPLATFORM_VERSION ?? '7.4.0';
const IMPORT_RUNS = Number(process.env.IMPORT_RUNS ?? 15);
const REQUESTS = Number(process.env.REQUESTS ?? 5000);
const ROUNDS = 10;
const INSTANCES = 8;
const TARGETS = { coldImportMs: 60, installedBytes: 15 * 1000 ** 2 };

// npm and node of this process (the repo's Node 24 when run through npm run).
const childEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
const npm = (args, cwd) => exec('npm', args, { cwd, env: childEnv, maxBuffer: 64 * 1024 * 1024 });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMB = (bytes) => `${(bytes / 1000 ** 2).toFixed(1)} MB`;
const fmtMs = (ms) => `${ms.toFixed(1)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(1)}x`;
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-bench-client-'));
let server;
try {
  // --- install each package alone ------------------------------------------------------------
  console.log(`bench/client on Node ${process.versions.node}, ${os.cpus().length} cores; temp ${work}`);
  const { stdout: packOut } = await npm(['pack', '--json', '--pack-destination', work], CLIENT_DIR);
  const packed = JSON.parse(packOut.slice(packOut.indexOf('[')))[0];
  const tarball = path.join(work, packed.filename);
  console.log(`packed ${packed.filename}: ${(packed.size / 1000).toFixed(1)} kB (unpacked ${(packed.unpackedSize / 1000).toFixed(1)} kB, ${packed.entryCount} files)`);

  async function installAlone(name, spec) {
    const dir = path.join(work, name.replace(/[@/]/g, '_'));
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-consumer', version: '0.0.0', private: true }));
    const started = performance.now();
    const { stdout, stderr } = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', spec], dir);
    const seconds = (performance.now() - started) / 1000;
    const added = Number(/added (\d+) packages?/.exec(stdout + stderr)?.[1] ?? NaN);
    const nm = path.join(dir, 'node_modules');
    const diskBytes = Number((await exec('du', ['-s', '--block-size=1', nm])).stdout.split('\t')[0]);
    const apparentBytes = Number((await exec('du', ['-s', '--apparent-size', '--block-size=1', nm])).stdout.split('\t')[0]);
    const version = JSON.parse(await fs.readFile(path.join(nm, ...name.split('/'), 'package.json'), 'utf8')).version;
    console.log(`installed ${name}@${version}: ${added} packages, ${fmtMB(diskBytes)} on disk (${fmtMB(apparentBytes)} apparent), ${seconds.toFixed(1)} s`);
    return { name, version, dir, packages: added, diskBytes, apparentBytes, installSeconds: seconds };
  }
  const client = await installAlone('@vertexkit/client', tarball);
  const aiplatform = await installAlone('@google-cloud/aiplatform', `@google-cloud/aiplatform@${AIPLATFORM_VERSION}`);

  // --- cold import -----------------------------------------------------------------------------
  async function coldImport(dir, spec) {
    const started = performance.now();
    const code = `const t = performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now() - t));`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, env: childEnv });
    return { importMs: Number(stdout), processMs: performance.now() - started };
  }
  const runs = { client: [], aiplatform: [], googleAuth: [], bareNode: [] };
  for (let i = 0; i < IMPORT_RUNS; i++) {
    runs.client.push(await coldImport(client.dir, '@vertexkit/client'));
    runs.aiplatform.push(await coldImport(aiplatform.dir, '@google-cloud/aiplatform'));
    runs.googleAuth.push(await coldImport(client.dir, 'google-auth-library'));
    runs.bareNode.push(await coldImport(client.dir, 'node:os'));
  }
  const summary = (list) => ({
    medianMs: median(list.map((r) => r.importMs)),
    minMs: Math.min(...list.map((r) => r.importMs)),
    maxMs: Math.max(...list.map((r) => r.importMs)),
    medianProcessMs: median(list.map((r) => r.processMs)),
  });
  const imports = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summary(v)]));

  // --- per-request overhead --------------------------------------------------------------------
  // The server runs in its own process so its work does not share the measured event loop.
  const serverCode = `
    const http = require('node:http');
    const s = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { instances } = JSON.parse(body);
        const text = JSON.stringify({ predictions: instances.map((t) => ({ label: t.length % 2 ? 'spam' : 'ham', score: 0.9 })) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  server = spawn(process.execPath, ['-e', serverCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/predict`;
  const installedEntry = path.join(client.dir, 'node_modules', '@vertexkit', 'client', 'dist', 'index.js');
  const { createPredictionClient } = await import(pathToFileURL(installedEntry).href);
  const predictionClient = createPredictionClient({ target: { url } });
  const instances = Array.from({ length: INSTANCES }, (_, i) => `message number ${i}: are you free for lunch at noon?`);
  const bareFetch = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const json = await res.json();
    if (json.predictions.length !== INSTANCES) throw new Error('bad answer');
  };
  const viaClient = async () => {
    const { predictions } = await predictionClient.predict(instances);
    if (predictions.length !== INSTANCES) throw new Error('bad answer');
  };
  async function loop(fn, n) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - started) / 1e3 / n; // us per request
  }
  await loop(bareFetch, 300);
  await loop(viaClient, 300);
  const perRound = Math.max(1, Math.floor(REQUESTS / ROUNDS));
  const fetchUs = [];
  const clientUs = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so drift (JIT, GC, a neighbour's load) hits both alike.
    if (round % 2) {
      clientUs.push(await loop(viaClient, perRound));
      fetchUs.push(await loop(bareFetch, perRound));
    } else {
      fetchUs.push(await loop(bareFetch, perRound));
      clientUs.push(await loop(viaClient, perRound));
    }
  }
  const overhead = { requests: perRound * ROUNDS, instancesPerRequest: INSTANCES, bareFetchUs: median(fetchUs), clientUs: median(clientUs) };
  overhead.overheadUs = overhead.clientUs - overhead.bareFetchUs;
  overhead.overheadPercent = (overhead.overheadUs / overhead.bareFetchUs) * 100;

  // The client's own work (validation, serialisation, headers, timeout signal, answer checks) with a
  // transport that answers at once: what remains is CPU time in this process.
  const answer = JSON.stringify({ predictions: instances.map(() => ({ label: 'ham', score: 0.9 })) });
  const stubFetch = () => Promise.resolve(new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }));
  const stubClient = createPredictionClient({ target: { url }, fetch: stubFetch });
  const stubBare = async () => {
    const res = await stubFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
    await res.json();
  };
  const stubVia = () => stubClient.predict(instances);
  await loop(stubBare, 2000);
  await loop(stubVia, 2000);
  const stubBareUs = [];
  const stubClientUs = [];
  for (let round = 0; round < ROUNDS; round++) {
    stubBareUs.push(await loop(stubBare, 2000));
    stubClientUs.push(await loop(stubVia, 2000));
  }
  overhead.stubTransport = { bareUs: median(stubBareUs), clientUs: median(stubClientUs) };
  overhead.stubTransport.clientCpuUs = overhead.stubTransport.clientUs - overhead.stubTransport.bareUs;

  // --- report ----------------------------------------------------------------------------------
  const importOk = imports.client.medianMs < TARGETS.coldImportMs;
  const sizeOk = client.diskBytes < TARGETS.installedBytes;
  const row = (label, ours, theirs, extra = '') => console.log(`  ${label.padEnd(30)} ${ours.padStart(18)} ${theirs.padStart(18)}   ${extra}`);
  console.log('');
  row('', '@vertexkit/client', `aiplatform@${aiplatform.version}`, '');
  row('installed size (du, on disk)', fmtMB(client.diskBytes), fmtMB(aiplatform.diskBytes), `${ratio(aiplatform.diskBytes, client.diskBytes)} smaller   target < 15 MB: ${verdict(sizeOk)}`);
  row('installed size (apparent)', fmtMB(client.apparentBytes), fmtMB(aiplatform.apparentBytes), '');
  row('packages installed', String(client.packages), String(aiplatform.packages), '');
  row('cold import (median)', fmtMs(imports.client.medianMs), fmtMs(imports.aiplatform.medianMs), `${ratio(imports.aiplatform.medianMs, imports.client.medianMs)} faster   target < 60 ms: ${verdict(importOk)}`);
  row('cold import (min - max)', `${imports.client.minMs.toFixed(0)}-${imports.client.maxMs.toFixed(0)} ms`, `${imports.aiplatform.minMs.toFixed(0)}-${imports.aiplatform.maxMs.toFixed(0)} ms`, `(${IMPORT_RUNS} fresh processes each)`);
  row('node -e process wall (median)', fmtMs(imports.client.medianProcessMs), fmtMs(imports.aiplatform.medianProcessMs), `(bare node importing node:os: ${fmtMs(imports.bareNode.medianProcessMs)})`);
  console.log(`  google-auth-library import, paid on the first Google-target request only: ${fmtMs(imports.googleAuth.medianMs)} (median)`);
  console.log('');
  console.log(`  per request, ${INSTANCES} instances, ${overhead.requests} sequential requests each, loopback:`);
  console.log(`    bare fetch loop   ${overhead.bareFetchUs.toFixed(0)} us`);
  console.log(`    client.predict()  ${overhead.clientUs.toFixed(0)} us   overhead ${overhead.overheadUs.toFixed(0)} us (${overhead.overheadPercent.toFixed(1)}%)`);
  const stub = overhead.stubTransport;
  console.log(`    the client's own CPU time (stub transport): ${stub.clientCpuUs.toFixed(1)} us per request (${stub.clientUs.toFixed(1)} vs ${stub.bareUs.toFixed(1)} us)`);

  const results = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: os.cpus().length,
    targets: { coldImportMs: TARGETS.coldImportMs, installedMB: TARGETS.installedBytes / 1000 ** 2 },
    verdicts: { coldImport: verdict(importOk), installedSize: verdict(sizeOk) },
    tarball: { file: packed.filename, bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount },
    install: { client, aiplatform },
    coldImport: { runs: IMPORT_RUNS, ...imports },
    ratios: {
      installedSize: aiplatform.diskBytes / client.diskBytes,
      coldImport: imports.aiplatform.medianMs / imports.client.medianMs,
    },
    perRequest: { ...overhead, bareFetchRoundsUs: fetchUs, clientRoundsUs: clientUs },
  };
  for (const entry of Object.values(results.install)) delete entry.dir;
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(ROOT, path.join(here, 'results', 'latest.json'))}`);
} finally {
  server?.kill();
  await fs.rm(work, { recursive: true, force: true });
}

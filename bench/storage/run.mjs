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
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
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

/** (a): the median of `repeats` runs; each run uploads then downloads, baseline then vertexkit. */
async function smallFiles(smallDir, names, suffix, repeats) {
  const smallBytes = SMALL_FILES * SMALL_BYTES;
  const times = { upBase: [], upOurs: [], downBase: [], downOurs: [] };
  for (let run = 0; run < repeats; run++) {
    // The baseline at its best for small files: one request per file (resumable: false).
    times.upBase.push(
      await timed(async () => {
        for (const rel of names) await bucket.upload(path.join(smallDir, rel), { destination: `base/small/${rel}`, resumable: false });
      }),
    );
    times.upOurs.push(await timed(() => vk.uploadDirectory({ from: smallDir, to: `gs://${BUCKET}/vk/small/`, storage })));

    const baseDown = await fs.mkdtemp(path.join(work, 'small-base-'));
    const oursDown = await fs.mkdtemp(path.join(work, 'small-vk-'));
    times.downBase.push(
      await timed(async () => {
        for (const rel of names) {
          await fs.mkdir(path.dirname(path.join(baseDown, rel)), { recursive: true });
          await bucket.file(`base/small/${rel}`).download({ destination: path.join(baseDown, rel) });
        }
      }),
    );
    times.downOurs.push(await timed(() => vk.downloadDirectory({ from: `gs://${BUCKET}/vk/small/`, to: oursDown, storage })));
    await sameTree(smallDir, baseDown, names);
    await sameTree(smallDir, oursDown, names);
    await Promise.all([baseDown, oursDown].map((d) => fs.rm(d, { recursive: true, force: true })));
    await emulator.reset();
  }
  const runs = repeats > 1 ? `, median of ${repeats}` : '';
  record(`upload ${SMALL_FILES} x ${SMALL_BYTES / 1024} KiB${suffix}${runs}`, SMALL_FILES, smallBytes, median(times.upBase), median(times.upOurs));
  record(`download ${SMALL_FILES} x ${SMALL_BYTES / 1024} KiB${suffix}${runs}`, SMALL_FILES, smallBytes, median(times.downBase), median(times.downOurs));
}

try {
  // (a) many small files
  const smallDir = path.join(work, 'small');
  const names = await writeSmallFiles(smallDir);
  await smallFiles(smallDir, names, '', REPEATS);

  // (b) one large file
  const large = path.join(work, 'large.bin');
  const handle = await fs.open(large, 'w');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let i = 0; i < LARGE_MIB / 8; i++) await handle.write(chunk);
  await handle.close();
  const largeBytes = LARGE_MIB * 1024 * 1024;

  const bigUpBase = await timed(() => bucket.upload(large, { destination: 'base/large.bin' }));
  const bigUpOurs = await timed(() => vk.copy({ from: large, to: `gs://${BUCKET}/vk/large.bin`, storage }));
  record(`upload 1 x ${LARGE_MIB} MiB`, 1, largeBytes, bigUpBase, bigUpOurs);

  const bigDownBase = await timed(() => bucket.file('base/large.bin').download({ destination: path.join(work, 'large-base.bin') }));
  const bigDownOurs = await timed(() => vk.copy({ from: `gs://${BUCKET}/vk/large.bin`, to: path.join(work, 'large-vk.bin'), storage }));
  record(`download 1 x ${LARGE_MIB} MiB`, 1, largeBytes, bigDownBase, bigDownOurs);
  const [a, b] = [await vk.stat({ location: path.join(work, 'large-base.bin') }), await vk.stat({ location: path.join(work, 'large-vk.bin') })];
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
await fs.mkdir(path.join(here, 'results'), { recursive: true });
await fs.writeFile(path.join(here, 'results', 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);

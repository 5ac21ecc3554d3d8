// Runs the Cloud Storage emulator from firebase-tools in this process, without its CLI.
//
//   node tools/gcs-emulator/server.mjs [--port N] [--host H]
//
// Prints one line `{"ready":true,"url":"http://H:PORT"}` on stdout once it listens, then
// serves until SIGINT/SIGTERM. index.mjs spawns this file; use that module from tests.
//
// Why not the CLI: `firebase emulators:start` starts the Storage *rules* runtime, a Java
// jar it downloads first. Neither Java nor the download is available offline. The GCS
// JSON API routes (apis/gcloud.js) go through `adminStorageLayer`, whose rules validator
// always allows, so we build the express app ourselves and never start the rules runtime.
// Only the Firebase SDK routes under /v0 consult rules; with no ruleset they answer 403.
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resumablePut } from './resumable.mjs';
import { bucketRoutes, patchModules, preconditionRoutes } from './shims.mjs';

const require = createRequire(import.meta.url);
const lib = 'firebase-tools/lib/emulator';
const { StorageEmulator } = require(`${lib}/storage/index.js`);
const { createApp } = require(`${lib}/storage/server.js`);
const { EmulatorRegistry } = require(`${lib}/registry.js`);
// firebase-tools' own express, so our routes behave like its routes.
const express = createRequire(require.resolve('firebase-tools/package.json'))('express');

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
const host = values.host;

// A "demo-" project id keeps firebase-tools from calling the Firebase API for project config.
const projectId = 'demo-vertexkit';

// Object bytes live in files; the default dir ($TMPDIR/firebase/storage/blobs) is shared by
// every emulator on the machine, so parallel test runs would clobber each other. Use our own.
const blobDir = mkdtempSync(join(tmpdir(), 'vertexkit-gcs-'));
StorageEmulator.prototype.getPersistenceTmpDir = () => blobDir;

// rules: [] gives a rules manager with no rulesets; the rules runtime object is created but
// never started (we skip emulator.start(), which is what would download and spawn Java).
const emulator = new StorageEmulator({ projectId, host, port: 0, rules: [], auto_download: false });

// Upstream reset() forgets objects but leaves their blob files on disk until stop; delete them.
const upstreamReset = emulator.reset.bind(emulator);
emulator.reset = () => {
  for (const f of readdirSync(blobDir)) rmSync(join(blobDir, f), { recursive: true, force: true });
  upstreamReset();
};

// Upstream listBuckets() invents "<project>.appspot.com" when no bucket exists yet; tests
// should see exactly the buckets they touched.
emulator.adminStorageLayer.listBuckets = async function () {
  return [...this._buckets.values()];
};

// Upstream's app cannot be extended from inside, so ours goes in front of it: shims.mjs and
// resumable.mjs say what each addition fixes.
patchModules();
const app = express();
preconditionRoutes(app, emulator);
bucketRoutes(app, express, emulator);
app.put('/upload/storage/v1/b/:bucketId/o', resumablePut(emulator));
app.use(await createApp(projectId, emulator));
const server = app.listen(Number(values.port), host);
await new Promise((resolve, reject) => {
  server.once('listening', resolve);
  server.once('error', reject);
});
// Object metadata builds selfLink/mediaLink from the registry, so the real port must be known there.
emulator.args.port = server.address().port;
EmulatorRegistry.set('storage', emulator);

const url = `http://${host.includes(':') ? `[${host}]` : host}:${emulator.args.port}`;
process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
  rmSync(blobDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// If the parent dies without signalling us, an IPC channel (when present) tells us.
process.on('disconnect', shutdown);

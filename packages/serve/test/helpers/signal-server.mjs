// A tiny prediction server run as a child process by test/server-signals.test.ts, to prove what
// SIGTERM does to a real process: drain, finish what is in flight, close the handler, exit 0.
// stdout: the server's JSON log lines. stderr: markers the test waits for.
/* global process, setTimeout */
import './load-typescript.mjs';

const { createPredictionServer } = await import('../../src/lib/server/create-prediction-server.ts');

const runDelayMs = Number(process.env.RUN_DELAY_MS ?? '1000');
// MODEL_DIR: a translator directory served by the text-generation handler (its worker thread) instead of the toy;
// from the build, as the worker thread's script is (the test target builds first).
const { createTextGenerationHandler } = process.env.MODEL_DIR ? await import('../../dist/index.js') : {};
const server = createPredictionServer({
  handler: createTextGenerationHandler ? createTextGenerationHandler({ modelDir: process.env.MODEL_DIR }) : {
    parseInstance: (instance) => String(instance),
    async run(batch) {
      process.stderr.write(`run-start ${batch.join(',')}\n`);
      await new Promise((resolve) => setTimeout(resolve, runDelayMs));
      return batch.map((text) => text.toUpperCase());
    },
    async close() {
      process.stderr.write('handler-closed\n');
    },
  },
  port: 0,
  host: '127.0.0.1',
  env: {},
  shutdownGraceMs: Number(process.env.SHUTDOWN_GRACE_MS ?? '10000'),
  batching: { maxQueueDelayMs: 0 },
});
const { url } = await server.listen();
await server.ready;
process.stderr.write(`ready ${url}\n`);

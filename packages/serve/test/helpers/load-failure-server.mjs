// A prediction server whose model cannot load, run as a child process by test/server-load-failure.test.ts
// with the default process options (signals handled), to prove what a failed load does to a real process.
// stdout: the server's JSON log lines. stderr: "listening <url>" once bound.
/* global process */
import './load-typescript.mjs';

const { createPredictionServer } = await import('../../src/lib/server/create-prediction-server.ts');

const server = createPredictionServer({
  handler: {
    load: () => Promise.reject(new Error(process.env.LOAD_ERROR ?? 'config.json: id2label is missing')),
    parseInstance: (instance) => String(instance),
    run: (batch) => Promise.resolve(batch),
  },
  port: 0,
  host: '127.0.0.1',
  env: {},
  ...(process.env.EXIT_ON_LOAD_FAILURE ? { exitOnLoadFailure: process.env.EXIT_ON_LOAD_FAILURE === 'true' } : {}),
});
const { url } = await server.listen();
process.stderr.write(`listening ${url}\n`);

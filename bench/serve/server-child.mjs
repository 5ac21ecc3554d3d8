// The server under test, in a process of its own: createPredictionServer + createTextClassificationHandler on
// MODEL_DIR, bound to 127.0.0.1 on a free port. Talks to bench/serve/run.mjs over IPC:
//   -> { type: 'listening', url, importMs, listenMs }   (ms since this process started)
//   -> { type: 'ready', readyMs }
//   <- { type: 'stats' }  -> { type: 'stats', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), at }
//   <- { type: 'profile-start' } / { type: 'profile-stop', file }  -> a CPU profile of this process's main thread
//      between the two (the inspector's sampler, as --cpu-prof), written to `file`; -> { type: 'profiled', file }
//   <- { type: 'close' }  -> closes the server and exits 0
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

const started = performance.now();
const { createPredictionServer, createTextClassificationHandler } = await import('@vertexkit/serve');
const importMs = performance.now();

const modelDir = process.env.MODEL_DIR;
if (!modelDir) throw new Error('server-child: set MODEL_DIR');
// What-if knobs, off by default (the bench measures the defaults): SERVE_BATCHING='{"maxQueueDelayMs":0}' is
// passed as the server's `batching`, SERVE_THREADS=1 as the handler's `threads`, SERVE_WORKER=0 as `worker: false`.
const batching = process.env.SERVE_BATCHING ? JSON.parse(process.env.SERVE_BATCHING) : undefined;
const threads = process.env.SERVE_THREADS ? Number(process.env.SERVE_THREADS) : undefined;
const worker = process.env.SERVE_WORKER === undefined ? undefined : !['0', 'false'].includes(process.env.SERVE_WORKER);
const server = createPredictionServer({
  handler: createTextClassificationHandler({ modelDir, ...(threads ? { threads } : {}), ...(worker === undefined ? {} : { worker }) }),
  port: 0,
  host: '127.0.0.1',
  logger: false,
  handleSignals: false,
  ...(batching ? { batching } : {}),
});
const { url } = await server.listen();
process.send({ type: 'listening', url, startedMs: started, importMs, listenMs: performance.now() });

let inspector;
process.on('message', async (message) => {
  if (message.type === 'stats') {
    process.send({ type: 'stats', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), at: performance.now() });
  } else if (message.type === 'profile-start') {
    inspector ??= new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  } else if (message.type === 'profile-stop') {
    const { profile } = await inspector.post('Profiler.stop');
    inspector.disconnect();
    await writeFile(message.file, JSON.stringify(profile));
    process.send({ type: 'profiled', file: message.file });
  } else if (message.type === 'close') {
    await server.close();
    process.disconnect();
    process.exit(0);
  }
});

server.ready.then(
  () => process.send({ type: 'ready', readyMs: performance.now() }),
  (error) => {
    process.send({ type: 'failed', message: String(error?.stack ?? error) });
    process.exit(1);
  },
);

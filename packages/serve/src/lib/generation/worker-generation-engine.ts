// The main thread's side of generation-worker.ts: the same generate() as GenerationEngine, with the decoding in
// a worker thread. A worker that dies fails the requests it was decoding (they answer 500) and a new one is
// started for the next request.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ModelDirectoryError } from '../model/model-directory-error.js';
import type { GenerationRequest, GenerationStats } from './generation-engine.js';
import type { ErrorInfo, FromGenerationWorker, GenerationWorkerData, ToGenerationWorker } from './generation-worker-protocol.js';
import type { GeneratedSequence } from './sequence-search.js';

/** Where the decoding of {@link createTextGenerationHandler} runs: this thread (GenerationEngine) or a worker. */
export interface GenerationBackend {
  generate(request: GenerationRequest): Promise<GeneratedSequence[]>;
  /** The latest counters (a worker's, as of its last answer). */
  readonly stats: GenerationStats;
  close(): Promise<void>;
}

/**
 * dist/generation-worker.js (or .cjs) beside the running entry. From the sources (the package's tests) the built
 * one: the worker imports the engine, which only the build bundles into one file Node can run.
 */
export function generationWorkerUrl(): URL {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const url = fromSources ? new URL('../../../dist/generation-worker.js', here) : new URL(`./generation-worker${here.endsWith('.cjs') ? '.cjs' : '.js'}`, here);
  if (!existsSync(url)) {
    throw new Error(
      `the text-generation worker script ${fileURLToPath(url)} is missing: ${fromSources ? 'build @vertexkit/serve first (npx nx run @vertexkit/serve:build)' : '@vertexkit/serve ships it beside its entry point in dist/; if you bundle the package, copy dist/generation-worker.js next to the bundle'}, or pass worker: false to createTextGenerationHandler`,
    );
  }
  return url;
}

function fromErrorInfo(info: ErrorInfo): Error {
  const error = info.file !== undefined && info.path !== undefined ? new ModelDirectoryError(info.file, info.path, info.message.replace(`${info.file}: `, '')) : new Error(info.message);
  if (info.stack) error.stack = info.stack;
  return error;
}

interface Pending {
  request: GenerationRequest;
  resolve(sequences: GeneratedSequence[]): void;
  reject(error: unknown): void;
}

/** Starts the worker and resolves once its sessions are open (rejects with the load error otherwise). */
export async function openGenerationWorker(data: GenerationWorkerData): Promise<GenerationBackend> {
  const url = generationWorkerUrl();
  let stats: GenerationStats = { steps: 0, rowsStepped: 0, encoderRuns: 0, groupsStarted: 0 };
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed = false;

  const start = (): Promise<Worker> =>
    new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(url, { workerData: data, name: 'vertexkit-serve-generation' });
      let ready = false;
      let crash: Error | undefined;
      worker.on('message', (message: FromGenerationWorker) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            worker.unref();
            resolve(worker);
            return;
          case 'load-failed':
            reject(fromErrorInfo(message.error));
            return;
          case 'token':
            pending.get(message.id)?.request.onToken?.(message.sequence, message.token);
            return;
          case 'result':
          case 'failed': {
            stats = message.stats;
            const entry = pending.get(message.id);
            if (!entry) return;
            pending.delete(message.id);
            if (pending.size === 0) worker.unref();
            if (message.type === 'result') entry.resolve(message.sequences);
            else entry.reject(fromErrorInfo(message.error));
            return;
          }
        }
      });
      worker.on('error', (error: Error) => (crash = error));
      worker.on('exit', (code) => {
        if (!ready) {
          reject(new Error(`the text-generation worker thread stopped before the model was loaded (${crash?.message ?? `exit code ${code}`})`, { cause: crash }));
          return;
        }
        const failure = closed
          ? new Error('the text-generation handler was closed before this request finished')
          : new Error(`the text-generation worker thread ${crash ? `crashed (${crash.message})` : `exited (code ${code})`} while decoding this request; a new one starts for the next requests`, { cause: crash });
        for (const entry of pending.values()) entry.reject(failure);
        pending.clear();
        current = undefined;
      });
    });

  let current: Promise<Worker> | undefined = start();
  await current;

  return {
    get stats() {
      return stats;
    },
    async generate(request) {
      if (closed) throw new Error('the text-generation handler is closed');
      current ??= start();
      const worker = await current;
      const id = nextId++;
      return new Promise<GeneratedSequence[]>((resolve, reject) => {
        pending.set(id, { request, resolve, reject });
        worker.ref();
        const message: ToGenerationWorker = { type: 'generate', id, source: [...request.source], options: request.options, stream: request.onToken !== undefined };
        worker.postMessage(message);
        request.signal?.addEventListener('abort', () => worker.postMessage({ type: 'cancel', id } satisfies ToGenerationWorker), { once: true });
      });
    },
    async close() {
      closed = true;
      const worker = await current?.catch(() => undefined);
      if (!worker) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Referenced until it exits: an idle worker is unref'd, and with nothing else left (a server that has
      // drained) node would exit while the worker is still releasing its sessions, and onnxruntime-node aborts
      // the process when its thread is stopped inside a call (1 exit in 8-16 under SIGTERM, with no "closed" line).
      worker.ref();
      worker.postMessage({ type: 'close' } satisfies ToGenerationWorker);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await worker.terminate();
    },
  };
}

// The ONNX Runtime session behind the text-classification handler, on the main thread or in a worker
// thread (onnx-worker.ts), behind one small interface: texts in, logits out. Both tokenize and pad with
// buildFeeds, so a text gets the same ids either way.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildFeeds, fillableInputs, type BatchEncoder } from './build-feeds.js';
import type { ErrorInfo, FromWorker, InputInfo, OnnxWorkerData, OutputTensor, ToWorker } from './onnx-worker-protocol.js';

export type { InputInfo, OutputTensor } from './onnx-worker-protocol.js';

/** An ONNX Runtime session as the text-classification handler uses it. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InputInfo[];
  /**
   * Tokenize and pad `texts` (buildFeeds), run the model once on them and resolve to the output named `output`
   * (undefined when there is none). In a worker session all of it happens in the worker thread.
   */
  run(texts: string[], output: string): Promise<OutputTensor | undefined>;
  /** Release the session (and stop its thread); runs after this reject. */
  release(): Promise<void>;
}

/** ONNX Runtime refused the model file; the handler turns it into a ModelDirectoryError. */
export class OnnxLoadError extends Error {
  override readonly name = 'OnnxLoadError';
}

/** A session on the calling thread: every run (tokenizing included) holds that thread (the event loop) until it ends. */
export async function openInThreadSession(modelPath: string, sessionOptions: InferenceSession.SessionOptions, model: BatchEncoder): Promise<ModelSession> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelPath, sessionOptions);
  } catch (error) {
    throw new OnnxLoadError((error as Error).message, { cause: error });
  }
  const inputs = fillableInputs(session.inputNames);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata.map((entry) => ({ name: entry.name, isTensor: entry.isTensor, ...(entry.isTensor ? { type: entry.type } : {}) })),
    async run(texts, output) {
      const tensors: Record<string, Tensor> = {};
      for (const [name, { data, dims }] of Object.entries(buildFeeds(model, texts, inputs))) tensors[name] = new Tensor('int64', data, dims);
      const tensor = (await session.run(tensors))[output];
      return tensor ? { type: tensor.type, dims: [...tensor.dims], data: tensor.data } : undefined;
    },
    release: () => session.release(),
  };
}

/**
 * The worker script beside the running module: dist/onnx-worker.js (or .cjs, matching the entry that was loaded)
 * in the built package. From the sources (the package's tests) the built dist/onnx-worker.js: the worker imports
 * the tokenizer's modules, which Node cannot resolve from .ts files by their .js names.
 */
export function onnxWorkerUrl(): URL {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const url = fromSources ? new URL('../../../dist/onnx-worker.js', here) : new URL(`./onnx-worker${here.endsWith('.cjs') ? '.cjs' : '.js'}`, here);
  if (!existsSync(url)) {
    throw new Error(
      `ONNX Runtime's worker script ${fileURLToPath(url)} is missing: ${fromSources ? 'build @vertexkit/serve first (npx nx run @vertexkit/serve:build)' : '@vertexkit/serve ships it beside its entry point in dist/; if you bundle the package, copy dist/onnx-worker.js next to the bundle'}, ` +
        'or pass worker: false to createTextClassificationHandler to run ONNX Runtime on the main thread',
    );
  }
  return url;
}

interface Pending {
  resolve(output: OutputTensor | undefined): void;
  reject(error: Error): void;
}

/** One worker thread, from its start to its exit. */
interface WorkerThread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Set once the thread is gone: why its runs failed. */
  failure: Error | undefined;
  readonly exited: Promise<void>;
  readonly ready: Extract<FromWorker, { type: 'ready' }>;
}

/** Most time close() gives the worker to finish its run and release the session before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * A session in a worker thread of its own, which loads the directory's tokenizer: the texts go to the worker,
 * which tokenizes, pads and runs them, and the logits come back.
 *
 * If the thread dies (an uncaught error in it, or it exits), the runs in progress reject with an error
 * saying so and a new thread is started at once; runs submitted meanwhile wait for it. If that start
 * fails, the next run tries again, so a server keeps answering (500 for the failed batches) instead of
 * crashing or hanging.
 *
 * @throws OnnxLoadError when ONNX Runtime cannot load the model; an Error when the thread cannot start.
 */
export async function openWorkerSession(
  workerUrl: URL,
  modelPath: string,
  sessionOptions: InferenceSession.SessionOptions,
  tokenizer: OnnxWorkerData['tokenizer'],
): Promise<ModelSession> {
  const data: OnnxWorkerData = { modelPath, sessionOptions: sessionOptions as Record<string, unknown>, tokenizer };
  let closed = false;
  let nextId = 0;

  const start = (): Promise<WorkerThread> =>
    new Promise<WorkerThread>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(workerUrl, { workerData: data, name: 'vertexkit-serve-onnx' });
      } catch (error) {
        reject(new Error(`cannot start ONNX Runtime's worker thread (${(error as Error).message}); pass worker: false to createTextClassificationHandler to run it on the main thread`, { cause: error }));
        return;
      }
      let thread: WorkerThread | undefined;
      let loadFailure: OnnxLoadError | undefined;
      let crash: Error | undefined;
      let resolveExited!: () => void;
      const exited = new Promise<void>((resolveExit) => {
        resolveExited = resolveExit;
      });

      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            thread = { worker, pending: new Map(), failure: undefined, exited, ready: message };
            // Idle, the thread must not keep the process alive (a handler used without a server, never
            // closed); run() refs it while runs are in progress.
            worker.unref();
            resolve(thread);
            return;
          case 'load-failed':
            loadFailure = new OnnxLoadError(message.error.message, { cause: fromErrorInfo(message.error) });
            return;
          case 'result':
          case 'run-failed': {
            const pending = thread?.pending.get(message.id);
            if (!thread || !pending) return;
            thread.pending.delete(message.id);
            if (thread.pending.size === 0) worker.unref();
            if (message.type === 'result') pending.resolve(message.output);
            else pending.reject(fromErrorInfo(message.error));
            return;
          }
        }
      });
      // Uncaught in the worker: 'exit' follows, which fails the runs.
      worker.on('error', (error: Error) => {
        crash = error;
      });
      worker.on('messageerror', (error: Error) => {
        crash = error;
        void worker.terminate();
      });
      worker.on('exit', (code) => {
        if (!thread) {
          reject(
            loadFailure ??
              new Error(
                `ONNX Runtime's worker thread stopped before the model was loaded (${crash ? crash.message : `exit code ${code}`}); pass worker: false to createTextClassificationHandler to run it on the main thread`,
                { cause: crash },
              ),
          );
          resolveExited();
          return;
        }
        const failure = closed
          ? new Error('the ONNX Runtime session was closed before this run finished')
          : new Error(
              `ONNX Runtime's worker thread ${crash ? `crashed (${crash.message})` : `exited (code ${code})`} while running this batch; a new thread is started for the next batches`,
              { cause: crash },
            );
        thread.failure = failure;
        for (const pending of thread.pending.values()) pending.reject(failure);
        thread.pending.clear();
        if (!closed) restart();
        resolveExited();
      });
    });

  /** The thread that answers runs, or its start; undefined after a failed restart, until the next run. */
  let current: Promise<WorkerThread> | undefined = start();
  function restart(): void {
    current = start();
    // Awaited by the next run; a failed start must not be an unhandled rejection meanwhile.
    current.catch(() => undefined);
  }
  const first = await current;

  return {
    inputNames: first.ready.inputNames,
    outputNames: first.ready.outputNames,
    inputMetadata: first.ready.inputMetadata,
    run: (texts, output) => send((id) => ({ type: 'run', id, texts, output })),
    async release() {
      if (closed) return;
      closed = true;
      const thread = await current?.catch(() => undefined);
      if (!thread || thread.failure) return;
      thread.worker.ref();
      thread.worker.postMessage({ type: 'close' } satisfies ToWorker);
      const timer = setTimeout(() => void thread.worker.terminate(), CLOSE_TIMEOUT_MS);
      await thread.exited;
      clearTimeout(timer);
    },
  };

  /** Posts one run to the thread (started again first if it died) and resolves with its output. */
  async function send(message: (id: number) => ToWorker): Promise<OutputTensor | undefined> {
    if (closed) throw new Error('the ONNX Runtime session is closed');
    current ??= start();
    const starting = current;
    let thread: WorkerThread;
    try {
      thread = await starting;
    } catch (error) {
      // The thread started after a crash could not load the model (say, the file went away): this run fails
      // with why, and the next run tries again.
      if (current === starting) current = undefined;
      throw new Error(`ONNX Runtime's worker thread could not be restarted: ${(error as Error).message}`, { cause: error });
    }
    if (thread.failure) throw thread.failure;
    const id = ++nextId;
    return new Promise<OutputTensor | undefined>((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject });
      try {
        thread.worker.postMessage(message(id));
      } catch (error) {
        thread.pending.delete(id);
        if (thread.pending.size === 0) thread.worker.unref();
        // DataCloneError and the like: a bug here, not in the model; this run fails, the thread is fine.
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }
}

function fromErrorInfo(info: ErrorInfo): Error {
  const error = new Error(info.message);
  error.name = info.name;
  // The worker's stack says where in ONNX Runtime's JS it failed; this thread's would only say "here".
  if (info.stack) error.stack = info.stack;
  return error;
}

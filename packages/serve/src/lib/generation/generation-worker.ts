// The worker thread encoder-decoder generation runs in. onnxruntime-node holds the thread that calls
// session.run until the run ends; decoding is one run per step, so on the main thread the server could only
// read requests (and answer health checks) between steps. Here the decoding loop, its ONNX Runtime sessions and
// its batching live in this thread; the main thread parses, tokenizes, and detokenizes.
//
// tsup builds this file to dist/generation-worker.js and .cjs beside the package's entry, with what it imports.
import { parentPort, workerData } from 'node:worker_threads';
import { ModelDirectoryError } from '../model/model-directory-error.js';
import { GenerationEngine } from './generation-engine.js';
import type { ErrorInfo, FromGenerationWorker, GenerationWorkerData, ToGenerationWorker } from './generation-worker-protocol.js';
import type { Seq2SeqDirectory } from './load-seq2seq-directory.js';
import { Seq2SeqRuntime } from './seq2seq-runtime.js';

function errorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(ModelDirectoryError.isInstance(error) ? { file: error.file, path: error.path } : {}),
  };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('generation-worker: this file runs as a worker thread started by the text-generation handler');
  const post = (message: FromGenerationWorker): void => port.postMessage(message);
  const { model, threads, batching } = workerData as GenerationWorkerData;
  let runtime: Seq2SeqRuntime;
  try {
    runtime = await Seq2SeqRuntime.open({ ...model, tokenizerJson: {}, tokenizerConfig: {} } satisfies Seq2SeqDirectory, threads);
  } catch (error) {
    post({ type: 'load-failed', error: errorInfo(error) });
    return;
  }
  const engine = new GenerationEngine(runtime, batching);
  const cancels = new Map<number, AbortController>();
  post({ type: 'ready' });

  port.on('message', (message: ToGenerationWorker) => {
    switch (message.type) {
      case 'generate': {
        const controller = new AbortController();
        cancels.set(message.id, controller);
        engine
          .generate({
            source: message.source,
            options: message.options,
            signal: controller.signal,
            ...(message.stream ? { onToken: (sequence: number, token: number) => post({ type: 'token', id: message.id, sequence, token }) } : {}),
          })
          .then(
            (sequences) => post({ type: 'result', id: message.id, sequences, stats: { ...engine.stats } }),
            (error: unknown) => post({ type: 'failed', id: message.id, error: errorInfo(error), stats: { ...engine.stats } }),
          )
          .finally(() => cancels.delete(message.id));
        return;
      }
      case 'cancel':
        cancels.get(message.id)?.abort(new Error('the client went away'));
        return;
      case 'close':
        engine.close();
        void runtime.release().finally(() => port.close());
        return;
    }
  });
}

void main();

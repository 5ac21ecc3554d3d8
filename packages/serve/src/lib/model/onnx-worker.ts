// The worker thread the text-classification handler runs ONNX Runtime in. onnxruntime-node runs a model on
// the thread that called session.run and holds that thread for the whole run; here, that is this worker,
// so the server's event loop keeps reading, parsing and tokenizing requests while the model runs.
//
// It must stay one self-contained file (only `import type` from this package, which is erased): tsup
// builds it to dist/onnx-worker.js and .cjs beside the package's entry, and from the sources (tests)
// Node runs it directly with its type stripping. See onnx-worker-session.ts for the other end.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ErrorInfo, FromWorker, OnnxWorkerData, ToWorker } from './onnx-worker-protocol.js';

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('onnx-worker: this file runs as a worker thread started by the text-classification handler');
  const post = (message: FromWorker): void => port.postMessage(message);
  const { modelPath, sessionOptions } = workerData as OnnxWorkerData;

  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelPath, sessionOptions as InferenceSession.SessionOptions);
  } catch (error) {
    // Nothing keeps this thread alive after this: it exits, and the handler reports the error.
    post({ type: 'load-failed', error: errorInfo(error) });
    return;
  }
  post({
    type: 'ready',
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputMetadata: session.inputMetadata.map((entry) => ({ name: entry.name, isTensor: entry.isTensor, ...(entry.isTensor ? { type: entry.type } : {}) })),
  });

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'run': {
        try {
          const feeds: Record<string, Tensor> = {};
          for (const [name, { data, dims }] of Object.entries(message.feeds)) feeds[name] = new Tensor('int64', data, dims);
          const outputs = await session.run(feeds);
          const tensor = outputs[message.output];
          post({ type: 'result', id: message.id, output: tensor ? { type: tensor.type, dims: [...tensor.dims], data: tensor.data } : undefined });
        } catch (error) {
          post({ type: 'run-failed', id: message.id, error: errorInfo(error) });
        }
        return;
      }
      case 'close':
        await session.release();
        // The port was all that kept this thread alive.
        port.close();
        return;
      default:
        throw new Error(`onnx-worker: unknown message ${JSON.stringify((message as { type?: unknown }).type)}`);
    }
  };
  // One message at a time, in order: a close must wait for the run in progress, and ONNX Runtime gains
  // nothing from two runs of one session at once (each already uses every intra-op thread).
  let previous = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    previous = previous.then(() => handle(message));
  });
}

void main();

// The worker thread the text-classification handler runs ONNX Runtime in. onnxruntime-node runs a model on
// the thread that called session.run and holds that thread for the whole run; here, that is this worker, and
// it tokenizes the batches too, so the server's event loop only reads, parses and answers requests:
// on two cores the HTTP work and the model's work then go side by side.
//
// tsup builds this file to dist/onnx-worker.js and .cjs beside the package's entry, with what it imports. See
// onnx-session.ts for the other end.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildFeeds, fillableInputs } from './build-feeds.js';
import { loadModelDirectory, type ModelDirectory } from './load-model-directory.js';
import type { ErrorInfo, FromWorker, OnnxWorkerData, ToWorker } from './onnx-worker-protocol.js';

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('onnx-worker: this file runs as a worker thread started by the text-classification handler');
  const post = (message: FromWorker): void => port.postMessage(message);
  const { modelPath, sessionOptions, tokenizer } = workerData as OnnxWorkerData;

  let session: InferenceSession;
  let model: ModelDirectory;
  try {
    // The main thread read and checked the same directory a moment ago; a failure here is reported as a load failure.
    model = await loadModelDirectory(tokenizer.dir, tokenizer.maxLength === undefined ? {} : { maxLength: tokenizer.maxLength });
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

  const inputs = fillableInputs(session.inputNames);
  const run = async (id: number, texts: string[], output: string): Promise<void> => {
    try {
      const tensors: Record<string, Tensor> = {};
      for (const [name, { data, dims }] of Object.entries(buildFeeds(model, texts, inputs))) tensors[name] = new Tensor('int64', data, dims);
      const tensor = (await session.run(tensors))[output];
      post({ type: 'result', id, output: tensor ? { type: tensor.type, dims: [...tensor.dims], data: tensor.data } : undefined });
    } catch (error) {
      post({ type: 'run-failed', id, error: errorInfo(error) });
    }
  };

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'run':
        return run(message.id, message.texts, message.output);
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

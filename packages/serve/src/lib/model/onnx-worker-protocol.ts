// The messages between the text-classification handler and its ONNX Runtime worker thread (onnx-worker.ts).

/** What the worker is started with (`workerData`). */
export interface OnnxWorkerData {
  modelPath: string;
  /** ONNX Runtime's InferenceSession.SessionOptions; only structured-clonable values. */
  sessionOptions: Record<string, unknown>;
  /**
   * The model directory whose tokenizer the worker loads: it tokenizes and pads each batch, and the main thread
   * only parses requests.
   */
  tokenizer: { dir: string; maxLength?: number };
}

/** One int64 model input. */
export interface Int64Feed {
  data: BigInt64Array;
  dims: number[];
}

/** A model output as the worker hands it back. */
export interface OutputTensor {
  type: string;
  dims: number[];
  data: unknown;
}

export interface InputInfo {
  name: string;
  isTensor: boolean;
  /** The element type (`int64`, `float32`, ...) when `isTensor`. */
  type?: string;
}

/** What `Error` turns into on its way out of the worker. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export type ToWorker =
  /** Tokenize and pad `texts` with the worker's tokenizer (see OnnxWorkerData.tokenizer), then run. */
  | { type: 'run'; id: number; texts: string[]; output: string }
  /** Release the session after the run in progress (if any), then exit. */
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; inputNames: string[]; outputNames: string[]; inputMetadata: InputInfo[] }
  | { type: 'load-failed'; error: ErrorInfo }
  /** `output` is undefined when the model has no output of the requested name. */
  | { type: 'result'; id: number; output: OutputTensor | undefined }
  | { type: 'run-failed'; id: number; error: ErrorInfo };

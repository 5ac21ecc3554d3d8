// Messages between the text-generation handler and its worker thread (generation-worker.ts).
import type { GenerationEngineOptions, GenerationStats } from './generation-engine.js';
import type { GenerationOptions } from './generation-options.js';
import type { Seq2SeqDirectory } from './load-seq2seq-directory.js';
import type { GeneratedSequence } from './sequence-search.js';

/** The worker's `workerData`. */
export interface GenerationWorkerData {
  /** The directory as loaded, without its tokenizer (the main thread tokenizes). */
  model: Omit<Seq2SeqDirectory, 'tokenizerJson' | 'tokenizerConfig'>;
  threads: number;
  batching: GenerationEngineOptions;
}

/** An error as it crosses the thread boundary. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** A ModelDirectoryError's file and path. */
  file?: string;
  path?: string;
}

export type ToGenerationWorker =
  | { type: 'generate'; id: number; source: number[]; options: GenerationOptions; stream: boolean }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

export type FromGenerationWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; error: ErrorInfo }
  | { type: 'token'; id: number; sequence: number; token: number }
  | { type: 'result'; id: number; sequences: GeneratedSequence[]; stats: GenerationStats }
  | { type: 'failed'; id: number; error: ErrorInfo; stats: GenerationStats };

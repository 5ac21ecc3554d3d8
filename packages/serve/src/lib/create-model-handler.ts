import type { Storage } from '@vertexkit/storage';
import { fetchModel } from './fetch-model.js';
import { isSeq2SeqDirectory } from './generation/load-seq2seq-directory.js';
import { createTextGenerationHandler, type TextGenerationHandlerOptions } from './generation/text-generation-handler.js';
import type { PredictionHandler } from './handler.js';
import { createTextClassificationHandler, type TextClassificationHandlerOptions } from './model/text-classifier.js';

/** Options of {@link createModelHandler}: where the model is, and options for each kind it may turn out to be. */
export interface ModelHandlerOptions {
  /** A model directory: a local path or `gs://bucket/prefix/`. */
  modelDir: string;
  storage?: Storage;
  cacheDir?: string;
  /** Used when the directory is a text classifier (model.onnx). */
  classification?: Omit<TextClassificationHandlerOptions, 'modelDir' | 'storage' | 'cacheDir'>;
  /** Used when it is an encoder-decoder model (encoder_model.onnx): translation, text-to-text generation. */
  generation?: Omit<TextGenerationHandlerOptions, 'modelDir' | 'storage' | 'cacheDir'>;
}

/** What {@link createModelHandler} found the directory to be, once loaded. */
export type ModelKind = 'text-classification' | 'text-generation';

/** A handler for whatever model the directory holds; {@link ModelHandler.kind} says which, once loaded. */
export interface ModelHandler extends PredictionHandler {
  load(): Promise<void>;
  /** Undefined until `load()` resolved. */
  readonly kind: ModelKind | undefined;
}

/**
 * One handler for any model directory serve reads: `load()` fetches it (a `gs://` one is downloaded once) and
 * looks at what is there, a text classifier (`model.onnx`) or an encoder-decoder model (`encoder_model.onnx`,
 * served with generation), and from then on the handler is that model's. What the sample app serves, so the
 * same image serves a spam filter and a translator.
 *
 * @example
 * ```ts
 * const server = createPredictionServer({ handler: createModelHandler({ modelDir: process.env.MODEL_URI! }) });
 * ```
 */
export function createModelHandler(options: ModelHandlerOptions): ModelHandler {
  let inner: PredictionHandler | undefined;
  let kind: ModelKind | undefined;
  const loadedHandler = (): PredictionHandler => {
    if (!inner) throw new Error('the model is not loaded yet: await handler.load() first');
    return inner;
  };
  const handler: ModelHandler = {
    get kind() {
      return kind;
    },
    async load() {
      const common = { ...(options.storage ? { storage: options.storage } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) };
      // Local already, or downloaded once here: the inner handler finds it in the cache.
      const dir = await fetchModel({ uri: options.modelDir, ...common });
      const seq2seq = await isSeq2SeqDirectory(dir);
      // The inner handler gets the directory as given (its name titles the API); fetching it again finds the copy.
      const created = seq2seq
        ? createTextGenerationHandler({ ...options.generation, modelDir: options.modelDir, ...common })
        : createTextClassificationHandler({ ...options.classification, modelDir: options.modelDir, ...common });
      await created.load();
      inner = created;
      kind = seq2seq ? 'text-generation' : 'text-classification';
      // The server asks for these per request: a generation model batches and streams its own way.
      if (inner.runRequest) handler.runRequest = inner.runRequest.bind(inner);
      if (inner.streamRequest) handler.streamRequest = inner.streamRequest.bind(inner);
    },
    parseInstance: (instance, index) => loadedHandler().parseInstance(instance, index),
    parseParameters: (parameters) => {
      const loaded = loadedHandler();
      return loaded.parseParameters ? loaded.parseParameters(parameters) : parameters;
    },
    run: (batch) => loadedHandler().run(batch),
    postprocess: (raw, params, instance) => {
      const loaded = loadedHandler();
      return loaded.postprocess ? loaded.postprocess(raw, params, instance) : raw;
    },
    describe: () => {
      const loaded = loadedHandler();
      return loaded.describe ? loaded.describe() : {};
    },
    async close() {
      await inner?.close?.();
    },
  };
  return handler;
}

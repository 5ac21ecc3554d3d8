import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Storage } from '@vertexkit/storage';
import { fetchModel } from '../fetch-model.js';
import type { ModelDescription, PredictionHandler } from '../handler.js';
import { INPUT_NAMES } from './build-feeds.js';
import { describeTextClassifier } from './describe-text-classifier.js';
import { loadModelDirectory, type ModelDirectory } from './load-model-directory.js';
import { ModelDirectoryError } from './model-directory-error.js';
import { onnxSessionOptions } from './onnx-session-options.js';
import { OnnxLoadError, onnxWorkerUrl, openInThreadSession, openWorkerSession, type ModelSession } from './onnx-session.js';
import { parseClassificationParameters, type TextClassificationParams } from './parse-classification-parameters.js';
import { parseTextInstance } from './parse-text-instance.js';
import { scoreLabels, type LabelScore } from './score-labels.js';

export type { TextClassificationParams } from './parse-classification-parameters.js';
export type { LabelScore } from './score-labels.js';

/** Options of {@link createTextClassificationHandler}. */
export interface TextClassificationHandlerOptions {
  /**
   * A model directory in the Hugging Face / Optimum export layout (see `loadModelDirectory`): a local
   * path, or `gs://bucket/prefix/` (also `/gcs/bucket/prefix/`), downloaded once by `load()`.
   */
  modelDir: string;
  /** Storage handle (credentials, retries) for a `gs://` model directory. */
  storage?: Storage;
  /** Where a `gs://` model directory is downloaded (default: `$TMPDIR/vertexkit-models`). */
  cacheDir?: string;
  /**
   * Longest token sequence fed to the model, special tokens included; longer texts are truncated (the end of
   * the text is dropped, `[SEP]` kept). Default: tokenizer_config.json's `model_max_length`, else 512.
   */
  maxLength?: number;
  /**
   * ONNX Runtime intra-op threads for one model run, the thread that runs it included. Default: every core
   * (`os.availableParallelism()`). A run is one batch at a time, and the event loop mostly waits for it: with
   * `worker` (the default) it only reads and parses requests meanwhile; without, it is held by the run.
   */
  threads?: number;
  /**
   * Tokenize and run ONNX Runtime in a worker thread (default `true`). onnxruntime-node holds the thread that runs
   * a model for the whole run; in a worker, the event loop keeps reading and parsing the next requests meanwhile,
   * and answers health checks during long runs. The worker loads the directory's tokenizer too and tokenizes each
   * batch before its run, so the HTTP work (event loop) and the model's (worker) use two cores side by side: for
   * texts of hundreds of words, tokenizing costs more than the model run. The texts go to the worker, the logits
   * come back. `load()` starts the thread and `close()` stops it; if the thread dies, the batch it was running
   * fails (the server answers 500) and a new thread is started for the next.
   *
   * `false` tokenizes and runs ONNX Runtime on the main thread: it suits a model whose runs take well under a
   * millisecond served at low concurrency (handing a batch to another thread and back costs tens of
   * microseconds), or a bundler that does not copy the package's `dist/onnx-worker.js` beside its output.
   */
  worker?: boolean;
}

/** The prediction for one text. */
export interface TextClassificationPrediction {
  /**
   * Labels with their probabilities, best first. Single-label models: softmax scores (all labels sum to 1),
   * cut to `top_k`. Multi-label models: one sigmoid score per label; only labels scoring at least `threshold`,
   * and of those at most `top_k`.
   */
  labels: LabelScore[];
}

/**
 * The handler {@link createTextClassificationHandler} returns: a {@link PredictionHandler} whose optional
 * methods are all there, so callers other than the server (tests, batch jobs) need no checks.
 */
export interface TextClassificationHandler
  extends PredictionHandler<string, Float32Array, TextClassificationPrediction, TextClassificationParams> {
  load(): Promise<void>;
  parseParameters(parameters: unknown): TextClassificationParams;
  postprocess(logits: Float32Array, params: TextClassificationParams): TextClassificationPrediction;
  close(): Promise<void>;
  /**
   * The JSON Schemas of instances, parameters and predictions, from the loaded model directory: label
   * names as an enum, `top_k` from 1, `threshold` (multi-label models only) with config.json's default.
   * Named by config.json's `_name_or_path`, else by the directory (`parent/model` for a folder named
   * `model`, as training jobs write them). Throws before `load()`.
   */
  describe(): ModelDescription;
}

interface Loaded {
  model: ModelDirectory;
  session: ModelSession;
  outputName: string;
}

/**
 * A {@link PredictionHandler} for an ONNX text classifier: instances are texts (`"..."` or `{"text": "..."}`),
 * predictions are `{"labels": [{"label": "spam", "score": 0.97}, ...]}`. Parameters: `top_k` (default: all
 * labels) and, for multi-label models, `threshold` (default 0.5).
 *
 * `run` tokenizes a batch, pads it to its longest text (under an attention mask, so a text scores the same
 * alone or batched) and runs the model once, in a worker thread unless `worker: false`; `postprocess` turns
 * one text's logits into scores.
 *
 * @example
 * ```ts
 * const handler = createTextClassificationHandler({ modelDir: './model' });
 * await handler.load();
 * const [logits] = await handler.run(['Win a free prize now!']);
 * handler.postprocess(logits, handler.parseParameters({ top_k: 1 }));
 * // { labels: [{ label: 'spam', score: 0.98 }] }
 * ```
 */
export function createTextClassificationHandler(
  options: TextClassificationHandlerOptions,
): TextClassificationHandler {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new Error(`threads: expected a positive integer, got ${String(options.threads)}`);
  }
  const worker: unknown = options.worker ?? true;
  if (typeof worker !== 'boolean') {
    throw new Error(`worker: expected true (run ONNX Runtime in a worker thread) or false (on the main thread), got ${typeof worker} ${JSON.stringify(worker) ?? String(worker)}`);
  }
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  let closed = false;

  const ready = (): Loaded => {
    if (loaded) return loaded;
    throw new Error(closed ? 'the text classifier is closed' : 'the text classifier is not loaded yet: await load() first');
  };

  const run = async (state: Loaded, texts: string[]): Promise<Float32Array[]> => {
    if (texts.length === 0) return [];
    // Tokenized and run in the worker thread; on this thread with `worker: false`.
    const logits = await state.session.run(texts, state.outputName);
    const numLabels = state.model.labels.length;
    if (!logits || logits.type !== 'float32' || !(logits.data instanceof Float32Array) || logits.dims.length !== 2 || logits.dims[0] !== texts.length) {
      const got = logits ? `${logits.type} [${logits.dims.join(', ')}]` : 'missing';
      throw new ModelDirectoryError('model.onnx', state.model.modelPath, `output "${state.outputName}" is ${got}; expected float32 logits [batch, ${numLabels}] (export with optimum's text-classification task)`);
    }
    if (logits.dims[1] !== numLabels) {
      throw new ModelDirectoryError('config.json', join(state.model.dir, 'config.json'), `id2label has ${numLabels} labels but model.onnx gives ${logits.dims[1]} logits per text; list one label per logit`);
    }
    const values = logits.data;
    // slice copies: the results outlive this batch's output buffer.
    return texts.map((_, row) => values.slice(row * numLabels, (row + 1) * numLabels));
  };

  const load = async (): Promise<Loaded> => {
    const dir = await fetchModel({
      uri: options.modelDir,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    });
    const model = await loadModelDirectory(dir, { maxLength: options.maxLength });
    const sessionOptions = onnxSessionOptions(threads);
    let session: ModelSession;
    try {
      session = worker
        ? await openWorkerSession(onnxWorkerUrl(), model.modelPath, sessionOptions, { dir: model.dir, ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }) })
        : await openInThreadSession(model.modelPath, sessionOptions, model);
    } catch (error) {
      if (!(error instanceof OnnxLoadError)) throw error;
      throw new ModelDirectoryError('model.onnx', model.modelPath, `ONNX Runtime cannot load it (${error.message}); export it again, and check the file is the model itself, not a Git LFS pointer or a partial download`, { cause: error.cause });
    }
    try {
      // The sessions fill the inputs serve knows (fillableInputs); a model with others is refused here.
      checkInputs(session, model);
      const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
      if (outputName === undefined) {
        throw new ModelDirectoryError('model.onnx', model.modelPath, 'the model has no outputs; export it with its logits output');
      }
      const state: Loaded = { model, session, outputName };
      // The first run allocates and plans; doing it here keeps that cost off the first request.
      await run(state, ['warm up']);
      return state;
    } catch (error) {
      await session.release();
      throw error;
    }
  };

  return {
    async load() {
      if (closed) throw new Error('the text classifier is closed');
      loading ??= load();
      try {
        const state = await loading;
        // close() during loading releases the session once loading ends; do not hand it out.
        if (closed) throw new Error('the text classifier was closed while loading');
        loaded = state;
      } catch (error) {
        // Let a later load() retry, e.g. after the directory was fixed.
        loading = undefined;
        throw error;
      }
    },
    parseInstance: parseTextInstance,
    parseParameters: (parameters) => {
      const { problemType, threshold } = ready().model;
      return parseClassificationParameters(parameters, problemType, threshold);
    },
    // async, so that misuse rejects the promise rather than throwing where the caller awaits.
    async run(texts) {
      return run(ready(), texts);
    },
    postprocess(logits, params) {
      const { labels, problemType, threshold } = ready().model;
      // A server that skips parseParameters passes no params: the defaults apply.
      const options = (params as TextClassificationParams | undefined) ?? parseClassificationParameters(undefined, problemType, threshold);
      return { labels: scoreLabels(logits, labels, problemType, options) };
    },
    describe() {
      const { model } = ready();
      return describeTextClassifier({
        name: model.name ?? directoryName(options.modelDir),
        labels: model.labels,
        problemType: model.problemType,
        threshold: model.threshold,
        maxLength: model.maxLength,
      });
    },
    async close() {
      closed = true;
      const state = loaded ?? (await loading?.catch(() => undefined));
      loaded = undefined;
      loading = undefined;
      await state?.session.release();
    },
  };
}

/**
 * The name of the directory as the caller gave it (a gs:// model is served from a cache folder with a hashed
 * name): its last segment, with its parent's when that segment is the `model` of a training job's output.
 */
function directoryName(uri: string): string {
  const scheme = /^[a-z][a-z\d+.-]*:\/\//i;
  const segments = (scheme.test(uri) ? uri.replace(scheme, '') : resolve(uri)).split(/[/\\]/).filter(Boolean);
  const last = segments.at(-1) ?? uri;
  const parent = segments.at(-2);
  return last === 'model' && parent !== undefined ? `${parent}/${last}` : last;
}

/** Refuses a model with an input serve cannot fill, one that is not int64, or none named input_ids. */
function checkInputs(session: ModelSession, model: ModelDirectory): void {
  for (const name of session.inputNames) {
    if (!(INPUT_NAMES as readonly string[]).includes(name)) {
      throw new ModelDirectoryError('model.onnx', model.modelPath, `has an input "${name}" serve cannot fill; serve feeds ${INPUT_NAMES.join(', ')} (export with optimum's text-classification task)`);
    }
    const metadata = session.inputMetadata.find((entry) => entry.name === name);
    if (metadata?.isTensor && metadata.type !== 'int64') {
      throw new ModelDirectoryError('model.onnx', model.modelPath, `input "${name}" is ${metadata.type}; serve feeds int64 token ids, as transformers exports them`);
    }
  }
  if (!session.inputNames.includes('input_ids')) {
    throw new ModelDirectoryError('model.onnx', model.modelPath, `has no input "input_ids" (inputs: ${session.inputNames.join(', ')}); serve feeds token ids there`);
  }
}

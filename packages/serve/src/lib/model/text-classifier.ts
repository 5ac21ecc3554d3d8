import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Storage } from '@vertexkit/storage';
import { fetchModel } from '../fetch-model.js';
import type { PredictionHandler } from '../handler.js';
import { loadModelDirectory, type ModelDirectory } from './load-model-directory.js';
import { ModelDirectoryError } from './model-directory-error.js';
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
   * ONNX Runtime threads for one model run. Default: the machine's cores minus one, at least 1, leaving a core
   * to the event loop, which tokenizes and serves HTTP.
   */
  threads?: number;
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
}

/** The model inputs serve knows how to fill; exports from transformers use a subset of them. */
const INPUT_NAMES = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
type InputName = (typeof INPUT_NAMES)[number];

interface Loaded {
  model: ModelDirectory;
  session: InferenceSession;
  inputs: InputName[];
  outputName: string;
}

/**
 * A {@link PredictionHandler} for an ONNX text classifier: instances are texts (`"..."` or `{"text": "..."}`),
 * predictions are `{"labels": [{"label": "spam", "score": 0.97}, ...]}`. Parameters: `top_k` (default: all
 * labels) and, for multi-label models, `threshold` (default 0.5).
 *
 * `run` tokenizes a batch, pads it to its longest text (under an attention mask, so a text scores the same
 * alone or batched) and runs the model once; `postprocess` turns one text's logits into scores.
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
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new Error(`threads: expected a positive integer, got ${String(options.threads)}`);
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
    const encoded = texts.map((text) => state.model.encode(text));
    // At least one column: an empty tensor dimension is legal ONNX but not every model handles it.
    const length = Math.max(1, ...encoded.map(({ ids }) => ids.length));
    const dims = [texts.length, length];
    const size = texts.length * length;
    const inputIds = new BigInt64Array(size).fill(BigInt(state.model.padId));
    const attentionMask = new BigInt64Array(size);
    const tokenTypeIds = new BigInt64Array(size).fill(BigInt(state.model.padTypeId));
    encoded.forEach(({ ids, typeIds }, row) => {
      const offset = row * length;
      for (let i = 0; i < ids.length; i++) {
        inputIds[offset + i] = BigInt(ids[i]!);
        attentionMask[offset + i] = 1n;
        tokenTypeIds[offset + i] = BigInt(typeIds[i] ?? 0);
      }
    });
    const data: Record<InputName, BigInt64Array> = { input_ids: inputIds, attention_mask: attentionMask, token_type_ids: tokenTypeIds };
    const feeds = Object.fromEntries(state.inputs.map((name) => [name, new Tensor('int64', data[name], dims)]));

    const outputs = await state.session.run(feeds);
    const logits = outputs[state.outputName];
    const numLabels = state.model.labels.length;
    if (!(logits instanceof Tensor) || logits.type !== 'float32' || logits.dims.length !== 2 || logits.dims[0] !== texts.length) {
      const got = logits instanceof Tensor ? `${logits.type} [${logits.dims.join(', ')}]` : 'not a tensor';
      throw new ModelDirectoryError('model.onnx', state.model.modelPath, `output "${state.outputName}" is ${got}; expected float32 logits [batch, ${numLabels}] (export with optimum's text-classification task)`);
    }
    if (logits.dims[1] !== numLabels) {
      throw new ModelDirectoryError('config.json', join(state.model.dir, 'config.json'), `id2label has ${numLabels} labels but model.onnx gives ${logits.dims[1]} logits per text; list one label per logit`);
    }
    const values = logits.data as Float32Array;
    // slice copies: the results outlive this batch's output buffer.
    return encoded.map((_, row) => values.slice(row * numLabels, (row + 1) * numLabels));
  };

  const load = async (): Promise<Loaded> => {
    const dir = await fetchModel({
      uri: options.modelDir,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    });
    const model = await loadModelDirectory(dir, { maxLength: options.maxLength });
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(model.modelPath, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Spinning worker threads burn the cores the event loop and other requests need between runs.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (error) {
      throw new ModelDirectoryError('model.onnx', model.modelPath, `ONNX Runtime cannot load it (${(error as Error).message}); export it again, and check the file is the model itself, not a Git LFS pointer or a partial download`, { cause: error });
    }
    try {
      const inputs = checkInputs(session, model);
      const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
      if (outputName === undefined) {
        throw new ModelDirectoryError('model.onnx', model.modelPath, 'the model has no outputs; export it with its logits output');
      }
      const state: Loaded = { model, session, inputs, outputName };
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
    parseParameters: (parameters) => parseClassificationParameters(parameters, ready().model.problemType),
    // async, so that misuse rejects the promise rather than throwing where the caller awaits.
    async run(texts) {
      return run(ready(), texts);
    },
    postprocess(logits, params) {
      const { labels, problemType } = ready().model;
      // A server that skips parseParameters passes no params: the defaults apply.
      const options = (params as TextClassificationParams | undefined) ?? parseClassificationParameters(undefined, problemType);
      return { labels: scoreLabels(logits, labels, problemType, options) };
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

function checkInputs(session: InferenceSession, model: ModelDirectory): InputName[] {
  const inputs: InputName[] = [];
  for (const name of session.inputNames) {
    if (!(INPUT_NAMES as readonly string[]).includes(name)) {
      throw new ModelDirectoryError('model.onnx', model.modelPath, `has an input "${name}" serve cannot fill; serve feeds ${INPUT_NAMES.join(', ')} (export with optimum's text-classification task)`);
    }
    const metadata = session.inputMetadata.find((entry) => entry.name === name);
    if (metadata?.isTensor && metadata.type !== 'int64') {
      throw new ModelDirectoryError('model.onnx', model.modelPath, `input "${name}" is ${metadata.type}; serve feeds int64 token ids, as transformers exports them`);
    }
    inputs.push(name as InputName);
  }
  if (!inputs.includes('input_ids')) {
    throw new ModelDirectoryError('model.onnx', model.modelPath, `has no input "input_ids" (inputs: ${session.inputNames.join(', ')}); serve feeds token ids there`);
  }
  return inputs;
}

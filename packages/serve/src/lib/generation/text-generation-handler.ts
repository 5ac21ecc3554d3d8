import { availableParallelism } from 'node:os';
import { Tokenizer } from '@huggingface/tokenizers';
import type { Storage } from '@vertexkit/storage';
import { fetchModel } from '../fetch-model.js';
import { InvalidInputError, type ModelDescription, type PredictionHandler } from '../handler.js';
import { describeValue } from '../model/describe-value.js';
import { parseTextInstance } from '../model/parse-text-instance.js';
import { GenerationEngine, type GenerationEngineOptions, type GenerationStats } from './generation-engine.js';
import { GENERATION_PARAMETERS, parseGenerationParameters, type GenerationOptions } from './generation-options.js';
import { describeTextGeneration } from './describe-text-generation.js';
import { loadSeq2SeqDirectory, type DecoderChoice, type Seq2SeqDirectory } from './load-seq2seq-directory.js';
import { Seq2SeqRuntime } from './seq2seq-runtime.js';
import type { GeneratedSequence } from './sequence-search.js';
import { openGenerationWorker, type GenerationBackend } from './worker-generation-engine.js';

/**
 * How a prediction is shaped: `strings`, a list of texts per instance (`[["This wood won't burn."]]`, what a
 * FastAPI translation service on Vertex AI answers); `pipeline`, a list of objects as transformers' pipeline
 * returns them (`[[{"translation_text": "This wood won't burn."}]]`; `generated_text` for text2text-generation).
 */
export type TextGenerationResponseFormat = 'strings' | 'pipeline';

/** Options of {@link createTextGenerationHandler}. */
export interface TextGenerationHandlerOptions {
  /** An encoder-decoder model directory (see `loadSeq2SeqDirectory`): a local path or `gs://bucket/prefix/`. */
  modelDir: string;
  storage?: Storage;
  cacheDir?: string;
  /** Which decoder files to run when the directory has both kinds (default `auto`: the split pair). */
  decoder?: DecoderChoice;
  /**
   * ONNX Runtime threads for one step. Default: every core but one (at least one), which the event loop keeps for
   * HTTP, tokenizing and detokenizing: on 2 cores a second ONNX Runtime thread does not make a step of up to 32 rows
   * faster, and it takes the core the server needs (bench:translate: 1.11x transformers.js at c=1 with one thread,
   * 0.93x with two).
   */
  threads?: number;
  /** The default shape of predictions; a request's `response_format` parameter overrides it. Default `strings`. */
  responseFormat?: TextGenerationResponseFormat;
  /** `translation` (default for Marian models) or `text2text-generation`: the pipeline key, and the docs' wording. */
  task?: 'translation' | 'text2text-generation';
  /** Continuous batching limits. */
  batching?: GenerationEngineOptions;
  /**
   * Decode in a worker thread of the handler's own (default `true`): onnxruntime-node holds the thread that runs a
   * step, so on the main thread requests would only be read, and health checks answered, between steps. `false`
   * decodes on the main thread (a bundler that leaves out `dist/generation-worker.js`).
   */
  worker?: boolean;
}

/** The parsed `parameters` of a text-generation request. */
export interface TextGenerationParams {
  generation: GenerationOptions;
  responseFormat: TextGenerationResponseFormat;
}

/** One instance's prediction: its sequences, best first, in the request's response format. */
export type TextGenerationPrediction = string[] | Array<Record<'translation_text' | 'generated_text', string>>;

/** The handler {@link createTextGenerationHandler} returns. */
export interface TextGenerationHandler extends PredictionHandler<string, GeneratedSequence[], TextGenerationPrediction, TextGenerationParams> {
  load(): Promise<void>;
  parseParameters(parameters: unknown): TextGenerationParams;
  runRequest(instances: string[], params: TextGenerationParams, signal?: AbortSignal): Promise<GeneratedSequence[][]>;
  streamRequest(instance: string, params: TextGenerationParams, signal?: AbortSignal): AsyncGenerator<string, GeneratedSequence[], void>;
  postprocess(raw: GeneratedSequence[], params: TextGenerationParams): TextGenerationPrediction;
  describe(): ModelDescription;
  /** Decoding counters since load: decoder steps run, rows stepped (a step of n rows counts n), encoder runs, groups started. */
  stats(): GenerationStats;
  close(): Promise<void>;
}

/** The part of the library's Tokenizer used here (its own .d.ts files do not resolve under NodeNext). */
interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: readonly number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean | null }): string;
}
const LibraryTokenizer = Tokenizer as unknown as new (tokenizerJson: object, config: object) => LibraryTokenizer;

interface Loaded {
  model: Seq2SeqDirectory;
  engine: GenerationBackend;
  tokenizer: LibraryTokenizer;
}

/**
 * Serves an encoder-decoder model (a MarianMT translator, a T5-style text2text model) exported by Optimum: the
 * text is tokenized as transformers.js tokenizes it, encoded once, and decoded with the request's generation
 * parameters (greedy, beam search or sampling; defaults from generation_config.json), step by step, with the
 * past key values kept between steps and the requests of the moment batched together (continuous batching).
 *
 * @example
 * ```ts
 * const server = createPredictionServer({ handler: createTextGenerationHandler({ modelDir: './opus-mt-tr-en' }) });
 * await server.listen();
 * // POST /predict {"instances": ["Bu odun yanmaz."]} -> {"predictions": [["This wood won't burn."]]}
 * ```
 */
export function createTextGenerationHandler(options: TextGenerationHandlerOptions): TextGenerationHandler {
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  let closed = false;
  const ready = (): Loaded => {
    if (!loaded) throw new Error('the text generation model is not loaded yet: await handler.load() first');
    return loaded;
  };

  const encodeSource = (state: Loaded, text: string): number[] => {
    const ids = state.tokenizer.encode(text, { add_special_tokens: true }).ids;
    // Too long for the encoder: keep the start of the text and the end-of-sequence token.
    const max = state.model.maxSourceLength;
    return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1]!];
  };

  const load = async (): Promise<Loaded> => {
    const dir = await fetchModel({ uri: options.modelDir, ...(options.storage ? { storage: options.storage } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
    const model = await loadSeq2SeqDirectory(dir, options.decoder);
    const tokenizer = new LibraryTokenizer(model.tokenizerJson, model.tokenizerConfig);
    let engine: GenerationBackend;
    if (options.worker === false) {
      const runtime = await Seq2SeqRuntime.open(model, threads);
      const inThread = new GenerationEngine(runtime, options.batching);
      engine = {
        generate: (request) => inThread.generate(request),
        get stats() {
          return inThread.stats;
        },
        async close() {
          inThread.close();
          await runtime.release();
        },
      };
    } else {
      const { tokenizerJson: _json, tokenizerConfig: _config, ...withoutTokenizer } = model;
      engine = await openGenerationWorker({ model: withoutTokenizer, threads, batching: options.batching ?? {} });
    }
    const state: Loaded = { model, engine, tokenizer };
    try {
      // The first runs allocate and plan: done here, not on the first request.
      await engine.generate({ source: encodeSource(state, 'warm up'), options: { ...model.generation, numBeams: 1, maxLength: 3, minLength: 0 } });
    } catch (error) {
      await engine.close();
      throw error;
    }
    return state;
  };

  const decodeSequences = (state: Loaded, sequences: GeneratedSequence[]): string[] =>
    sequences.map((sequence) => state.tokenizer.decode(sequence.tokens, { skip_special_tokens: true, clean_up_tokenization_spaces: null }));

  const pipelineKey = (state: Loaded): 'translation_text' | 'generated_text' =>
    (options.task ?? (state.model.modelType === 'marian' ? 'translation' : 'text2text-generation')) === 'translation' ? 'translation_text' : 'generated_text';

  const handler: TextGenerationHandler = {
    async load() {
      if (closed) throw new Error('the text generation handler is closed');
      loading ??= load();
      try {
        loaded = await loading;
        if (closed) throw new Error('the text generation handler was closed while loading');
      } catch (error) {
        loading = undefined;
        throw error;
      }
    },
    parseInstance: parseTextInstance,
    parseParameters(parameters) {
      const { model } = ready();
      let responseFormat = options.responseFormat ?? 'strings';
      let generationParameters = parameters;
      if (parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters) && 'response_format' in parameters) {
        const { response_format: format, ...rest } = parameters as Record<string, unknown>;
        if (format !== 'strings' && format !== 'pipeline' && format !== null) {
          throw new InvalidInputError('parameters.response_format', `expected "strings" (a list of texts per instance) or "pipeline" (a list of {"${pipelineKey(ready())}": text} objects), got ${describeValue(format)}`);
        }
        if (format !== null) responseFormat = format;
        generationParameters = rest;
      }
      return { generation: parseGenerationParameters(generationParameters, model.generation, model.maxPositions), responseFormat };
    },
    async run(texts) {
      const state = ready();
      return Promise.all(texts.map((text) => state.engine.generate({ source: encodeSource(state, text), options: state.model.generation })));
    },
    async runRequest(texts, params, signal) {
      const state = ready();
      return Promise.all(texts.map((text) => state.engine.generate({ source: encodeSource(state, text), options: params.generation, ...(signal ? { signal } : {}) })));
    },
    async *streamRequest(text, params, signal) {
      const state = ready();
      if (params.generation.numBeams > 1 || params.generation.numReturnSequences > 1) {
        throw new InvalidInputError(
          'parameters.num_beams',
          `a streamed answer grows one sequence token by token: beam search (num_beams ${params.generation.numBeams}) and several sequences (num_return_sequences ${params.generation.numReturnSequences}) only know their result at the end; set both to 1, or accept application/json`,
        );
      }
      const tokens: number[] = [params.generation.decoderStartTokenId];
      const arrived: number[] = [];
      let wake: (() => void) | undefined;
      const result = state.engine.generate({
        source: encodeSource(state, text),
        options: params.generation,
        onToken: (_sequence, token) => {
          arrived.push(token);
          wake?.();
        },
        ...(signal ? { signal } : {}),
      });
      let finished = false;
      let failure: Error | undefined;
      void result.then(
        () => {
          finished = true;
          wake?.();
        },
        (error: unknown) => {
          finished = true;
          failure = error instanceof Error ? error : new Error(`generation failed: ${JSON.stringify(error)}`);
          wake?.();
        },
      );
      let shown = '';
      for (;;) {
        if (arrived.length === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (failure !== undefined) throw failure;
        if (arrived.length > 0) {
          tokens.push(...arrived.splice(0));
          // Decode all so far and send what is new: a token's text can depend on the ones before it (spaces).
          const text = state.tokenizer.decode(tokens, { skip_special_tokens: true, clean_up_tokenization_spaces: null });
          if (text.startsWith(shown) && text.length > shown.length && !text.endsWith('\uFFFD')) {
            yield text.slice(shown.length);
            shown = text;
          }
        } else if (finished) {
          return await result;
        }
      }
    },
    postprocess(sequences, params) {
      const state = ready();
      const texts = decodeSequences(state, sequences);
      const format = params.responseFormat;
      if (format === 'strings') return texts;
      const key = pipelineKey(state);
      return texts.map((text) => ({ [key]: text }) as Record<'translation_text' | 'generated_text', string>);
    },
    describe() {
      const { model } = ready();
      return describeTextGeneration({ model, task: options.task ?? (model.modelType === 'marian' ? 'translation' : 'text2text-generation'), responseFormat: options.responseFormat ?? 'strings', parameters: GENERATION_PARAMETERS });
    },
    stats() {
      return { ...ready().engine.stats };
    },
    async close() {
      closed = true;
      const state = loaded ?? (await loading?.catch(() => undefined));
      loaded = undefined;
      loading = undefined;
      await state?.engine.close();
    },
  };
  return handler;
}

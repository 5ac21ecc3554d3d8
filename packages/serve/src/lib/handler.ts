/**
 * What a prediction server serves. The server batches `run` across concurrent requests (the expensive
 * part: the model), and calls `postprocess` per instance with that request's own parameters, so
 * requests with different parameters (say, `top_k`) still share a model run.
 *
 * @typeParam Instance - one parsed instance (e.g. the text of a text-classification request)
 * @typeParam Raw - what the model gives for one instance (e.g. its logits)
 * @typeParam Prediction - what the client receives for one instance
 * @typeParam Params - the parsed `parameters` of a request
 */
export interface PredictionHandler<Instance = unknown, Raw = unknown, Prediction = unknown, Params = unknown> {
  /** Load and warm up. Called once at start; the health route answers 503 until it resolves. */
  load?(): Promise<void>;
  /**
   * Parse and check one instance of `instances`. Throw {@link InvalidInputError} (its `path` is
   * `instances[index]`) with what was expected; the request is answered 400 and nothing runs.
   */
  parseInstance(instance: unknown, index: number): Instance;
  /** Parse and check the request's `parameters` (undefined when absent); throw {@link InvalidInputError}. */
  parseParameters?(parameters: unknown): Params;
  /** Run the model on a batch of instances, possibly from several requests; one result per instance, in order. */
  run(batch: Instance[]): Promise<Raw[]>;
  /**
   * Run one request's instances with its parameters, for a model whose run depends on them and that batches
   * across requests itself (text generation decodes step by step, with continuous batching). When present, the
   * server calls it instead of batching `run`; `signal` aborts when the client goes away.
   */
  runRequest?(instances: Instance[], params: Params, signal: AbortSignal): Promise<Raw[]>;
  /**
   * Produce one instance's result piece by piece: a request that accepts `text/event-stream` (with one instance)
   * is answered with an event per yielded piece, then one with the prediction (`postprocess` of the returned raw).
   */
  streamRequest?(instance: Instance, params: Params, signal: AbortSignal): AsyncGenerator<string, Raw, void>;
  /** Turn one raw result into the prediction for the request that sent it (default: the raw result). */
  postprocess?(raw: Raw, params: Params, instance: Instance): Prediction;
  /** Release resources (model sessions). Called once when the server stops. */
  close?(): Promise<void>;
  /**
   * Say what the model takes and answers, for `/openapi.json` and `/docs`: its name, the JSON Schemas of an
   * instance, of `parameters` and of a prediction, an example request. Called once, after `load()`
   * resolved (a model directory says what its labels are); the server's `openApi` option wins field by
   * field. Without it, or if it throws, the document describes them as any JSON.
   */
  describe?(): ModelDescription;
}

/** A JSON Schema, draft 2020-12 (the dialect of OpenAPI 3.1), as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** A request body as the predict route takes it, for examples. */
export interface ExampleRequest {
  instances: unknown[];
  parameters?: Record<string, unknown>;
}

/**
 * What a {@link PredictionHandler} says about its model in `/openapi.json` and on `/docs`. Every field is
 * optional.
 *
 * @example
 * ```ts
 * const description: ModelDescription = {
 *   name: 'opus-mt-en-de',
 *   task: 'translation',
 *   summary: 'Translates English to German.',
 *   instanceSchema: { type: 'string' },
 *   parametersSchema: { type: 'object', properties: { num_beams: { type: 'integer', minimum: 1, default: 4 } } },
 *   predictionSchema: { type: 'object', properties: { translation: { type: 'string' } } },
 * };
 * ```
 */
export interface ModelDescription {
  /** The model's name, e.g. `distilbert-sst2`: with `task`, the title of the API (`distilbert-sst2 (text classification)`). */
  name?: string;
  /** What the model does, in a few words: `text classification`, `translation`. */
  task?: string;
  /** A sentence or two on what a prediction is. */
  summary?: string;
  /** Facts a caller needs, in order, shown on `/docs` and in the document's description, e.g. `{ Labels: 'ham, spam' }`. */
  details?: Record<string, string>;
  /** JSON Schema of one element of `instances`. */
  instanceSchema?: JsonSchema;
  /** JSON Schema of `parameters`. */
  parametersSchema?: JsonSchema;
  /** JSON Schema of one element of `predictions`. */
  predictionSchema?: JsonSchema;
  /** A request the model takes, for the docs' curl example and "try it" form. */
  exampleRequest?: ExampleRequest;
}

const MARKER = Symbol.for('vertexkit.serve.InvalidInputError');

/**
 * A request that cannot be served as sent: answered 400 with `path: message`,
 * e.g. `instances[3]: expected a string or {"text": string}`.
 */
export class InvalidInputError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'InvalidInputError';
  /** Where in the request body the problem is, e.g. `instances[3]` or `parameters.top_k`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }

  /** True for an `InvalidInputError` from any copy of this package. */
  static isInstance(error: unknown): error is InvalidInputError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

import type { JsonSchema, ModelDescription } from '../handler.js';
import { MAX_BEAMS, type GENERATION_PARAMETERS } from './generation-options.js';
import type { Seq2SeqDirectory } from './load-seq2seq-directory.js';

/** What {@link describeTextGeneration} needs. */
export interface DescribeTextGenerationParams {
  model: Seq2SeqDirectory;
  task: 'translation' | 'text2text-generation';
  /** The server's default response format. */
  responseFormat: 'strings' | 'pipeline';
  /** The generation parameters requests may set. */
  parameters: typeof GENERATION_PARAMETERS;
}

/**
 * What an encoder-decoder model takes and answers, as JSON Schemas for `/openapi.json` and `/docs`: instances
 * (a string or `{"text": string}`), the generation parameters with the model's own defaults (generation_config.json),
 * and predictions in both response formats, as `parseGenerationParameters` and the handler accept and answer them.
 */
export function describeTextGeneration(params: DescribeTextGenerationParams): ModelDescription {
  const { model, task } = params;
  const defaults = model.generation;
  const key = task === 'translation' ? 'translation_text' : 'generated_text';
  const maxNew = model.maxPositions - 1;
  const properties: Record<(typeof GENERATION_PARAMETERS)[number] | 'response_format', JsonSchema> = {
    max_new_tokens: { type: 'integer', minimum: 1, maximum: maxNew, description: `Generate at most this many tokens (the end token included). Give it or max_length, not both.` },
    max_length: { type: 'integer', minimum: 2, maximum: model.maxPositions, default: defaults.maxLength, description: 'The longest decoder sequence, its start token included (transformers\' max_length).' },
    min_length: { type: 'integer', minimum: 0, default: defaults.minLength, description: 'No end token before this many decoder tokens, the start token included.' },
    num_beams: { type: 'integer', minimum: 1, maximum: MAX_BEAMS, default: defaults.numBeams, description: 'Beam search with this many beams; 1 decodes greedily (or samples, with do_sample).' },
    num_return_sequences: { type: 'integer', minimum: 1, maximum: MAX_BEAMS, default: 1, description: 'Sequences per instance, best first: at most num_beams with beam search; independent samples with do_sample.' },
    length_penalty: { type: 'number', default: defaults.lengthPenalty, description: 'Beam scores are divided by length ** length_penalty: above 0 favours longer sequences.' },
    early_stopping: { oneOf: [{ type: 'boolean' }, { const: 'never' }], default: defaults.earlyStopping, description: 'Beam search: true stops once num_beams sequences are finished; false stops when none can improve (a heuristic); "never" only when none can, exactly.' },
    no_repeat_ngram_size: { type: 'integer', minimum: 0, default: defaults.noRepeatNgramSize, description: 'Every n-gram of this size occurs at most once (0: off).' },
    repetition_penalty: { type: 'number', exclusiveMinimum: 0, default: defaults.repetitionPenalty, description: 'Above 1 discourages tokens already generated (1: off).' },
    do_sample: { type: 'boolean', default: defaults.doSample, description: 'Sample the next token instead of taking the most likely one (needs num_beams 1).' },
    temperature: { type: 'number', exclusiveMinimum: 0, default: defaults.temperature, description: 'Sampling: below 1 sharpens the distribution, above 1 flattens it.' },
    top_k: { type: 'integer', minimum: 0, default: defaults.topK, description: 'Sampling from the k most likely tokens only (0: all).' },
    top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: defaults.topP, description: 'Sampling from the smallest set of tokens whose probability reaches top_p.' },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 32 - 1, description: 'Sampling: the same seed, model and input give the same text.' },
    response_format: {
      enum: ['strings', 'pipeline'],
      default: params.responseFormat,
      description: `"strings": each prediction is a list of texts; "pipeline": a list of {"${key}": text} objects, as transformers' pipeline answers.`,
    },
  };
  const text = { type: 'string', description: task === 'translation' ? 'The text to translate.' : 'The input text.' };
  const strings = { type: 'array', minItems: 1, items: { type: 'string' }, description: 'The generated texts, best first (num_return_sequences of them).' };
  const objects = {
    type: 'array',
    minItems: 1,
    items: { type: 'object', required: [key], additionalProperties: false, properties: { [key]: { type: 'string' } } },
    description: `The generated texts as transformers' ${task} pipeline returns them, best first.`,
  };
  const decoder = model.decoder.kind === 'merged' ? 'decoder_model_merged.onnx' : 'decoder_model.onnx + decoder_with_past_model.onnx';
  return {
    name: model.name,
    task: task === 'translation' ? 'translation' : 'text-to-text generation',
    summary:
      `Generates text from each instance with an encoder-decoder model (${model.modelType}): greedy decoding, beam search or sampling, ` +
      'with the defaults of its generation_config.json; requests that arrive together decode together, step by step.',
    details: {
      Model: `${model.modelType}, ${model.decoderLayers} decoder layers, vocabulary ${model.vocabSize}; ${decoder}`,
      Defaults: `num_beams ${defaults.numBeams}, max_length ${defaults.maxLength}${defaults.lengthPenalty !== 1 ? `, length_penalty ${defaults.lengthPenalty}` : ''}`,
      'Longest text': `${model.maxSourceLength} tokens; longer texts are truncated`,
      Streaming: 'send Accept: text/event-stream with one instance for "token" events as the text grows, then a "prediction" event',
    },
    instanceSchema: {
      description: 'A text: a string, or {"text": string} (the form Vertex AI batch prediction reads from JSONL).',
      oneOf: [text, { type: 'object', required: ['text'], additionalProperties: false, properties: { text } }],
    },
    parametersSchema: { type: 'object', additionalProperties: false, description: 'Generation options for every instance of the request; all optional.', properties },
    predictionSchema: params.responseFormat === 'strings' ? { oneOf: [strings, objects] } : { oneOf: [objects, strings] },
    exampleRequest: { instances: [task === 'translation' ? 'Bu odun yanmaz.' : 'The input text'], parameters: { num_beams: defaults.numBeams, max_new_tokens: Math.min(64, maxNew) } },
  };
}

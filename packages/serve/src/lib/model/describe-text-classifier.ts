import type { ModelDescription } from '../handler.js';
import type { ProblemType } from './read-classifier-config.js';

/** What {@link describeTextClassifier} needs to know about a loaded model directory. */
export interface DescribeTextClassifierParams {
  /** The model's name, for the API title. */
  name: string;
  /** Label names by class index. */
  labels: string[];
  problemType: ProblemType;
  /** Multi-label only: the default threshold (config.json's, else 0.5). */
  threshold: number | undefined;
  /** Longest token sequence fed to the model; longer texts are truncated. */
  maxLength: number;
}

/** Labels listed in prose before "and N more"; the schema's enum always has them all. */
const LABELS_IN_PROSE = 20;

/**
 * What a text classifier takes and answers, as JSON Schemas for `/openapi.json` and `/docs`: instances
 * (a string or `{"text": string}`), parameters (`top_k`; `threshold` only for multi-label models, with
 * the model's own default) and predictions (`labels` with the label names as an enum), as
 * `parseTextInstance`, `parseClassificationParameters` and `scoreLabels` accept and answer them.
 */
export function describeTextClassifier(params: DescribeTextClassifierParams): ModelDescription {
  const { labels, threshold, maxLength } = params;
  const multiLabel = params.problemType === 'multi_label_classification';
  const count = labels.length;
  const listed = count > LABELS_IN_PROSE ? `${labels.slice(0, LABELS_IN_PROSE).join(', ')} and ${count - LABELS_IN_PROSE} more` : labels.join(', ');

  const topK = {
    type: 'integer',
    minimum: 1,
    default: count,
    description: multiLabel
      ? `Return at most this many of the labels that pass the threshold, best first (default: all that pass; above ${count} is the same as ${count}).`
      : `Return this many labels, best first (default: all ${count}; above ${count} is the same as ${count}).`,
  };
  const parametersSchema = {
    type: 'object',
    additionalProperties: false,
    description: 'Options for every instance of the request; all optional.',
    properties: multiLabel
      ? {
          top_k: topK,
          threshold: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            default: threshold,
            description: `Leave out labels scoring below this (default ${threshold}, the model's own).`,
          },
        }
      : { top_k: topK },
  };

  const text = { type: 'string', description: 'The text.' };
  const instanceSchema = {
    description: `A text to classify: a string, or {"text": string} (the form Vertex AI batch prediction reads from JSONL). Texts longer than ${maxLength} tokens are truncated.`,
    oneOf: [text, { type: 'object', required: ['text'], additionalProperties: false, properties: { text } }],
  };

  const predictionSchema = {
    type: 'object',
    required: ['labels'],
    additionalProperties: false,
    properties: {
      labels: {
        type: 'array',
        description: multiLabel
          ? 'The labels scoring at least the threshold, best first, at most top_k of them.'
          : 'Labels with their probabilities, best first, top_k of them (all by default).',
        ...(multiLabel ? {} : { minItems: 1 }),
        maxItems: count,
        items: {
          type: 'object',
          required: ['label', 'score'],
          additionalProperties: false,
          properties: {
            label: { type: 'string', enum: labels },
            score: {
              type: 'number',
              minimum: 0,
              maximum: 1,
              description: multiLabel ? "The label's own sigmoid score." : 'Softmax probability; the scores of all labels sum to 1.',
            },
          },
        },
      },
    },
  };

  return {
    name: params.name,
    task: 'text classification',
    summary: multiLabel
      ? `Scores a text against each of its ${count} labels on its own (multi-label: a sigmoid score per label) and answers the labels scoring at least the threshold, best first.`
      : `Classifies a text as one of ${count} labels (single-label: softmax probabilities that sum to 1), best first.`,
    details: {
      Labels: listed,
      'Problem type': multiLabel ? 'multi-label (a sigmoid per label)' : 'single-label (softmax)',
      ...(multiLabel ? { 'Default threshold': String(threshold) } : {}),
      'Longest text': `${maxLength} tokens; longer texts are truncated`,
    },
    instanceSchema,
    parametersSchema,
    predictionSchema,
    exampleRequest: {
      instances: ['The text to classify', { text: 'Another text, in the object form' }],
      parameters: multiLabel ? { threshold } : { top_k: 1 },
    },
  };
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOnnxModel } from './build-onnx-model.js';
import { foldsByDefault } from './fold-layer.js';
import { quantizeTextClassifier, resolveQuantize, type QuantizeOptions } from './quantize-text-classifier.js';
import { QuantizedTextClassifier } from './quantized-text-classifier.js';
import type { TextClassifier } from './text-classifier.js';
import { TrainerError } from './trainer-error.js';
import { PAD_ID, PAD_TOKEN, UNK_TOKEN } from './vocabulary.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** The files {@link exportModelDirectory} writes, in the Hugging Face / Optimum ONNX export layout. */
export const MODEL_DIRECTORY_FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'] as const;

/** Options of {@link exportModelDirectory}. */
export interface ExportModelDirectoryOptions {
  /**
   * Write an 8-bit model (`quantizeTextClassifier`): `true`, or the options of that quantization. Default false:
   * float32, unless `model` is already a `QuantizedTextClassifier`, which is always written as it is. To score
   * what gets exported, quantize first and evaluate that model (as `runTraining` does with its `quantize`).
   */
  quantize?: boolean | QuantizeOptions;
  /**
   * Fold the linear layer into the table, so that each row holds its contribution to the logits (one value per
   * label) instead of a `dim`-wide embedding: exact before rounding, and model.onnx (and what each request
   * reads) shrinks by `dim / labels`; SpamAssassin's float model goes from 72.4 MB to 2.3 MB. Default: when it
   * makes the table narrower (fewer labels than `dim`, as with the default `dim` 64). `quantize: { fold }` wins
   * for a quantized model.
   */
  fold?: boolean;
}

/**
 * Writes the model as a model directory that `@vertexkit/serve` serves as is (and that transformers-style
 * tooling reads): model.onnx (input_ids, attention_mask -> logits), tokenizer.json (WordLevel with Lowercase
 * and Whitespace, truncation at `maxLength`), tokenizer_config.json (model_max_length, special tokens) and
 * config.json (id2label, label2id, problem_type). Each file is written under a temporary name, then renamed.
 * With `quantize` (or a `QuantizedTextClassifier`), model.onnx holds the table as int8 rows and their scales,
 * with the same inputs and output: serve needs no change.
 *
 * @example
 * ```ts
 * await exportModelDirectory(best, './model'); // float32, the layer folded into the table (SpamAssassin: 2.3 MB)
 * await exportModelDirectory(best, './model-int8', { quantize: true }); // 8-bit rows (SpamAssassin: 1.7 MB)
 * // then: createTextClassificationHandler({ modelDir: './model' }) in @vertexkit/serve
 * ```
 */
export async function exportModelDirectory(model: TextClassifier, dir: string, options: ExportModelDirectoryOptions = {}): Promise<string[]> {
  const fold: unknown = options.fold;
  if (fold !== undefined && typeof fold !== 'boolean') {
    throw new TrainerError('INVALID_OPTION', `fold: expected true (fold the linear layer into the table), false (keep it) or undefined (fold when the table gets narrower), got ${typeof fold} ${JSON.stringify(fold)}`);
  }
  const quantize = resolveQuantize(options.quantize);
  const exported = quantize ? quantizeTextClassifier({ model, ...(fold === undefined ? {} : { fold }), ...quantize }) : model;
  const folded = exported instanceof QuantizedTextClassifier ? exported.quantization.folded : (fold ?? foldsByDefault(exported.config));
  await mkdir(dir, { recursive: true });
  const files: Record<(typeof MODEL_DIRECTORY_FILES)[number], string | Uint8Array> = {
    'model.onnx': buildOnnxModel(exported, { fold: folded }),
    'tokenizer.json': JSON.stringify(tokenizerJson(exported)),
    'tokenizer_config.json': `${JSON.stringify(tokenizerConfigJson(exported), null, 2)}\n`,
    'config.json': `${JSON.stringify(configJson(exported, folded), null, 2)}\n`,
  };
  for (const [name, data] of Object.entries(files)) await writeFileAtomic(join(dir, name), data);
  return [...MODEL_DIRECTORY_FILES];
}

/**
 * The Hugging Face tokenizers description of the trainer's tokenization. No `added_tokens`: with them, a text
 * containing the characters `[UNK]` would become that token in serving but three words in training.
 */
export function tokenizerJson(model: TextClassifier): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: model.config.maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: {
      strategy: 'BatchLongest',
      direction: 'Right',
      pad_to_multiple_of: null,
      pad_id: PAD_ID,
      pad_type_id: 0,
      pad_token: PAD_TOKEN,
    },
    added_tokens: [],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'WordLevel',
      vocab: Object.fromEntries(model.vocabulary.tokens.map((token, id) => [token, id])),
      unk_token: UNK_TOKEN,
    },
  };
}

function tokenizerConfigJson(model: TextClassifier): Record<string, unknown> {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: model.config.maxLength,
    truncation_side: 'right',
    padding_side: 'right',
    pad_token: PAD_TOKEN,
    unk_token: UNK_TOKEN,
    model_input_names: ['input_ids', 'attention_mask'],
  };
}

function configJson(model: TextClassifier, folded: boolean): Record<string, unknown> {
  const { labels, problemType, dim, ngrams, buckets, maxLength, threshold } = model.config;
  return {
    // Not a transformers architecture: tools that only need the labels (serve, pipelines over ONNX) read
    // id2label, label2id and problem_type and ignore the rest.
    model_type: 'vertexkit-fasttext',
    id2label: Object.fromEntries(labels.map((label, id) => [String(id), label])),
    label2id: Object.fromEntries(labels.map((label, id) => [label, id])),
    num_labels: labels.length,
    problem_type: problemType,
    vocab_size: model.vocabulary.size,
    hidden_size: dim,
    ngrams,
    buckets,
    max_position_embeddings: maxLength,
    ...(problemType === 'multi_label_classification' ? { threshold } : {}),
    ...(model instanceof QuantizedTextClassifier
      ? {
          // hidden_size above is the table's width: the number of labels when the layer is folded into it.
          quantization: { method: model.quantization.method, folded: model.quantization.folded, float_hidden_size: model.quantization.floatDim },
        }
      : // model.onnx's table holds each row's logits (num_labels wide), not the hidden_size-wide embedding.
        folded
        ? { folded: true }
        : {}),
  };
}

import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTextTokenizer, type EncodedText } from './create-text-tokenizer.js';
import { ModelDirectoryError } from './model-directory-error.js';
import { readClassifierConfig, type FailFile, type ProblemType } from './read-classifier-config.js';
import { readJsonObject } from './read-json-object.js';

export type { EncodedText } from './create-text-tokenizer.js';
export type { ProblemType } from './read-classifier-config.js';

/** Options of {@link loadModelDirectory}. */
export interface LoadModelDirectoryOptions {
  /**
   * Longest token sequence to feed the model, special tokens included; longer texts are truncated.
   * Default: tokenizer_config.json's `model_max_length`, else 512 (or config.json's `max_position_embeddings`
   * when smaller).
   */
  maxLength?: number;
}

/** A model directory, read and checked: everything needed to run the model but the ONNX session itself. */
export interface ModelDirectory {
  /** Absolute path of the directory. */
  dir: string;
  /** Absolute path of model.onnx, for `InferenceSession.create`. */
  modelPath: string;
  /**
   * config.json's `_name_or_path`, as transformers saves it: a Hub id (`distilbert-base-uncased`,
   * `org/model`) as it is, a local path by its last segment; undefined when config.json has none.
   */
  name: string | undefined;
  /** Label names by class index, from config.json. */
  labels: string[];
  /** Softmax (single-label) or sigmoid (multi-label) scores. */
  problemType: ProblemType;
  /**
   * Multi-label only: the score a label needs to be predicted when a request sets no `threshold`. config.json's
   * `threshold` (what the model was tuned and scored with, e.g. by `@vertexkit/trainer --threshold`), else 0.5.
   */
  threshold: number | undefined;
  /** Longest sequence {@link ModelDirectory.encode} returns, special tokens included. */
  maxLength: number;
  /** The id to pad batches with. */
  padId: number;
  /** The token type id of padding. */
  padTypeId: number;
  /**
   * Tokenizes one text as tokenizer.json says, truncated to `maxLength` with the special tokens kept
   * (`[CLS] first words [SEP]`).
   */
  encode(text: string): EncodedText;
}

/**
 * Reads a model directory in the Hugging Face / Optimum ONNX export layout, so a text classifier exported from
 * transformers (`optimum-cli export onnx --task text-classification`) or written by `@vertexkit/trainer` loads
 * unchanged:
 *
 * - `model.onnx`: the model (only checked to exist here; the session is created by the caller)
 * - `tokenizer.json`: the Hugging Face tokenizers file (WordPiece, WordLevel, BPE, Unigram)
 * - `tokenizer_config.json` (optional): `model_max_length`, `pad_token`
 * - `config.json`: `id2label` (or `label2id`, or `num_labels`), `problem_type`; other fields are ignored
 *
 * @throws {@link ModelDirectoryError} naming the file, what is wrong with it and the fix, e.g.
 *   `config.json: id2label is missing; add {"id2label": {"0": "ham", "1": "spam"}}`
 */
export async function loadModelDirectory(dir: string, options: LoadModelDirectoryOptions = {}): Promise<ModelDirectory> {
  const root = resolve(dir);
  if (options.maxLength !== undefined && (!Number.isSafeInteger(options.maxLength) || options.maxLength <= 0)) {
    throw new Error(`maxLength: expected a positive integer, got ${String(options.maxLength)}`);
  }
  const directory = await stat(root).catch(() => undefined);
  if (!directory?.isDirectory()) {
    throw new ModelDirectoryError(root, root, `not found or not a directory; point the server at the directory holding model.onnx, tokenizer.json and config.json`);
  }

  const modelPath = join(root, 'model.onnx');
  const model = await stat(modelPath).catch(() => undefined);
  if (!model?.isFile()) {
    throw new ModelDirectoryError('model.onnx', modelPath, `not found in ${root}; export the model to ONNX (e.g. optimum-cli export onnx --task text-classification) and put model.onnx there`);
  }

  const config = await readJsonObject(root, 'config.json', 'save the model config with model.config.save_pretrained(), or write {"id2label": {"0": "ham", "1": "spam"}}');
  const tokenizerJson = await readJsonObject(root, 'tokenizer.json', 'save a fast tokenizer with tokenizer.save_pretrained() (slow tokenizers write only vocab files)');
  const tokenizerConfig = await readJsonObject(root, 'tokenizer_config.json', 'save it with tokenizer.save_pretrained(), or remove it (it is optional)', { optional: true });

  const classifier = readClassifierConfig(config, failer(root, 'config.json'));
  const tokenizer = createTextTokenizer({
    tokenizerJson,
    tokenizerConfig,
    maxLength: options.maxLength,
    maxPositionEmbeddings: classifier.maxPositionEmbeddings,
    failTokenizer: failer(root, 'tokenizer.json'),
    failTokenizerConfig: failer(root, 'tokenizer_config.json'),
  });

  return {
    dir: root,
    modelPath,
    name: nameOf(config['_name_or_path']),
    labels: classifier.labels,
    problemType: classifier.problemType,
    threshold: classifier.threshold,
    maxLength: tokenizer.maxLength,
    padId: tokenizer.padId,
    padTypeId: tokenizer.padTypeId,
    encode: (text) => tokenizer.encode(text),
  };
}

/** A Hub id has at most one "/"; anything else that looks like a path (Trainer's checkpoint folders) is named by its last segment. */
function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const name = value.trim().replace(/[/\\]+$/, '');
  const isPath = /^([/.~]|[A-Za-z]:)/.test(name) || name.includes('\\') || name.split('/').length > 2;
  return (isPath ? name.split(/[/\\]/).pop() : name) || undefined;
}

function failer(root: string, file: string): FailFile {
  return (message) => {
    throw new ModelDirectoryError(file, join(root, file), message);
  };
}

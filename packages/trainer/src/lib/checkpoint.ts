import { readFile } from 'node:fs/promises';
import { TextClassifier, type TextClassifierConfig, type TextClassifierWeights } from './text-classifier.js';
import { TrainerError } from './trainer-error.js';
import { Vocabulary } from './vocabulary.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Identifies this package's checkpoints inside the safetensors metadata. */
const FORMAT = 'vertexkit-trainer/text-classifier@1';
const TENSORS = ['embedding', 'weight', 'bias'] as const;

/**
 * Saves a model as a safetensors file (the format of Hugging Face checkpoints: a JSON header, then the raw
 * little-endian tensors), with the config and vocabulary in its string metadata and `extra` beside them.
 * Python reads the weights with `safetensors.numpy.load_file`. Written under a temporary name, then renamed.
 *
 * @example
 * ```ts
 * await saveCheckpoint(best, 'checkpoints/best-model.safetensors', { epoch: '4' });
 * const { model } = await loadCheckpoint('checkpoints/best-model.safetensors');
 * ```
 */
export async function saveCheckpoint(model: TextClassifier, path: string, extra: Record<string, string> = {}): Promise<void> {
  const header: Record<string, unknown> = {
    __metadata__: {
      ...extra,
      format: FORMAT,
      config: JSON.stringify(model.config),
      vocabulary: JSON.stringify(model.vocabulary.tokens),
    },
  };
  let offset = 0;
  for (const name of TENSORS) {
    const tensor = model.weights[name];
    header[name] = { dtype: 'F32', shape: shapeOf(model, name), data_offsets: [offset, offset + tensor.byteLength] };
    offset += tensor.byteLength;
  }
  // The spec pads the header with spaces so that the tensors start 8-byte aligned.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(headerBytes.length));
  await writeFileAtomic(path, [size, headerBytes, ...TENSORS.map((name) => bytesOf(model.weights[name]))]);
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  model: TextClassifier;
  /** The `extra` strings given to {@link saveCheckpoint}. */
  metadata: Record<string, string>;
}

/** Reads a checkpoint written by {@link saveCheckpoint}; anything else is a TrainerError naming the file. */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const bytes = await readFile(path);
  const fail = (why: string): never => {
    throw new TrainerError('INVALID_CHECKPOINT', `${path}: ${why}; use a file written by saveCheckpoint (best-model.safetensors, final-model.safetensors)`);
  };
  if (bytes.length < 8) fail('too short to be a safetensors file');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) fail('the header runs past the end of the file (truncated?)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('the header is not JSON');
  }
  const { format, config, vocabulary, ...metadata } = (header['__metadata__'] ?? {}) as Record<string, string>;
  if (format !== FORMAT) fail(`not a @vertexkit/trainer checkpoint (format ${JSON.stringify(format)})`);
  const dataStart = 8 + headerLength;
  const weights = {} as TextClassifierWeights;
  for (const name of TENSORS) {
    const entry = header[name] as { dtype?: string; data_offsets?: [number, number] } | undefined;
    if (entry?.dtype !== 'F32' || !Array.isArray(entry.data_offsets)) fail(`tensor "${name}" is missing or not F32`);
    const [start, end] = entry!.data_offsets!;
    if (dataStart + end > bytes.length || (end - start) % 4 !== 0) fail(`tensor "${name}" runs past the end of the file (truncated?)`);
    // A copy: the file's buffer is not 4-byte aligned for a Float32Array view.
    weights[name] = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart + start, bytes.byteOffset + dataStart + end));
  }
  let model: TextClassifier;
  try {
    model = new TextClassifier(JSON.parse(config!) as TextClassifierConfig, new Vocabulary(JSON.parse(vocabulary!) as string[]), weights);
  } catch (error) {
    return fail(`its config does not match its tensors (${(error as Error).message})`);
  }
  return { model, metadata };
}

function shapeOf(model: TextClassifier, name: (typeof TENSORS)[number]): number[] {
  const { dim, labels, buckets } = model.config;
  if (name === 'embedding') return [model.vocabulary.size + buckets, dim];
  if (name === 'weight') return [labels.length, dim];
  return [labels.length];
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

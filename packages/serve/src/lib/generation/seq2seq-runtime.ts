// The ONNX Runtime side of encoder-decoder generation: the encoder, and one decoder step for a group of rows
// with their past key values, for Optimum's merged decoder or its split pair. Shapes follow the export:
// past and present key values are [rows, heads, length, headDim], the decoder self-attention ones growing by
// one each step, the cross-attention (encoder) ones fixed at the group's source length.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelDirectoryError } from '../model/model-directory-error.js';
import { onnxSessionOptions } from '../model/onnx-session-options.js';
import type { Seq2SeqDirectory } from './load-seq2seq-directory.js';

/** What the decoder attends to across steps for a group of rows. */
export interface DecoderCache {
  rows: number;
  /** Decoder tokens already in the cache. */
  pastLength: number;
  /** Padded source length of the group. */
  sourceLength: number;
  /** `past_key_values.{layer}.{decoder|encoder}.{key|value}` tensors, by input name. */
  tensors: Map<string, Tensor>;
  /** The encoder's output and mask, [rows, sourceLength, dModel] and [rows, sourceLength]. */
  encoderHidden: Tensor;
  encoderMask: Tensor;
}

/** The encoder's output for a batch of sources, padded to the longest. */
export interface EncodedBatch {
  hidden: Tensor;
  mask: Tensor;
  sourceLength: number;
}

const pastName = (layer: number, part: 'decoder' | 'encoder', kind: 'key' | 'value'): string => `past_key_values.${layer}.${part}.${kind}`;
const presentName = (layer: number, part: 'decoder' | 'encoder', kind: 'key' | 'value'): string => `present.${layer}.${part}.${kind}`;

/** The sessions of one model, and the steps of generation on them. */
export class Seq2SeqRuntime {
  private constructor(
    readonly model: Seq2SeqDirectory,
    private readonly encoder: InferenceSession,
    /** Runs the first step (no past); for a merged decoder, the same session as `withPast`. */
    private readonly firstStep: InferenceSession,
    private readonly withPast: InferenceSession,
  ) {}

  /** Opens the sessions and checks that their inputs and outputs are the ones an Optimum export has. */
  static async open(model: Seq2SeqDirectory, threads: number): Promise<Seq2SeqRuntime> {
    const options = onnxSessionOptions(threads);
    const open = async (path: string, file: string): Promise<InferenceSession> => {
      try {
        return await InferenceSession.create(path, options);
      } catch (error) {
        throw new ModelDirectoryError(file, path, `ONNX Runtime cannot load it (${(error as Error).message})`, { cause: error });
      }
    };
    const encoder = await open(model.encoderPath, 'encoder_model.onnx');
    let firstStep: InferenceSession;
    let withPast: InferenceSession;
    if (model.decoder.kind === 'merged') {
      withPast = firstStep = await open(model.decoder.merged, 'decoder_model_merged.onnx');
    } else {
      firstStep = await open(model.decoder.decoder, 'decoder_model.onnx');
      withPast = await open(model.decoder.withPast, 'decoder_with_past_model.onnx');
    }
    const runtime = new Seq2SeqRuntime(model, encoder, firstStep, withPast);
    runtime.#checkNames();
    return runtime;
  }

  #checkNames(): void {
    const { decoder, decoderLayers } = this.model;
    const need = (session: InferenceSession, file: string, inputs: string[], outputs: string[]): void => {
      const missingIn = inputs.filter((name) => !session.inputNames.includes(name));
      const missingOut = outputs.filter((name) => !session.outputNames.includes(name));
      if (missingIn.length + missingOut.length > 0) {
        const path = file === 'encoder_model.onnx' ? this.model.encoderPath : decoder.kind === 'merged' ? decoder.merged : file === 'decoder_model.onnx' ? decoder.decoder : decoder.withPast;
        throw new ModelDirectoryError(
          file,
          path,
          `has no ${[...missingIn.map((name) => `input ${name}`), ...missingOut.map((name) => `output ${name}`)].join(', ')} (its inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')}); ` +
            `check decoder_layers (${decoderLayers}) in config.json, or export again with optimum-cli export onnx --task text2text-generation-with-past`,
        );
      }
    };
    const layers = Array.from({ length: decoderLayers }, (_, layer) => layer);
    const selfPast = layers.flatMap((layer) => [pastName(layer, 'decoder', 'key'), pastName(layer, 'decoder', 'value')]);
    const crossPast = layers.flatMap((layer) => [pastName(layer, 'encoder', 'key'), pastName(layer, 'encoder', 'value')]);
    const selfPresent = layers.flatMap((layer) => [presentName(layer, 'decoder', 'key'), presentName(layer, 'decoder', 'value')]);
    const crossPresent = layers.flatMap((layer) => [presentName(layer, 'encoder', 'key'), presentName(layer, 'encoder', 'value')]);
    need(this.encoder, 'encoder_model.onnx', ['input_ids', 'attention_mask'], ['last_hidden_state']);
    if (decoder.kind === 'merged') {
      need(this.withPast, 'decoder_model_merged.onnx', ['input_ids', 'encoder_attention_mask', 'encoder_hidden_states', 'use_cache_branch', ...selfPast, ...crossPast], ['logits', ...selfPresent, ...crossPresent]);
    } else {
      need(this.firstStep, 'decoder_model.onnx', ['input_ids', 'encoder_attention_mask', 'encoder_hidden_states'], ['logits', ...selfPresent, ...crossPresent]);
      need(this.withPast, 'decoder_with_past_model.onnx', ['input_ids', 'encoder_attention_mask', ...selfPast, ...crossPast], ['logits', ...selfPresent]);
    }
  }

  /** Runs the encoder on token id sequences, padded with the pad token under attention mask 0. */
  async encode(sources: readonly (readonly number[])[]): Promise<EncodedBatch> {
    const rows = sources.length;
    const sourceLength = Math.max(1, ...sources.map((ids) => ids.length));
    const ids = new BigInt64Array(rows * sourceLength).fill(BigInt(this.model.generation.padTokenId));
    const mask = new BigInt64Array(rows * sourceLength);
    sources.forEach((source, row) => {
      source.forEach((id, i) => {
        ids[row * sourceLength + i] = BigInt(id);
        mask[row * sourceLength + i] = 1n;
      });
    });
    const dims = [rows, sourceLength];
    const attentionMask = new Tensor('int64', mask, dims);
    const outputs = await this.encoder.run({ input_ids: new Tensor('int64', ids, dims), attention_mask: attentionMask });
    return { hidden: outputs['last_hidden_state']!, mask: attentionMask, sourceLength };
  }

  /**
   * One decoder step for `rows` rows of an encoded batch (row `i` of the step reading source row `sourceOf[i]`),
   * the first one: each row is fed `tokens[i]` (the start token) with no past.
   */
  async firstDecoderStep(encoded: EncodedBatch, sourceOf: readonly number[], tokens: readonly number[]): Promise<{ logits: Float32Array[]; cache: DecoderCache }> {
    const hidden = gatherRows(encoded.hidden, sourceOf);
    const mask = gatherRows(encoded.mask, sourceOf);
    const feeds: Record<string, Tensor> = {
      input_ids: idsTensor(tokens),
      encoder_attention_mask: mask,
      encoder_hidden_states: hidden,
    };
    if (this.model.decoder.kind === 'merged') {
      feeds['use_cache_branch'] = new Tensor('bool', new Uint8Array([0]), [1]);
      // The branch without a cache ignores the past; its inputs still need tensors, of length 0.
      const { decoderLayers, decoderHeads, headDim } = this.model;
      for (let layer = 0; layer < decoderLayers; layer++) {
        for (const part of ['decoder', 'encoder'] as const) {
          for (const kind of ['key', 'value'] as const) feeds[pastName(layer, part, kind)] = new Tensor('float32', new Float32Array(0), [tokens.length, decoderHeads, 0, headDim]);
        }
      }
    }
    const outputs = await this.firstStep.run(feeds);
    const tensors = new Map<string, Tensor>();
    for (let layer = 0; layer < this.model.decoderLayers; layer++) {
      for (const part of ['decoder', 'encoder'] as const) {
        for (const kind of ['key', 'value'] as const) tensors.set(pastName(layer, part, kind), outputs[presentName(layer, part, kind)]!);
      }
    }
    const cache: DecoderCache = { rows: tokens.length, pastLength: 1, sourceLength: encoded.sourceLength, tensors, encoderHidden: hidden, encoderMask: mask };
    return { logits: lastLogits(outputs['logits']!), cache };
  }

  /** One decoder step with the past: each row is fed its newest token; the cache grows by one. */
  async decoderStep(cache: DecoderCache, tokens: readonly number[]): Promise<{ logits: Float32Array[]; cache: DecoderCache }> {
    const feeds: Record<string, Tensor> = { input_ids: idsTensor(tokens), encoder_attention_mask: cache.encoderMask };
    for (const [name, tensor] of cache.tensors) feeds[name] = tensor;
    if (this.model.decoder.kind === 'merged') {
      feeds['use_cache_branch'] = new Tensor('bool', new Uint8Array([1]), [1]);
      feeds['encoder_hidden_states'] = cache.encoderHidden;
    } else if (this.withPast.inputNames.includes('encoder_hidden_states')) {
      feeds['encoder_hidden_states'] = cache.encoderHidden;
    }
    const outputs = await this.withPast.run(feeds);
    const tensors = new Map<string, Tensor>();
    for (let layer = 0; layer < this.model.decoderLayers; layer++) {
      for (const kind of ['key', 'value'] as const) {
        tensors.set(pastName(layer, 'decoder', kind), outputs[presentName(layer, 'decoder', kind)]!);
        // The cross-attention keys and values never change after the first step: the split decoder with past
        // does not output them, and the merged one outputs empty placeholders on its cached branch.
        tensors.set(pastName(layer, 'encoder', kind), cache.tensors.get(pastName(layer, 'encoder', kind))!);
      }
    }
    return { logits: lastLogits(outputs['logits']!), cache: { ...cache, pastLength: cache.pastLength + 1, tensors } };
  }

  /** The cache for the rows that go on: row `i` of the result is row `sourceRows[i]` of `cache`. */
  reorderCache(cache: DecoderCache, sourceRows: readonly number[]): DecoderCache {
    const identity = sourceRows.length === cache.rows && sourceRows.every((row, i) => row === i);
    if (identity) return cache;
    const tensors = new Map<string, Tensor>();
    for (const [name, tensor] of cache.tensors) tensors.set(name, gatherRows(tensor, sourceRows));
    return {
      ...cache,
      rows: sourceRows.length,
      tensors,
      encoderHidden: gatherRows(cache.encoderHidden, sourceRows),
      encoderMask: gatherRows(cache.encoderMask, sourceRows),
    };
  }

  async release(): Promise<void> {
    await this.encoder.release();
    if (this.firstStep !== this.withPast) await this.firstStep.release();
    await this.withPast.release();
  }
}

const idsTensor = (tokens: readonly number[]): Tensor => new Tensor('int64', BigInt64Array.from(tokens, (token) => BigInt(token)), [tokens.length, 1]);

/** Logits [rows, steps, vocab] -> the last step's vocabulary row of each row (copies: the search changes them). */
function lastLogits(logits: Tensor): Float32Array[] {
  const [rows, steps, vocab] = logits.dims as [number, number, number];
  const data = logits.data as Float32Array;
  return Array.from({ length: rows }, (_, row) => data.slice((row * steps + steps - 1) * vocab, (row * steps + steps) * vocab));
}

/** A tensor's rows (its first dimension) picked, in order, into a new tensor. */
export function gatherRows(tensor: Tensor, rows: readonly number[]): Tensor {
  const dims = tensor.dims;
  const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = tensor.data as Float32Array | BigInt64Array;
  const out = new (data.constructor as Float32ArrayConstructor | BigInt64ArrayConstructor)(rows.length * rowSize);
  rows.forEach((row, i) => (out as Float32Array).set((data as Float32Array).subarray(row * rowSize, (row + 1) * rowSize), i * rowSize));
  return new Tensor(tensor.type as 'float32', out as Float32Array, [rows.length, ...dims.slice(1)]);
}

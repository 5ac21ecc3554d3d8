import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMarianModelDir, type MarianModelDir } from '@vertexkit/tool-marian-model';
import { tempDirs } from './temp-dirs.js';

const { onnx } = onnxProto;
const dirs = tempDirs();
let built: MarianModelDir;

beforeAll(async () => {
  built = await buildMarianModelDir({ dir: await dirs.make('layout') });
});
afterAll(() => dirs.removeAll());

interface TokenizerJson {
  model: { type: string; unk_id: number; vocab: [string, number][] };
  pre_tokenizer: unknown;
  decoder: unknown;
  normalizer: { normalizers: { type: string }[] };
  post_processor: { single: unknown[] };
}

async function readJson<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await readFile(join(built.dir, file), 'utf8')) as T;
}

async function loadModel(dir: string, file: string) {
  return onnx.ModelProto.decode(await readFile(join(dir, file)));
}

function initializer(model: OnnxTypes.ModelProto, name: string): Float32Array {
  const tensor = model.graph!.initializer!.find((t) => t.name === name);
  if (!tensor?.rawData) throw new Error(`no initializer ${name}`);
  const bytes = Uint8Array.from(tensor.rawData);
  return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
}

function opCounts(nodes: OnnxTypes.INodeProto[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of nodes) counts[node.opType!] = (counts[node.opType!] ?? 0) + 1;
  return counts;
}

describe('buildMarianModelDir', () => {
  it('writes the layout optimum-cli export onnx --task text2text-generation-with-past writes', async () => {
    expect((await readdir(built.dir)).sort()).toEqual([
      'config.json',
      'decoder_model.onnx',
      'decoder_model_merged.onnx',
      'decoder_with_past_model.onnx',
      'encoder_model.onnx',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const mergedOnly = await buildMarianModelDir({ dir: await dirs.make('merged'), merged: true });
    expect(mergedOnly.files).not.toContain('decoder_model.onnx');
    expect(mergedOnly.files).toContain('decoder_model_merged.onnx');
    const splitOnly = await buildMarianModelDir({ dir: await dirs.make('split'), merged: false });
    expect(splitOnly.files).toEqual(expect.arrayContaining(['decoder_model.onnx', 'decoder_with_past_model.onnx']));
    expect(splitOnly.files).not.toContain('decoder_model_merged.onnx');
  });

  it("writes Marian's config.json, generation_config.json and tokenizer files", async () => {
    const config = await readJson<Record<string, unknown>>('config.json');
    expect(config).toMatchObject({
      model_type: 'marian',
      architectures: ['MarianMTModel'],
      d_model: 64,
      encoder_layers: 2,
      decoder_layers: 2,
      encoder_attention_heads: 4,
      decoder_attention_heads: 4,
      vocab_size: 1000,
      decoder_start_token_id: 999,
      pad_token_id: 999,
      eos_token_id: 0,
      max_position_embeddings: 512,
      scale_embedding: true,
      normalize_before: false,
      activation_function: 'swish',
      is_encoder_decoder: true,
    });
    expect(await readJson('generation_config.json')).toEqual({
      bad_words_ids: [[999]],
      bos_token_id: 0,
      decoder_start_token_id: 999,
      eos_token_id: 0,
      forced_eos_token_id: 0,
      max_length: 512,
      num_beams: 4,
      pad_token_id: 999,
      transformers_version: '4.34.0',
    });
    const tokenizer = await readJson<TokenizerJson>('tokenizer.json');
    expect(tokenizer.model.type).toBe('Unigram');
    expect(tokenizer.model.unk_id).toBe(1);
    expect(tokenizer.model.vocab).toHaveLength(1000);
    expect(tokenizer.model.vocab[0]).toEqual(['</s>', 0]);
    expect(tokenizer.model.vocab[999]).toEqual(['<pad>', 0]);
    expect(tokenizer.pre_tokenizer).toEqual({ type: 'Metaspace', replacement: '\u2581', add_prefix_space: true });
    expect(tokenizer.decoder).toEqual({ type: 'Metaspace', replacement: '\u2581', add_prefix_space: true });
    expect(tokenizer.normalizer.normalizers.map((n) => n.type)).toEqual(['Precompiled', 'Replace']);
    expect(tokenizer.post_processor.single.at(-1)).toEqual({ SpecialToken: { id: '</s>', type_id: 0 } });
    const tokenizerConfig = await readJson('tokenizer_config.json');
    expect(tokenizerConfig).toMatchObject({ tokenizer_class: 'MarianTokenizer', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' });
  });

  it('is deterministic: the same seed gives the same bytes, another seed other weights', async () => {
    const again = await buildMarianModelDir({ dir: await dirs.make('again') });
    for (const file of built.files) {
      expect(Buffer.compare(await readFile(join(built.dir, file)), await readFile(join(again.dir, file))), file).toBe(0);
    }
    const other = await buildMarianModelDir({ dir: await dirs.make('other'), seed: 2 });
    expect(Buffer.compare(await readFile(join(built.dir, 'encoder_model.onnx')), await readFile(join(other.dir, 'encoder_model.onnx')))).not.toBe(0);
  });

  it("has Marian's op structure: post-norm blocks, cross-attention, tied lm_head, one If in the merged decoder", async () => {
    const encoder = await loadModel(built.dir, 'encoder_model.onnx');
    const decoder = await loadModel(built.dir, 'decoder_model.onnx');
    const merged = await loadModel(built.dir, 'decoder_model_merged.onnx');
    for (const model of [encoder, decoder, merged]) {
      expect(Number(model.irVersion)).toBe(8);
      expect(model.opsetImport.map((opset) => [opset.domain, Number(opset.version)])).toEqual([['', 17]]);
    }
    // Per layer: encoder self-attention + FFN (2 norms, 1 softmax); decoder self + cross + FFN (3 norms, 2 softmax).
    expect(opCounts(encoder.graph!.node!)).toMatchObject({ LayerNormalization: 4, Softmax: 2, Sigmoid: 2 });
    expect(opCounts(decoder.graph!.node!)).toMatchObject({ LayerNormalization: 6, Softmax: 4, Sigmoid: 2 });
    // Tied output projection: the shared embedding, transposed, feeds the logits MatMul; then final_logits_bias.
    const transpose = decoder.graph!.node!.find((node) => node.opType === 'Transpose' && node.input![0] === 'model.shared.weight');
    expect(decoder.graph!.node!.some((node) => node.opType === 'MatMul' && node.input!.includes(transpose!.output![0]!))).toBe(true);
    expect(decoder.graph!.node!.find((node) => node.output![0] === 'logits')?.input).toContain('final_logits_bias');
    expect(merged.graph!.node!.map((node) => node.opType)).toEqual(['If']);
    const branches = merged.graph!.node![0]!.attribute!.map((a) => [a.name, a.g!.name]);
    expect(branches).toEqual([['then_branch', 'with_past'], ['else_branch', 'no_past']]);
  });

  it("uses MarianSinusoidalPositionalEmbedding's table: sin in the first half of the columns, cos in the second", async () => {
    const encoder = await loadModel(built.dir, 'encoder_model.onnx');
    const table = initializer(encoder, 'model.encoder.embed_positions.weight');
    const d = 64;
    expect(table).toHaveLength(512 * d);
    for (const pos of [0, 1, 7, 300]) {
      for (const j of [0, 1, 5, 31, 32, 33, 40, 63]) {
        const expected = j < d / 2 ? Math.sin(pos / 10000 ** ((2 * j) / d)) : Math.cos(pos / 10000 ** ((2 * (j - d / 2)) / d));
        expect(table[pos * d + j]).toBeCloseTo(expected, 6);
      }
    }
  });

  it('rejects bad sizes with the field and the fix', async () => {
    const dir = await dirs.make('bad');
    await expect(buildMarianModelDir({ dir, heads: 5 })).rejects.toThrow('heads: 5 does not divide dModel 64; pick a divisor such as 4');
    await expect(buildMarianModelDir({ dir, vocabSize: 50 })).rejects.toThrow('vocabSize: 50 is outside 85');
    await expect(buildMarianModelDir({ dir, merged: 'yes' as never })).rejects.toThrow("merged: \"yes\" is not true, false or 'both'");
    await expect(buildMarianModelDir({ dir: '' })).rejects.toThrow('dir: a directory path is required');
  });
});

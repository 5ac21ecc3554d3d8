// An incomplete or inconsistent encoder-decoder directory is a start-up error naming the file and what is wrong.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildMarianModelDir } from '@vertexkit/tool-marian-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTextGenerationHandler, isSeq2SeqDirectory, loadSeq2SeqDirectory, ModelDirectoryError } from '../src/index.js';

let root: string;
let pristine: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-seq2seq-dir-'));
  pristine = path.join(root, 'pristine');
  await buildMarianModelDir({ dir: pristine });
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

let copies = 0;
async function copy(edit?: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(root, `copy-${++copies}`);
  await fs.cp(pristine, dir, { recursive: true });
  await edit?.(dir);
  return dir;
}
const editJson = (dir: string, file: string, change: (json: Record<string, unknown>) => void) =>
  fs.readFile(path.join(dir, file), 'utf8').then(async (text) => {
    const json = JSON.parse(text) as Record<string, unknown>;
    change(json);
    await fs.writeFile(path.join(dir, file), JSON.stringify(json));
  });

async function loadError(dir: string, decoder?: 'merged' | 'split'): Promise<ModelDirectoryError> {
  const error = await loadSeq2SeqDirectory(dir, decoder).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ModelDirectoryError.isInstance(error)).toBe(true);
  return error as ModelDirectoryError;
}

describe('loadSeq2SeqDirectory', () => {
  it('reads the layout, config.json and generation_config.json', async () => {
    expect(await isSeq2SeqDirectory(pristine)).toBe(true);
    const model = await loadSeq2SeqDirectory(pristine);
    expect(model).toMatchObject({ modelType: 'marian', decoder: { kind: 'split' }, decoderLayers: 2, decoderHeads: 4, headDim: 16, vocabSize: 1000 });
    expect(model.generation).toMatchObject({ numBeams: 4, eosTokenIds: [0], padTokenId: 999, decoderStartTokenId: 999, forcedEosTokenId: 0, badWordsIds: [[999]] });
    expect((await loadSeq2SeqDirectory(pristine, 'merged')).decoder.kind).toBe('merged');
  });

  it('names a missing encoder, a lone half of the split decoder, and a missing merged decoder', async () => {
    const noEncoder = await copy((dir) => fs.rm(path.join(dir, 'encoder_model.onnx')));
    expect((await loadError(noEncoder)).message).toMatch(/^encoder_model\.onnx: not found in .*; export it with `optimum-cli export onnx --task text2text-generation-with-past/);
    const half = await copy(async (dir) => {
      await fs.rm(path.join(dir, 'decoder_with_past_model.onnx'));
      await fs.rm(path.join(dir, 'decoder_model_merged.onnx'));
    });
    expect((await loadError(half)).message).toContain('decoder_with_past_model.onnx: not found beside decoder_model.onnx');
    const splitOnly = await copy((dir) => fs.rm(path.join(dir, 'decoder_model_merged.onnx')));
    expect((await loadError(splitOnly, 'merged')).message).toContain('decoder_model_merged.onnx: not found in');
  });

  it('names what is wrong in config.json and generation_config.json', async () => {
    const noLayers = await copy((dir) =>
      editJson(dir, 'config.json', (json) => {
        for (const name of ['decoder_layers', 'num_decoder_layers', 'num_layers']) delete json[name];
      }),
    );
    expect((await loadError(noLayers)).message).toBe('config.json: decoder_layers is missing; it is part of every transformers encoder-decoder config (save it with model.config.save_pretrained())');
    const badEos = await copy((dir) => editJson(dir, 'generation_config.json', (json) => (json['eos_token_id'] = 5000)));
    expect((await loadError(badEos)).message).toBe(`generation_config.json: eos_token_id must be a token id (or a list of them) below vocab_size 1000, got 5000`);
    const heads = await copy((dir) => editJson(dir, 'config.json', (json) => (json['decoder_attention_heads'] = 5)));
    expect((await loadError(heads)).message).toBe('config.json: d_model 64 is not a multiple of decoder_attention_heads 5');
  });

  it('a config that disagrees with the graphs fails at load, naming the graph and its inputs', async () => {
    const layers = await copy((dir) => editJson(dir, 'config.json', (json) => (json['decoder_layers'] = 3)));
    const handler = createTextGenerationHandler({ modelDir: layers, threads: 1 });
    const error = await handler.load().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^decoder_model\.onnx: has no input past_key_values\.2\.decoder\.key|^decoder_model\.onnx: has no output present\.2\.decoder\.key/);
    expect(error?.message).toContain('check decoder_layers (3) in config.json');
  });
});

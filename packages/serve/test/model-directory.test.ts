// loadModelDirectory: every missing or malformed file fails with the file, the problem and the fix; the
// variants of tokenizer.json and tokenizer_config.json that transformers and tokenizers write are read right.
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModelDirectory } from '../src/lib/model/load-model-directory.js';
import { ModelDirectoryError } from '../src/lib/model/model-directory-error.js';
import { buildTextClassifierDir } from './fixtures/build-model.js';

let root: string;
let dir: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-serve-model-dir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  // A fresh directory per test, so each can break a file its own way.
  dir = join(root, `dir-${count++}`);
  await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
});

type Json = Record<string, unknown>;

async function editJson(file: string, edit: (json: Json) => unknown): Promise<void> {
  const path = join(dir, file);
  const json = JSON.parse(await readFile(path, 'utf8')) as Json;
  const replaced = edit(json);
  await writeFile(path, JSON.stringify(replaced === undefined ? json : replaced));
}

/** The ModelDirectoryError loading `dir` fails with. */
async function loadError(options?: { maxLength?: number }): Promise<ModelDirectoryError> {
  try {
    await loadModelDirectory(dir, options);
  } catch (error) {
    if (ModelDirectoryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected loadModelDirectory to fail');
}

describe('loadModelDirectory errors', () => {
  it('names a missing directory', async () => {
    dir = join(root, 'nowhere');
    const error = await loadError();
    expect(error.message).toBe(`${dir}: not found or not a directory; point the server at the directory holding model.onnx, tokenizer.json and config.json`);
  });

  it('names a missing model.onnx', async () => {
    await unlink(join(dir, 'model.onnx'));
    const error = await loadError();
    expect(error.message).toBe(
      `model.onnx: not found in ${dir}; export the model to ONNX (e.g. optimum-cli export onnx --task text-classification) and put model.onnx there`,
    );
    expect(error.file).toBe('model.onnx');
    expect(error.path).toBe(join(dir, 'model.onnx'));
    expect(error.name).toBe('ModelDirectoryError');
    expect(error).toBeInstanceOf(Error);
  });

  it('names a missing config.json and tokenizer.json', async () => {
    await unlink(join(dir, 'tokenizer.json'));
    expect((await loadError()).message).toBe(
      `tokenizer.json: not found in ${dir}; save a fast tokenizer with tokenizer.save_pretrained() (slow tokenizers write only vocab files)`,
    );
    await unlink(join(dir, 'config.json'));
    expect((await loadError()).message).toBe(
      `config.json: not found in ${dir}; save the model config with model.config.save_pretrained(), or write {"id2label": {"0": "ham", "1": "spam"}}`,
    );
  });

  it('names a config.json that is not JSON, or not an object', async () => {
    await writeFile(join(dir, 'config.json'), '{"id2label": {"0": "ham",}}');
    const error = await loadError();
    expect(error.file).toBe('config.json');
    expect(error.message).toMatch(/^config\.json: not valid JSON \(.+\); save the model config with model\.config\.save_pretrained\(\), or write \{"id2label": \{"0": "ham", "1": "spam"\}\}$/);
    await writeFile(join(dir, 'config.json'), '["ham", "spam"]');
    expect((await loadError()).message).toBe(
      'config.json: not a JSON object (got an array); save the model config with model.config.save_pretrained(), or write {"id2label": {"0": "ham", "1": "spam"}}',
    );
  });

  it('names a missing id2label', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 8 }));
    expect((await loadError()).message).toBe('config.json: id2label is missing; add {"id2label": {"0": "ham", "1": "spam"}}');
  });

  it('names each way id2label can be malformed', async () => {
    const cases: Array<[unknown, string]> = [
      [['ham', 'spam'], 'config.json: id2label must be an object from class index to label name, got an array; write it as {"id2label": {"0": "ham", "1": "spam"}}'],
      [{}, 'config.json: id2label is empty; list the model\'s labels, as in {"id2label": {"0": "ham", "1": "spam"}}'],
      [{ ham: '0' }, 'config.json: id2label key "ham" is not a class index; keys are the class indices as strings, as in {"id2label": {"0": "ham", "1": "spam"}}'],
      [{ '0': 'ham', '1': 7 }, 'config.json: id2label["1"] must be a label name (a non-empty string), got 7'],
      [{ '0': 'ham', '2': 'spam' }, 'config.json: id2label has no label for class 1 (it has classes 0, 2); class indices must run from 0 to 1 without gaps'],
      [{ '0': 'spam', '1': 'spam' }, 'config.json: id2label gives the label "spam" to classes 0 and 1; label names must be unique, or predictions cannot be told apart'],
    ];
    for (const [id2label, message] of cases) {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label }));
      expect((await loadError()).message).toBe(message);
    }
  });

  it('checks num_labels and problem_type', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'ham', '1': 'spam' }, num_labels: 3 }));
    expect((await loadError()).message).toBe('config.json: num_labels is 3 but id2label has 2 labels; make them agree (num_labels may be left out)');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ num_labels: '2' }));
    expect((await loadError()).message).toBe('config.json: num_labels must be a positive integer, got "2"; remove it or set it to the number of labels');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'ham', '1': 'spam' }, problem_type: 'regression' }));
    expect((await loadError()).message).toBe(
      'config.json: problem_type "regression": regression models are not supported; use "single_label_classification" (softmax) or "multi_label_classification" (sigmoid)',
    );
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'ham', '1': 'spam' }, problem_type: 'multi_label' }));
    expect((await loadError()).message).toBe(
      'config.json: problem_type "multi_label": it is not a classification problem type; use "single_label_classification" (softmax) or "multi_label_classification" (sigmoid)',
    );
  });

  it('names a tokenizer.json that cannot be used', async () => {
    await editJson('tokenizer.json', (json) => {
      delete json['model'];
    });
    expect((await loadError()).message).toBe(
      'tokenizer.json: "model" is missing or not an object (got undefined); save the tokenizer with tokenizer.save_pretrained() or tokenizers\' Tokenizer.save()',
    );
    await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
    await editJson('tokenizer.json', (json) => {
      delete (json['model'] as Json)['unk_token'];
    });
    expect((await loadError()).message).toBe(
      'tokenizer.json: model.unk_token is missing; a WordLevel tokenizer needs it for words outside its vocabulary: add "unk_token": "[UNK]" (a token of model.vocab)',
    );
    await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
    await editJson('tokenizer.json', (json) => {
      (json['model'] as Json)['unk_token'] = '<unk>';
    });
    expect((await loadError()).message).toBe('tokenizer.json: model.unk_token "<unk>" is not in model.vocab; add it to the vocabulary or name a token that is in it');
    await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
    await editJson('tokenizer.json', (json) => {
      (json['model'] as Json)['type'] = 'CharLevel';
    });
    expect((await loadError()).message).toBe('tokenizer.json: model.type "CharLevel" is not supported; supported: WordPiece, WordLevel, BPE, Unigram');
    await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
    await editJson('tokenizer.json', (json) => {
      json['post_processor'] = { type: 'Fancy' };
    });
    expect((await loadError()).message).toBe(
      'tokenizer.json: post_processor.type "Fancy" is not supported; supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence',
    );
    await buildTextClassifierDir(dir, { labels: ['ham', 'spam'] });
    await editJson('tokenizer.json', (json) => {
      json['normalizer'] = { type: 'Unheard' };
    });
    const error = await loadError();
    expect(error.message).toMatch(/^tokenizer\.json: @huggingface\/tokenizers cannot read it \(.*Unheard.*\); save it again with a recent tokenizers or transformers$/);
  });

  it('names a malformed tokenizer_config.json', async () => {
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: -1 }));
    expect((await loadError()).message).toBe(
      'tokenizer_config.json: model_max_length must be a positive integer, got -1; set it to the longest sequence the model takes, e.g. 512',
    );
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<pad>' }));
    expect((await loadError()).message).toBe(
      'tokenizer_config.json: pad_token "<pad>" is not in tokenizer.json\'s vocabulary; name a token that is, or remove pad_token',
    );
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 2 }));
    expect((await loadError()).message).toBe(
      'tokenizer_config.json: model_max_length: a max length of 2 leaves no room for text: the tokenizer adds 2 special tokens to every text; use at least 3',
    );
    await writeFile(join(dir, 'tokenizer_config.json'), 'model_max_length=512');
    expect((await loadError()).message).toMatch(/^tokenizer_config\.json: not valid JSON \(.+\); save it with tokenizer\.save_pretrained\(\), or remove it \(it is optional\)$/);
  });

  it('rejects a maxLength option that leaves no room for text', async () => {
    await expect(loadModelDirectory(dir, { maxLength: 2 })).rejects.toThrow(
      'maxLength: a max length of 2 leaves no room for text: the tokenizer adds 2 special tokens to every text; use at least 3',
    );
    await expect(loadModelDirectory(dir, { maxLength: 1.5 })).rejects.toThrow('maxLength: expected a positive integer, got 1.5');
  });
});

describe('loadModelDirectory reads', () => {
  it('labels from id2label, label2id or num_labels, and the problem type', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '1': 'spam', '0': 'ham' }, label2id: { wrong: 0 } }));
    expect((await loadModelDirectory(dir)).labels).toEqual(['ham', 'spam']);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ label2id: { spam: 1, ham: 0 } }));
    expect((await loadModelDirectory(dir)).labels).toEqual(['ham', 'spam']);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ num_labels: 2, problem_type: null }));
    const model = await loadModelDirectory(dir);
    expect(model.labels).toEqual(['LABEL_0', 'LABEL_1']);
    expect(model.problemType).toBe('single_label_classification');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'a', '1': 'b' }, problem_type: 'multi_label_classification' }));
    expect((await loadModelDirectory(dir)).problemType).toBe('multi_label_classification');
    // One logit cannot be a softmax; like transformers' pipeline, it is a sigmoid.
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'toxic' }, problem_type: 'single_label_classification' }));
    expect((await loadModelDirectory(dir)).problemType).toBe('multi_label_classification');
  });

  it("a multi-label model's threshold: config.json's, else 0.5; none for a single-label model; a bad one named", async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'a', '1': 'b' }, problem_type: 'multi_label_classification', threshold: 0.3 }));
    expect((await loadModelDirectory(dir)).threshold).toBe(0.3);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'a', '1': 'b' }, problem_type: 'multi_label_classification' }));
    expect((await loadModelDirectory(dir)).threshold).toBe(0.5);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'a', '1': 'b' }, threshold: 0.3 }));
    expect((await loadModelDirectory(dir)).threshold).toBeUndefined();
    await writeFile(join(dir, 'config.json'), JSON.stringify({ id2label: { '0': 'a', '1': 'b' }, problem_type: 'multi_label_classification', threshold: '0.3' }));
    await expect(loadModelDirectory(dir)).rejects.toThrow(
      'config.json: threshold must be a number from 0 to 1 (the score a label needs in a multi-label model), got "0.3"; fix it or remove it (default 0.5)',
    );
  });

  it("the model's name from _name_or_path: a Hub id as it is, a local path by its last segment, else none", async () => {
    expect((await loadModelDirectory(dir)).name).toBeUndefined();
    const cases: Array<[unknown, string | undefined]> = [
      ['distilbert-base-uncased-finetuned-sst-2-english', 'distilbert-base-uncased-finetuned-sst-2-english'],
      ['cardiffnlp/twitter-roberta-base-sentiment', 'cardiffnlp/twitter-roberta-base-sentiment'],
      ['/tmp/tmpab12/checkpoint-500/', 'checkpoint-500'],
      ['./outputs/spam', 'spam'],
      ['runs/spam/checkpoint-9', 'checkpoint-9'],
      ['C:\\models\\spam', 'spam'],
      ['', undefined],
      [42, undefined],
    ];
    for (const [value, name] of cases) {
      await editJson('config.json', (json) => ({ ...json, _name_or_path: value }));
      expect((await loadModelDirectory(dir)).name, String(value)).toBe(name);
    }
  });

  it('the max length: option, then model_max_length, then 512 capped by max_position_embeddings', async () => {
    expect((await loadModelDirectory(dir)).maxLength).toBe(512);
    await editJson('config.json', (json) => ({ ...json, max_position_embeddings: 128 }));
    expect((await loadModelDirectory(dir)).maxLength).toBe(128);
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 64 }));
    expect((await loadModelDirectory(dir)).maxLength).toBe(64);
    expect((await loadModelDirectory(dir, { maxLength: 16 })).maxLength).toBe(16);
  });

  it('truncation_side "left": keeps the end of the text', async () => {
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ truncation_side: 'left' }));
    // free=5 money=6 now=7 win=8 prize=9
    expect((await loadModelDirectory(dir, { maxLength: 4 })).encode('free money now win prize').ids).toEqual([2, 8, 9, 3]);
  });

  it('the pad id: tokenizer.json padding, then tokenizer_config.json pad_token, then [PAD] or <pad>, then 0', async () => {
    expect((await loadModelDirectory(dir)).padId).toBe(0);
    await editJson('tokenizer.json', (json) => {
      json['padding'] = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 4, pad_type_id: 1, pad_token: '[MASK]' };
    });
    let model = await loadModelDirectory(dir);
    expect(model.padId).toBe(4);
    expect(model.padTypeId).toBe(1);

    await editJson('tokenizer.json', (json) => {
      json['padding'] = null;
    });
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: { __type: 'AddedToken', content: '[SEP]' } }));
    expect((await loadModelDirectory(dir)).padId).toBe(3);

    await unlink(join(dir, 'tokenizer_config.json'));
    await editJson('tokenizer.json', (json) => {
      const vocab = (json['model'] as Json)['vocab'] as Record<string, number>;
      delete vocab['[PAD]'];
      vocab['<pad>'] = 0;
      json['added_tokens'] = (json['added_tokens'] as Json[]).filter((token) => token['content'] !== '[PAD]');
    });
    model = await loadModelDirectory(dir);
    expect(model.padId).toBe(0);
    await editJson('tokenizer.json', (json) => {
      const vocab = (json['model'] as Json)['vocab'] as Record<string, number>;
      vocab['<pad>'] = 27;
    });
    expect((await loadModelDirectory(dir)).padId).toBe(27);
  });

  it('a BPE tokenizer with RobertaProcessing and <pad>', async () => {
    await editJson('tokenizer.json', () => ({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
      decoder: null,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, l: 4, o: 5, w: 6, e: 7, r: 8, lo: 9, low: 10, er: 11 },
        merges: ['l o', 'lo w', 'e r'],
      },
    }));
    const model = await loadModelDirectory(dir, { maxLength: 5 });
    expect(model.encode('lower low').ids).toEqual([0, 10, 11, 10, 2]);
    expect(model.encode('lower lower').ids).toEqual([0, 10, 11, 10, 2]);
    expect(model.encode('rowel').ids).toEqual([0, 8, 5, 6, 2]);
    expect(model.padId).toBe(1);
  });

  it('a Sequence post-processor (ByteLevel, then a template), and a template special token with two ids', async () => {
    await editJson('tokenizer.json', (json) => {
      const template = json['post_processor'] as Json;
      (template['special_tokens'] as Record<string, Json>)['[CLS]'] = { id: '[CLS]', ids: [2, 4], tokens: ['[CLS]', '[MASK]'] };
      template['single'] = [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ];
      json['post_processor'] = { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, template] };
    });
    const model = await loadModelDirectory(dir, { maxLength: 5 });
    expect(model.encode('free money now').ids).toEqual([2, 4, 5, 6, 3]);
    expect(model.encode('free money now').typeIds).toEqual([0, 0, 1, 1, 0]);
  });

  it('a tokenizer.json written by hand without the null fields', async () => {
    await editJson('tokenizer.json', (json) => ({ model: json['model'], normalizer: json['normalizer'], pre_tokenizer: json['pre_tokenizer'] }));
    // No post-processor: no special tokens, the whole max length is text.
    const model = await loadModelDirectory(dir, { maxLength: 2 });
    expect(model.encode('Free money now').ids).toEqual([5, 6]);
  });
});

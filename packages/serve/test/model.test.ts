// The text-classification handler against tiny real ONNX models built in code (test/fixtures/build-model.ts),
// checked against the fixture's plain-JS reference of the same tokenization and math.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/lib/handler.js';
import { loadModelDirectory } from '../src/lib/model/load-model-directory.js';
import { createTextClassificationHandler, type TextClassificationHandler } from '../src/lib/model/text-classifier.js';
import { buildTextClassifierDir, type BuiltModelDirectory } from './fixtures/build-model.js';

type Handler = TextClassificationHandler;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-serve-model-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Each value within `tolerance` of the expected one, and the same count. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, index) => {
    const diff = Math.abs(actual[index]! - value);
    expect(diff, `index ${index}: ${actual[index]} vs ${value}`).toBeLessThanOrEqual(tolerance);
  });
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
}

/** Catches the InvalidInputError a parse function throws, to compare its message exactly. */
function parseError(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(InvalidInputError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidInputError');
}

const TEXTS = [
  'free money now',
  'Hello friend, see you at the office tomorrow for lunch!',
  '',
  'Win a PRIZE! Click here',
  'unknown words everywhere café',
];

describe('single-label WordLevel model', () => {
  let built: BuiltModelDirectory;
  let handler: Handler;

  beforeAll(async () => {
    built = await buildTextClassifierDir(join(root, 'single'), { labels: ['ham', 'spam', 'promo'], seed: 7 });
    handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
  });
  afterAll(async () => {
    await handler.close();
  });

  it('tokenizes as the Hugging Face tokenizers do: lowercase, Unicode words, [UNK], [CLS] ... [SEP]', async () => {
    const model = await loadModelDirectory(built.dir);
    // ids in the fixture: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3, then free=5 money=6 now=7 ... hello=12 café=22 !=23 ,=24
    expect(model.encode('Hello, café!')).toEqual({ ids: [2, 12, 24, 22, 23, 3], typeIds: [0, 0, 0, 0, 0, 0] });
    expect(model.encode('Free money NOW zzz').ids).toEqual([2, 5, 6, 7, 1, 3]);
    expect(model.encode('').ids).toEqual([2, 3]);
    // A special token written in the text is that token, as in the Rust tokenizers.
    expect(model.encode('free [SEP] money').ids).toEqual([2, 5, 3, 6, 3]);
    for (const text of TEXTS) expect(model.encode(text).ids).toEqual(built.referenceIds(text));
    expect(model.maxLength).toBe(512);
    expect(model.padId).toBe(0);
    expect(model.labels).toEqual(['ham', 'spam', 'promo']);
    expect(model.problemType).toBe('single_label_classification');
  });

  it('returns the reference logits for a batch of texts of different lengths', async () => {
    const logits = await handler.run(TEXTS);
    const expected = built.referenceLogits(TEXTS);
    expect(logits).toHaveLength(TEXTS.length);
    logits.forEach((row, index) => {
      expect(row).toBeInstanceOf(Float32Array);
      expectClose(row, expected[index]!, 1e-5);
    });
  });

  it('gives a text the same logits alone and padded in a batch with a longer text', async () => {
    const [alone] = await handler.run(['free money']);
    const [batched, longer] = await handler.run(['free money', 'hello friend see you at the office tomorrow for lunch']);
    expectClose(batched!, Array.from(alone!), 1e-6);
    // The padded text differs from the long one, so the comparison above is not trivially true.
    expect(Math.abs(batched![0]! - longer![0]!)).toBeGreaterThan(1e-3);
    expectClose(alone!, built.referenceLogits(['free money'])[0]!, 1e-5);
  });

  it('answers an empty batch without running the model', async () => {
    expect(await handler.run([])).toEqual([]);
  });

  it('scores with a softmax that sums to 1, best label first', async () => {
    const [logits] = await handler.run(['win a prize now']);
    const expected = softmax(built.referenceLogits(['win a prize now'])[0]!);
    const prediction = handler.postprocess(logits!, handler.parseParameters(undefined));
    expect(prediction.labels.map(({ label }) => label)).toEqual(
      ['ham', 'spam', 'promo'].map((label, index) => ({ label, score: expected[index]! })).sort((a, b) => b.score - a.score).map(({ label }) => label),
    );
    for (const { label, score } of prediction.labels) {
      expect(Math.abs(score - expected[['ham', 'spam', 'promo'].indexOf(label)]!)).toBeLessThan(1e-6);
    }
    expect(Math.abs(prediction.labels.reduce((sum, { score }) => sum + score, 0) - 1)).toBeLessThan(1e-12);
    const scores = prediction.labels.map(({ score }) => score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('cuts to top_k; top_k above the label count returns all', async () => {
    const [logits] = await handler.run(['win a prize now']);
    const all = handler.postprocess(logits!, handler.parseParameters({})).labels;
    expect(all).toHaveLength(3);
    expect(handler.postprocess(logits!, handler.parseParameters({ top_k: 1 })).labels).toEqual(all.slice(0, 1));
    expect(handler.postprocess(logits!, handler.parseParameters({ top_k: 2 })).labels).toEqual(all.slice(0, 2));
    expect(handler.postprocess(logits!, handler.parseParameters({ top_k: 10 })).labels).toEqual(all);
    expect(handler.postprocess(logits!, handler.parseParameters({ top_k: null })).labels).toEqual(all);
  });

  it('keeps the softmax finite for large logits', () => {
    const { labels } = handler.postprocess(Float32Array.of(999, 1000, -1000), handler.parseParameters(undefined));
    expect(labels.map(({ label }) => label)).toEqual(['spam', 'ham', 'promo']);
    expect(labels[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(labels[1]!.score).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 12);
    expect(labels[2]!.score).toBe(0);
  });

  it('parses instances: a string or {"text": string}, empty strings included', () => {
    expect(handler.parseInstance('hello', 0)).toBe('hello');
    expect(handler.parseInstance('', 0)).toBe('');
    expect(handler.parseInstance({ text: 'hello' }, 0)).toBe('hello');
    expect(parseError(() => handler.parseInstance(42, 3))).toBe('instances[3]: expected a string or {"text": string}, got 42');
    expect(parseError(() => handler.parseInstance(null, 0))).toBe('instances[0]: expected a string or {"text": string}, got null');
    expect(parseError(() => handler.parseInstance(['a'], 1))).toBe('instances[1]: expected a string or {"text": string}, got an array');
    expect(parseError(() => handler.parseInstance({ text: 5 }, 2))).toBe('instances[2]: expected a string or {"text": string}, got {"text":5}');
    expect(parseError(() => handler.parseInstance({}, 0))).toBe('instances[0]: expected a string or {"text": string}, got {}');
    expect(parseError(() => handler.parseInstance({ text: 'hi', top_k: 1 }, 0))).toBe(
      'instances[0]: unknown key "top_k"; expected a string or {"text": string} (request options go in "parameters")',
    );
    // Long values are cut in messages, so a 1 MB instance does not come back in the error.
    expect(parseError(() => handler.parseInstance({ text: ['y'.repeat(80)] }, 0))).toBe(
      `instances[0]: expected a string or {"text": string}, got {"text":["${'y'.repeat(47)}...`,
    );
  });

  it('parses parameters of a single-label model: top_k only', () => {
    expect(handler.parseParameters(undefined)).toEqual({ topK: undefined, threshold: undefined });
    expect(handler.parseParameters(null)).toEqual({ topK: undefined, threshold: undefined });
    expect(handler.parseParameters({ top_k: 2 })).toEqual({ topK: 2, threshold: undefined });
    expect(parseError(() => handler.parseParameters({ top_k: 0 }))).toBe('parameters.top_k: expected a positive integer, got 0');
    expect(parseError(() => handler.parseParameters({ top_k: 1.5 }))).toBe('parameters.top_k: expected a positive integer, got 1.5');
    expect(parseError(() => handler.parseParameters({ top_k: '2' }))).toBe('parameters.top_k: expected a positive integer, got "2"');
    expect(parseError(() => handler.parseParameters({ top_k: -1 }))).toBe('parameters.top_k: expected a positive integer, got -1');
    expect(parseError(() => handler.parseParameters({ topk: 2 }))).toBe('parameters.topk: unknown parameter; known parameters: top_k');
    expect(parseError(() => handler.parseParameters({ threshold: 0.3 }))).toBe(
      'parameters.threshold: only applies to multi-label models; this model is single-label (its scores sum to 1): use top_k',
    );
    expect(parseError(() => handler.parseParameters([1]))).toBe('parameters: expected an object such as {"top_k": 1}, got an array');
    expect(parseError(() => handler.parseParameters('top_k=1'))).toBe('parameters: expected an object such as {"top_k": 1}, got "top_k=1"');
  });
});

describe('truncation', () => {
  it('truncates the text, not the special tokens, to maxLength', async () => {
    const built = await buildTextClassifierDir(join(root, 'truncation'), { labels: ['ham', 'spam'], seed: 3 });
    const model = await loadModelDirectory(built.dir, { maxLength: 4 });
    expect(model.encode('free money now win prize').ids).toEqual([2, 5, 6, 3]);
    expect(model.encode('free').ids).toEqual([2, 5, 3]);

    const handler = createTextClassificationHandler({ modelDir: built.dir, maxLength: 4, threads: 1 });
    await handler.load();
    try {
      const texts = ['free money now win prize', 'hello'];
      const logits = await handler.run(texts);
      const expected = built.referenceLogits(texts, { maxLength: 4 });
      expectClose(logits[0]!, expected[0]!, 1e-5);
      expectClose(logits[1]!, expected[1]!, 1e-5);
      // Truncation changed the long text's result: the test would notice a handler that did not truncate.
      expect(Math.abs(expected[0]![0]! - built.referenceLogits(texts)[0]![0]!)).toBeGreaterThan(1e-3);
    } finally {
      await handler.close();
    }
  });
});

describe('multi-label model', () => {
  const labels = ['billing', 'shipping', 'returns', 'other', 'urgent'];
  let built: BuiltModelDirectory;
  let handler: Handler;
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const text = 'click here now money';
  /** The reference scores of `text`, best first. */
  let ranked: Array<{ label: string; score: number }>;
  let logits: Float32Array;

  beforeAll(async () => {
    built = await buildTextClassifierDir(join(root, 'multi'), { labels, multiLabel: true, seed: 11, hidden: 6 });
    handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
    ranked = built.referenceLogits([text])[0]!.map((logit, index) => ({ label: labels[index]!, score: sigmoid(logit) }));
    ranked.sort((a, b) => b.score - a.score);
    [logits] = (await handler.run([text])) as [Float32Array];
  });
  afterAll(async () => {
    await handler.close();
  });

  function expectLabels(actual: Array<{ label: string; score: number }>, expected: Array<{ label: string; score: number }>) {
    expect(actual.map(({ label }) => label)).toEqual(expected.map(({ label }) => label));
    expectClose(actual.map(({ score }) => score), expected.map(({ score }) => score), 1e-6);
  }

  it('scores each label with a sigmoid and keeps those at or above 0.5 by default', () => {
    const passing = ranked.filter(({ score }) => score >= 0.5);
    // The seed gives a model where some labels pass and some do not, so the default threshold is exercised.
    expect(passing.length).toBeGreaterThan(0);
    expect(passing.length).toBeLessThan(labels.length);
    expectLabels(handler.postprocess(logits, handler.parseParameters(undefined)).labels, passing);
  });

  it('applies threshold, then top_k to the labels that passed', () => {
    expectLabels(handler.postprocess(logits, handler.parseParameters({ threshold: 0 })).labels, ranked);
    // A threshold between the 3rd and 4th score lets exactly 3 labels through.
    const between = (ranked[2]!.score + ranked[3]!.score) / 2;
    expectLabels(handler.postprocess(logits, handler.parseParameters({ threshold: between })).labels, ranked.slice(0, 3));
    expectLabels(handler.postprocess(logits, handler.parseParameters({ threshold: between, top_k: 2 })).labels, ranked.slice(0, 2));
    expectLabels(handler.postprocess(logits, handler.parseParameters({ threshold: between, top_k: 4 })).labels, ranked.slice(0, 3));
    expect(handler.postprocess(logits, handler.parseParameters({ threshold: 1 })).labels).toEqual([]);
  });

  it('keeps sigmoid scores exact for large logits of either sign', () => {
    const { labels: scored } = handler.postprocess(Float32Array.of(-800, 800, 0, -2, 2), handler.parseParameters({ threshold: 0 }));
    expect(scored.map(({ label }) => label)).toEqual(['shipping', 'urgent', 'returns', 'other', 'billing']);
    expect(scored.map(({ score }) => score)).toEqual([1, 1 / (1 + Math.exp(-2)), 0.5, Math.exp(-2) / (1 + Math.exp(-2)), Math.exp(-800) / (1 + Math.exp(-800))]);
  });

  it('parses threshold and top_k', () => {
    expect(handler.parseParameters(undefined)).toEqual({ topK: undefined, threshold: 0.5 });
    expect(handler.parseParameters({ threshold: 0.25, top_k: 3 })).toEqual({ topK: 3, threshold: 0.25 });
    expect(handler.parseParameters({ threshold: null })).toEqual({ topK: undefined, threshold: 0.5 });
    expect(parseError(() => handler.parseParameters({ threshold: 1.5 }))).toBe('parameters.threshold: expected a number from 0 to 1, got 1.5');
    expect(parseError(() => handler.parseParameters({ threshold: -0.1 }))).toBe('parameters.threshold: expected a number from 0 to 1, got -0.1');
    expect(parseError(() => handler.parseParameters({ threshold: '0.5' }))).toBe('parameters.threshold: expected a number from 0 to 1, got "0.5"');
    expect(parseError(() => handler.parseParameters({ top_k: 2, thresold: 0.2 }))).toBe(
      'parameters.thresold: unknown parameter; known parameters: top_k, threshold',
    );
  });
});

describe('model with token_type_ids', () => {
  it('feeds token_type_ids when the model has that input', async () => {
    const built = await buildTextClassifierDir(join(root, 'token-types'), { labels: ['ham', 'spam'], tokenTypeIds: true, seed: 5 });
    // The model cannot run without the input: a handler that left it out could not match the reference.
    const session = await InferenceSession.create(join(built.dir, 'model.onnx'));
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    const ones = new Tensor('int64', BigInt64Array.of(2n, 3n), [1, 2]);
    await expect(session.run({ input_ids: ones, attention_mask: ones })).rejects.toThrow(/token_type_ids/);
    await session.release();

    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
    try {
      const logits = await handler.run(TEXTS);
      built.referenceLogits(TEXTS).forEach((expected, index) => expectClose(logits[index]!, expected, 1e-5));
    } finally {
      await handler.close();
    }
  });
});

describe('a directory exported from transformers', () => {
  it('loads BERT-style WordPiece with padding and truncation null and a full config.json', async () => {
    const built = await buildTextClassifierDir(join(root, 'transformers'), {
      labels: ['NEGATIVE', 'POSITIVE'],
      style: 'bert',
      tokenTypeIds: true,
      seed: 9,
    });
    const model = await loadModelDirectory(built.dir);
    // Vocabulary: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 free=5 ... play=18 ##ed=19 un=20 ##believ=21 ##able=22 !=23 ,=24
    const id = (token: string) => built.vocab.get(token);
    expect(model.encode('Unbelievable, PLAYED!').ids).toEqual([2, id('un'), id('##believ'), id('##able'), id(','), id('play'), id('##ed'), id('!'), 3]);
    expect(model.encode('Meetings zzz').ids).toEqual([2, id('meet'), id('##ing'), id('##s'), 1, 3]);
    // tokenizer_config.json's model_max_length is transformers' "unset" sentinel (1e30): the default applies.
    expect(model.maxLength).toBe(512);
    expect(model.padId).toBe(0);
    expect(model.labels).toEqual(['NEGATIVE', 'POSITIVE']);
    expect(model.problemType).toBe('single_label_classification');

    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
    try {
      const texts = ['Unbelievable, PLAYED!', 'free money', 'Hello friend! Meeting tomorrow?', ''];
      for (const text of texts) expect(model.encode(text).ids).toEqual(built.referenceIds(text));
      const logits = await handler.run(texts);
      built.referenceLogits(texts).forEach((expected, index) => expectClose(logits[index]!, expected, 1e-5));
      const prediction = handler.postprocess(logits[0]!, handler.parseParameters({ top_k: 1 }));
      const expectedScores = softmax(built.referenceLogits([texts[0]!])[0]!);
      const best = expectedScores[0]! >= expectedScores[1]! ? 0 : 1;
      expect(prediction.labels).toHaveLength(1);
      expect(prediction.labels[0]!.label).toBe(['NEGATIVE', 'POSITIVE'][best]);
      expect(Math.abs(prediction.labels[0]!.score - expectedScores[best]!)).toBeLessThan(1e-6);
    } finally {
      await handler.close();
    }
  });
});

describe('handler life cycle', () => {
  it('refuses to run before load and after close, and closes twice safely', async () => {
    const built = await buildTextClassifierDir(join(root, 'life-cycle'), { labels: ['ham', 'spam'] });
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await expect(handler.run(['x'])).rejects.toThrow('the text classifier is not loaded yet: await load() first');
    expect(() => handler.parseParameters(undefined)).toThrow('the text classifier is not loaded yet: await load() first');
    expect(() => handler.describe()).toThrow('the text classifier is not loaded yet: await load() first');
    await handler.load();
    expect(handler.describe()).toMatchObject({ name: 'life-cycle', task: 'text classification', details: { Labels: 'ham, spam' } });
    await handler.load();
    expect(await handler.run(['free'])).toHaveLength(1);
    await handler.close();
    await handler.close();
    await expect(handler.run(['x'])).rejects.toThrow('the text classifier is closed');
    await expect(handler.load()).rejects.toThrow('the text classifier is closed');
  });

  it('rejects a bad threads option', () => {
    expect(() => createTextClassificationHandler({ modelDir: root, threads: 0 })).toThrow('threads: expected a positive integer, got 0');
  });

  it('fails load when config.json lists a different number of labels than the model has logits', async () => {
    const built = await buildTextClassifierDir(join(root, 'label-mismatch'), { labels: ['ham', 'spam'] });
    await buildTextClassifierDir(join(root, 'label-mismatch-3'), { labels: ['a', 'b', 'c'] });
    await copyFile(join(root, 'label-mismatch-3', 'config.json'), join(built.dir, 'config.json'));
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await expect(handler.load()).rejects.toThrow(
      'config.json: id2label has 3 labels but model.onnx gives 2 logits per text; list one label per logit',
    );
  });
});

describe('model.onnx checks', () => {
  it('reads logits from the first output when none is named logits', async () => {
    const built = await buildTextClassifierDir(join(root, 'output-name'), { labels: ['ham', 'spam'], outputName: 'output_0', seed: 2 });
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await handler.load();
    try {
      expectClose((await handler.run(['free money']))[0]!, built.referenceLogits(['free money'])[0]!, 1e-5);
    } finally {
      await handler.close();
    }
  });

  it('fails load for an input serve cannot fill', async () => {
    const built = await buildTextClassifierDir(join(root, 'extra-input'), { labels: ['ham', 'spam'], extraInputs: ['position_ids'] });
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await expect(handler.load()).rejects.toThrow(
      'model.onnx: has an input "position_ids" serve cannot fill; serve feeds input_ids, attention_mask, token_type_ids (export with optimum\'s text-classification task)',
    );
  });

  it('fails load for a model.onnx that is not a model', async () => {
    const built = await buildTextClassifierDir(join(root, 'lfs-pointer'), { labels: ['ham', 'spam'] });
    await writeFile(join(built.dir, 'model.onnx'), 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n');
    const handler = createTextClassificationHandler({ modelDir: built.dir, threads: 1 });
    await expect(handler.load()).rejects.toThrow(
      /^model\.onnx: ONNX Runtime cannot load it \(.+\); export it again, and check the file is the model itself, not a Git LFS pointer or a partial download$/s,
    );
  });
});

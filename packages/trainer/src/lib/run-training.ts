import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { buildOnnxModel } from './build-onnx-model.js';
import { saveCheckpoint } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import { exportModelDirectory } from './export-model-directory.js';
import type { ClassificationMetrics } from './metrics.js';
import { quantizeTextClassifier, resolveQuantize, type QuantizeOptions } from './quantize-text-classifier.js';
import type { QuantizationInfo } from './quantized-text-classifier.js';
import type { TextExample } from './text-example.js';
import { trainTextClassifier, type EpochSummary, type TrainingEvent, type TrainTextClassifierOptions } from './train-text-classifier.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Options of {@link runTraining}: those of `trainTextClassifier`, plus where things go. */
export interface RunTrainingOptions extends Omit<TrainTextClassifierOptions, 'onBest'> {
  /** Scored with the best model into metrics.json. */
  test?: readonly TextExample[];
  /** Local folder for the model directory, metrics.json and training.log (created if needed). */
  outputDir: string;
  /** Local folder for best-model.safetensors and final-model.safetensors. Default: `outputDir`. */
  checkpointDir?: string;
  /** Receives each line written to training.log (without the timestamp), e.g. to print it. */
  log?: (line: string) => void;
  /**
   * Export an 8-bit model (see `quantizeTextClassifier`): `true`, or the options of that quantization. Then
   * `dev`, `test` and metrics.json score the quantized model, the one exported, and `float` the float model
   * it came from; checkpoints stay float32. Default false.
   */
  quantize?: boolean | QuantizeOptions;
}

/** With `quantize`: how the exported model was made, and what it weighs against the float one. */
export interface QuantizationSummary extends QuantizationInfo {
  /** Bytes of the exported model.onnx. */
  modelBytes: number;
  /** Bytes model.onnx would have as float32. */
  floatModelBytes: number;
}

/** What {@link runTraining} returns (also in metrics.json). */
export interface RunTrainingResult {
  outputDir: string;
  checkpointDir: string;
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  /** The best model on the dev split (quantized, with `quantize`: the model exported). */
  dev: ClassificationMetrics;
  /** The best model on the test split, when test examples were given (quantized, with `quantize`). */
  test?: ClassificationMetrics;
  /** With `quantize`: the float model's scores, to compare. */
  float?: { dev: ClassificationMetrics; test?: ClassificationMetrics };
  /** With `quantize`: the method and the sizes. */
  quantization?: QuantizationSummary;
  history: EpochSummary[];
  /** Files written under `outputDir` and `checkpointDir`, as absolute or given paths. */
  files: string[];
}

/**
 * A whole training job into local folders: trains with early stopping, saves the best checkpoint each time
 * the dev score improves and the final one at the end, exports the best model as a model directory that
 * `@vertexkit/serve` serves, and writes metrics.json (accuracy, macro-F1, per-label precision, recall, F1 and
 * support on the test split) and training.log beside it. With `quantize`, the model exported and scored is the
 * 8-bit one, and the float model's scores are logged and kept beside its own.
 *
 * @example
 * ```ts
 * const result = await runTraining({ train, dev, test, outputDir: './model', epochs: 10, log: console.log });
 * console.log(result.test?.macroF1);
 * ```
 */
export async function runTraining(options: RunTrainingOptions): Promise<RunTrainingResult> {
  const { outputDir } = options;
  // Checked before hours of training, not after.
  const quantize = resolveQuantize(options.quantize);
  const checkpointDir = options.checkpointDir ?? outputDir;
  await mkdir(outputDir, { recursive: true });
  await mkdir(checkpointDir, { recursive: true });
  const logPath = join(outputDir, 'training.log');
  const logFile = createWriteStream(logPath);
  const log = (line: string): void => {
    logFile.write(`${new Date().toISOString()} ${line}\n`);
    options.log?.(line);
  };
  const bestPath = join(checkpointDir, 'best-model.safetensors');
  const finalPath = join(checkpointDir, 'final-model.safetensors');

  try {
    const onEvent = (event: TrainingEvent): void => {
      const line = describeEvent(event);
      if (line) log(line);
      options.onEvent?.(event);
    };
    const { train, test, outputDir: _output, checkpointDir: _checkpoints, log: _log, onEvent: _onEvent, quantize: _quantize, ...hyperparameters } = options;
    const result = await trainTextClassifier({
      ...hyperparameters,
      train,
      onEvent,
      onBest: (model, epoch) => saveCheckpoint(model, bestPath, { epoch: String(epoch) }),
    });
    await saveCheckpoint(result.final, finalPath, { epoch: String(result.epochsRun) });
    log(`saved checkpoints ${bestPath} (epoch ${result.bestEpoch}) and ${finalPath} (epoch ${result.epochsRun})`);

    const hasTest = test !== undefined && test.length > 0;
    let exported = result.best;
    let float: RunTrainingResult['float'];
    let quantization: QuantizationSummary | undefined;
    if (quantize) {
      float = { dev: evaluate(result.best, result.dev), ...(hasTest ? { test: evaluate(result.best, test) } : {}) };
      const quantized = quantizeTextClassifier({ model: result.best, ...quantize });
      quantization = { ...quantized.quantization, modelBytes: buildOnnxModel(quantized).byteLength, floatModelBytes: buildOnnxModel(result.best).byteLength };
      exported = quantized;
      const rows = quantized.vocabulary.size + quantized.config.buckets;
      log(
        `quantized the epoch-${result.bestEpoch} model: int8 rows with a float32 scale each, ${quantization.folded ? `the linear layer folded into the table (${rows} x ${quantized.config.dim})` : `the embedding table (${rows} x ${quantized.config.dim})`}; ` +
          `model.onnx ${megabytes(quantization.modelBytes)} instead of ${megabytes(quantization.floatModelBytes)}`,
      );
    }
    const modelFiles = await exportModelDirectory(exported, outputDir);
    log(`exported the epoch-${result.bestEpoch} ${quantize ? 'quantized ' : ''}model to ${outputDir} (${modelFiles.join(', ')})`);
    const dev = evaluate(exported, result.dev);
    const testMetrics = hasTest ? evaluate(exported, test) : undefined;
    const scores = (metrics: ClassificationMetrics): string => `accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macroF1.toFixed(4)}`;
    if (testMetrics) {
      log(`test: ${scores(testMetrics)} on ${testMetrics.examples} examples${float?.test ? ` (quantized; float32: ${scores(float.test)})` : ''}`);
    } else if (float) {
      log(`dev: ${scores(dev)} on ${dev.examples} examples (quantized; float32: ${scores(float.dev)})`);
    }

    const metrics = {
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      labels: result.best.labels,
      problemType: result.best.problemType,
      examples: { train: options.train.length - (options.dev ? 0 : result.dev.length), dev: result.dev.length, test: test?.length ?? 0 },
      config: result.best.config,
      vocabularySize: result.best.vocabulary.size,
      ...(testMetrics ? { test: testMetrics } : {}),
      dev,
      ...(quantization && float ? { quantization, float } : {}),
      history: result.history.map(({ epoch, loss, dev: epochDev, examplesPerSecond, seconds }) => ({
        epoch,
        loss,
        devLoss: epochDev.loss,
        devAccuracy: epochDev.accuracy,
        devMacroF1: epochDev.macroF1,
        examplesPerSecond,
        seconds,
      })),
    };
    await writeFileAtomic(join(outputDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    return {
      outputDir,
      checkpointDir,
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      dev,
      ...(testMetrics ? { test: testMetrics } : {}),
      ...(quantization && float ? { float, quantization } : {}),
      history: result.history,
      files: [...modelFiles.map((file) => join(outputDir, file)), join(outputDir, 'metrics.json'), logPath, bestPath, finalPath],
    };
  } catch (error) {
    log(`failed: ${(error as Error).message}`);
    throw error;
  } finally {
    logFile.end();
    await finished(logFile);
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** One training.log line per event worth keeping (not per batch). */
export function describeEvent(event: TrainingEvent): string | undefined {
  switch (event.type) {
    case 'start':
      return `training on ${event.trainExamples} examples (dev ${event.devExamples}), labels ${event.labels.join(', ')}, vocabulary ${event.vocabularySize}, up to ${event.epochs} epochs of ${event.batchesPerEpoch} batches`;
    case 'epoch':
      return `epoch ${event.epoch}/${event.epochs}: loss ${event.loss.toFixed(4)}, dev loss ${event.devLoss.toFixed(4)}, dev macro-F1 ${event.devMacroF1.toFixed(4)}, dev accuracy ${event.devAccuracy.toFixed(4)}, ${Math.round(event.examplesPerSecond)} examples/s${event.improved ? ' (best so far)' : ''}`;
    case 'early-stop':
      return `stopping early after epoch ${event.epoch}: dev macro-F1 has not risen${event.minDelta > 0 ? ` by more than ${event.minDelta}` : ''} in ${event.patience} epochs (since epoch ${event.lastProgressEpoch}); best epoch ${event.bestEpoch}`;
    default:
      return undefined;
  }
}

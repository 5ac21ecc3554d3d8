/**
 * `@vertexkit/trainer`: a fastText-style text classifier trained in TypeScript and exported as an ONNX model
 * directory that `@vertexkit/serve` serves unchanged.
 * @packageDocumentation
 */
export { TrainerError, type TrainerErrorCode } from './lib/trainer-error.js';
export type { TextExample } from './lib/text-example.js';
export {
  TextClassifier,
  type ProblemType,
  type TextClassifierConfig,
  type TextClassifierWeights,
} from './lib/text-classifier.js';
export type { TrainingHyperparameters } from './lib/training-options.js';
export {
  trainTextClassifier,
  type TrainTextClassifierOptions,
  type TrainTextClassifierResult,
  type TrainingEvent,
  type EpochSummary,
} from './lib/train-text-classifier.js';
export { runTraining, describeEvent, type RunTrainingOptions, type RunTrainingResult, type QuantizationSummary } from './lib/run-training.js';
export { evaluate, type EvaluateOptions } from './lib/evaluate.js';
export {
  computeClassificationMetrics,
  type ClassificationMetrics,
  type LabelMetrics,
  type ComputeClassificationMetricsParams,
} from './lib/metrics.js';
export { sizeBigramBuckets, BIGRAM_BUCKETS_RANGE, type SizeBigramBucketsParams } from './lib/size-bigram-buckets.js';
export { splitExamples, type SplitExamplesOptions, type SplitExamplesResult } from './lib/split-examples.js';
export { exportModelDirectory, MODEL_DIRECTORY_FILES, type ExportModelDirectoryOptions } from './lib/export-model-directory.js';
export { quantizeTextClassifier, type QuantizeOptions, type QuantizeTextClassifierParams } from './lib/quantize-text-classifier.js';
export {
  QuantizedTextClassifier,
  type Int8RowTable,
  type QuantizationInfo,
  type QuantizedTextClassifierParams,
} from './lib/quantized-text-classifier.js';
export { saveCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './lib/checkpoint.js';
export { Vocabulary, PAD_TOKEN, UNK_TOKEN } from './lib/vocabulary.js';

// The job: CSVs in (from a folder or a bucket), a model directory out (to a folder or a bucket).
// Everything happens in a local scratch folder first, so a failed or interrupted run never leaves a
// half-written model at the destination: the model is published whole, manifest.json last.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deleteFile, fetchDataset, joinLocation, parseLocation, publishArtifacts, uploadDirectory } from '@vertexkit/storage';
import { runTraining, splitExamples, type RunTrainingResult, type TextExample, type TrainingEvent } from '@vertexkit/trainer';
import type { TrainSettings } from './cli.ts';
import { DataError } from './errors.ts';
import { readExamples, type ExamplesRead } from './read-examples.ts';

/** How the job reports as it goes. */
export interface TrainJobHooks {
  /** Training progress (per batch and per epoch). */
  onEvent?: (event: TrainingEvent) => void;
  /** One line about each step: fetching, reading, publishing. */
  onStatus?: (line: string) => void;
  /** The trainer's log lines (also written to training.log in the model directory). */
  onLog?: (line: string) => void;
  /** Stops the job (between batches, or between files of a transfer). */
  signal?: AbortSignal;
}

/** What the job did. */
export interface TrainJobResult {
  training: RunTrainingResult;
  /** Where the examples scored in `training.test` came from, if any were. */
  testFrom?: string;
  /** Where the model directory is now. */
  model: string;
  /** Files published into it, and their total size. */
  files: string[];
  bytes: number;
  /** Where the checkpoints are now, when they were kept. */
  checkpoints?: string;
}

const distinctLabels = (examples: readonly TextExample[]): string[] => [...new Set(examples.flatMap((example) => example.labels))].sort();

/** Fetch the data, read and check the CSVs, train, publish the model (and checkpoints). */
export async function trainJob(settings: TrainSettings, hooks: TrainJobHooks = {}): Promise<TrainJobResult> {
  const { signal } = hooks;
  const status = (line: string): void => hooks.onStatus?.(line);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-train-'));
  try {
    const data = parseLocation(settings.data).uri;
    status(`fetching ${data}`);
    const files = await fetchDataset({
      from: settings.data,
      to: path.join(scratch, 'data'),
      required: ['train.csv'],
      optional: ['dev.csv', 'test.csv'],
      signal,
    });

    const multiLabel = settings.labelColumns !== undefined;
    const columns = { text: settings.textColumn, label: settings.labelColumn, labels: settings.labelColumns };
    const nameOf = (file: string): string => joinLocation(settings.data, file).uri;
    const read = (file: string, knownLabels?: { labels: string[]; from: string }): Promise<ExamplesRead> =>
      readExamples({ file: files[file] as string, name: nameOf(file), columns, delimiter: settings.delimiter, header: settings.header, knownLabels });

    const train = await read('train.csv');
    // Single-label: dev and test rows may only use labels the model can learn. Multi-label: the columns must match.
    const labels = train.labelColumns ?? distinctLabels(train.examples);
    const known = multiLabel ? undefined : { labels, from: nameOf('train.csv') };
    const optional = async (file: 'dev.csv' | 'test.csv'): Promise<TextExample[] | undefined> => {
      if (files[file] === undefined) return undefined;
      const result = await read(file, known);
      if (multiLabel && result.labelColumns?.join() !== labels.join()) {
        throw new DataError(`${nameOf(file)}: the label columns are ${result.labelColumns?.join(', ')}, but in train.csv ${labels.join(', ')}; give both files the same label columns`);
      }
      return result.examples;
    };
    const dev = await optional('dev.csv');
    let test = await optional('test.csv');
    let trainExamples = train.examples;
    let testFrom = test === undefined ? undefined : nameOf('test.csv');
    status(
      `read ${train.examples.length} training examples` +
        `${dev ? `, ${dev.length} dev` : ''}${test ? `, ${test.length} test` : ''}; labels: ${labels.join(', ')}`,
    );
    if (dev && settings.devSize !== undefined) status('dev.csv is there: --dev-size is not used');
    if (test && settings.testSize !== undefined) status('test.csv is there: --test-size is not used');
    if (test === undefined && settings.testSize !== undefined) {
      const split = splitExamples(trainExamples, { test: settings.testSize, seed: settings.seed });
      trainExamples = split.train;
      test = split.test;
      testFrom = `--test-size ${settings.testSize} of train.csv`;
    }

    const modelDir = path.join(scratch, 'model');
    const checkpointTarget = settings.checkpointDir === undefined ? undefined : parseLocation(settings.checkpointDir);
    // A local checkpoint folder is written as training goes; a bucket gets a copy at the end.
    const checkpointDir = checkpointTarget?.scheme === 'file' ? checkpointTarget.path : path.join(scratch, 'checkpoints');

    const training = await runTraining({
      train: trainExamples,
      ...(dev ? { dev } : {}),
      ...(test ? { test } : {}),
      ...(multiLabel ? { problemType: 'multi_label_classification' as const, labels } : {}),
      epochs: settings.epochs,
      patience: settings.patience,
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      seed: settings.seed,
      threshold: settings.threshold,
      devSize: settings.devSize,
      dim: settings.dim,
      ngrams: settings.ngrams,
      maxLength: settings.maxLength,
      outputDir: modelDir,
      checkpointDir,
      onEvent: hooks.onEvent,
      log: hooks.onLog,
      signal,
    });

    const model = parseLocation(settings.output).uri;
    status(`publishing the model to ${model}`);
    // Over an earlier model, its manifest goes first: while files are replaced, none claims they are complete.
    await deleteFile({ location: joinLocation(settings.output, 'manifest.json'), ignoreNotFound: true, signal });
    const published = await publishArtifacts({ from: modelDir, to: settings.output, signal });
    if (checkpointTarget?.scheme === 'gs') {
      status(`uploading checkpoints to ${checkpointTarget.uri}`);
      await uploadDirectory({ from: checkpointDir, to: checkpointTarget, signal });
    }
    return {
      training,
      ...(testFrom === undefined ? {} : { testFrom }),
      model,
      files: published.manifest.files.map((file) => file.path),
      bytes: published.manifest.totalBytes,
      ...(checkpointTarget ? { checkpoints: checkpointTarget.uri } : {}),
    };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

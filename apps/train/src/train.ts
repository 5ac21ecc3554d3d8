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

// Characters people join several labels with in one column. Not "/": classes such as "Sci/Tech" are common.
const LIKELY_LABEL_DELIMITERS = ['|', ';', ','];

/** Single-label training on labels such as "tech|food": a DataError that says how to train multi-label, or to keep them. */
function checkJoinedLabels(examples: readonly TextExample[], file: string, csvDelimiter: string): void {
  const labels = distinctLabels(examples);
  for (const joiner of LIKELY_LABEL_DELIMITERS.filter((candidate) => candidate !== csvDelimiter)) {
    const joined = labels.filter((label) => label.split(joiner).filter((part) => part.trim() !== '').length > 1);
    if (joined.length === 0) continue;
    const shown = joined.slice(0, 3).map((label) => JSON.stringify(label)).join(', ');
    throw new DataError(
      `${file}: ${joined.length} of the ${labels.length} labels hold "${joiner}" (${shown}${joined.length > 3 ? ', ...' : ''}), as several labels joined in one column would; ` +
        `to train multi-label, add --label-delimiter '${joiner}'; to keep each value as one label, add --no-label-delimiter`,
    );
  }
}

/** Fetch the data, read and check the CSVs, train, publish the model (and checkpoints). */
export async function trainJob(settings: TrainSettings, hooks: TrainJobHooks = {}): Promise<TrainJobResult> {
  const { signal } = hooks;
  const status = (line: string): void => hooks.onStatus?.(line);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vertexkit-train-'));
  try {
    const data = parseLocation(settings.data).uri;
    status(`fetching ${data}`);
    const { trainFile, devFile, testFile } = settings;
    const files = await fetchDataset({
      from: settings.data,
      to: path.join(scratch, 'data'),
      required: [trainFile],
      optional: [devFile, testFile],
      signal,
    });

    const oneHot = settings.labelColumns !== undefined;
    const multiLabel = oneHot || typeof settings.labelDelimiter === 'string';
    const columns = {
      text: settings.textColumn,
      label: settings.labelColumn,
      labels: settings.labelColumns,
      ...(typeof settings.labelDelimiter === 'string' ? { labelDelimiter: settings.labelDelimiter } : {}),
    };
    const nameOf = (file: string): string => joinLocation(settings.data, file).uri;
    const read = (file: string, knownLabels?: { labels: string[]; from: string }): Promise<ExamplesRead> =>
      readExamples({ file: files[file] as string, name: nameOf(file), columns, delimiter: settings.delimiter, header: settings.header, knownLabels });

    const train = await read(trainFile);
    // "tech|food" as one class is almost never meant: stop before a model of joined classes is trained.
    if (settings.labelDelimiter === undefined && !oneHot) checkJoinedLabels(train.examples, nameOf(trainFile), settings.delimiter);
    // Dev and test rows may only use labels the model can learn. One-hot: the columns must match.
    const labels = train.labelColumns ?? distinctLabels(train.examples);
    const known = oneHot ? undefined : { labels, from: nameOf(trainFile) };
    const optional = async (file: string): Promise<TextExample[] | undefined> => {
      if (files[file] === undefined) return undefined;
      const result = await read(file, known);
      if (oneHot && result.labelColumns?.join() !== labels.join()) {
        throw new DataError(`${nameOf(file)}: the label columns are ${result.labelColumns?.join(', ')}, but in ${trainFile} ${labels.join(', ')}; give both files the same label columns`);
      }
      return result.examples;
    };
    const dev = await optional(devFile);
    let test = await optional(testFile);
    let trainExamples = train.examples;
    let testFrom = test === undefined ? undefined : nameOf(testFile);
    status(
      `read ${train.examples.length} training examples` +
        `${dev ? `, ${dev.length} dev` : ''}${test ? `, ${test.length} test` : ''}; labels: ${labels.join(', ')}`,
    );
    if (dev && settings.devSize !== undefined) status(`warning: ${devFile} is there, so --dev-size ${settings.devSize} is ignored (${devFile} is the dev split)`);
    if (test && settings.testSize !== undefined) status(`warning: ${testFile} is there, so --test-size ${settings.testSize} is ignored (${testFile} is the test split)`);
    if (test === undefined && settings.testSize !== undefined) {
      const split = splitExamples(trainExamples, { test: settings.testSize, seed: settings.seed });
      trainExamples = split.train;
      test = split.test;
      testFrom = `--test-size ${settings.testSize} of ${trainFile}`;
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
      minDelta: settings.minDelta,
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      seed: settings.seed,
      threshold: settings.threshold,
      devSize: settings.devSize,
      dim: settings.dim,
      ngrams: settings.ngrams,
      buckets: settings.buckets,
      minCount: settings.minCount,
      maxLength: settings.maxLength,
      quantize: settings.quantize === true,
      outputDir: modelDir,
      checkpointDir,
      onEvent: hooks.onEvent,
      log: hooks.onLog,
      signal,
    });

    const model = parseLocation(settings.output).uri;
    status(`publishing the model to ${model}`);
    // Over an earlier model, its manifest goes first: while files are replaced, none claims they are complete.
    await deleteFile({ from: joinLocation(settings.output, 'manifest.json'), ignoreNotFound: true, signal });
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

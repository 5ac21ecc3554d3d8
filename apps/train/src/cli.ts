// The command line: every flag, its environment fallback and its check. Bad values stop here, before
// any data is read, with commander's `error: option '--epochs <n>' argument '0' is invalid. ...` line.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseLocation, StorageError } from '@vertexkit/storage';
import type { TrainingHyperparameters } from '@vertexkit/trainer';

/** What the command line asks for, checked. Training knobs left out fall back to the trainer's defaults. */
export interface TrainSettings
  extends Pick<
    TrainingHyperparameters,
    'epochs' | 'patience' | 'minDelta' | 'learningRate' | 'batchSize' | 'seed' | 'threshold' | 'devSize' | 'dim' | 'ngrams' | 'buckets' | 'maxLength' | 'minCount'
  > {
  /** Folder or prefix holding the training file, and optionally the dev and test files. */
  data: string;
  /** The files' names under `data` (default train.csv, dev.csv, test.csv). */
  trainFile: string;
  devFile: string;
  testFile: string;
  /** Where the model directory goes (local path or gs://). */
  output: string;
  /** Where checkpoints go (local path or gs://); unset: they are not kept. */
  checkpointDir?: string;
  /** Text column: a header name, or a 0-based index. */
  textColumn: string;
  /** Label column (single-label): a header name, or a 0-based index. */
  labelColumn: string;
  /** One-hot label columns (multi-label): header names or 0-based indexes. */
  labelColumns?: string[];
  /**
   * Multi-label from the label column: its value split on this (`tech|food`). `false` (--no-label-delimiter):
   * the value is one label whatever it holds. Undefined: one label, but a value that looks like several is an error.
   */
  labelDelimiter?: string | false;
  delimiter: string;
  /** The first row names the columns. */
  header: boolean;
  /** Held out of train.csv for testing when there is no test.csv: a fraction or a count. */
  testSize?: number;
  /** Export an 8-bit model (the trainer's `quantize`); metrics.json scores it, beside the float model. */
  quantize?: boolean;
  verbose: boolean;
}

const EXAMPLES = `
Data: train.csv (required), dev.csv and test.csv (optional) under --data, one example per row
(other names: --train-file, --dev-file, --test-file). Without dev.csv, --dev-size of train.csv is held
out for early stopping; without test.csv, --test-size (if given) is held out and scored with the best model.

Early stopping: training stops after --patience epochs in which the dev macro-F1 did not rise (by more
than --min-delta). The dev loss never counts as progress on its own: it only picks, among epochs tied
on dev macro-F1, the model that is kept (the lower loss wins).

Examples:
  # a local folder standing in for a bucket; columns "text" and "label"
  $ vertexkit-train --data ./bucket/spam/ --output ./bucket/models/spam/

  # the same, exported as an 8-bit model (served the same way, a fraction of the size)
  $ vertexkit-train --data ./bucket/spam/ --output ./bucket/models/spam-int8/ --quantize

  # Cloud Storage in, Cloud Storage out; columns by position, tab-separated, no header row
  $ vertexkit-train --data gs://my-bucket/spam/ --output gs://my-bucket/models/spam/ \\
      --no-header --text-column 1 --label-column 0 --delimiter '\\t'

  # multi-label: one 0/1 column per label
  $ vertexkit-train --data ./toxic/ --output ./models/toxic/ \\
      --text-column comment_text --label-columns toxic,obscene,insult,threat --threshold 0.4

  # multi-label: the labels of a row in one column, as "tech|food"
  $ vertexkit-train --data ./news/ --output ./models/news/ --label-column tags --label-delimiter '|'

  # on Vertex AI: --output and --checkpoint-dir come from AIP_MODEL_DIR and AIP_CHECKPOINT_DIR
  $ vertexkit-train --data /gcs/my-bucket/spam/ --epochs 20

  # submit that job to Vertex AI (the image runs src/main.ts); --print-gcloud shows the gcloud command instead
  $ vertexkit-train --submit --project my-project --image us-docker.pkg.dev/my-project/train/app:1 \\
      --base-output-dir gs://my-bucket/runs/spam-1/ --data gs://my-bucket/spam/ --epochs 20

Modes: --local (the default) runs the training as a local Vertex AI custom job (@vertexkit/jobs' local
runner: a child process with the environment Vertex AI sets); --submit sends it to Vertex AI; --here
trains in this process, the default inside a job (CLOUD_ML_JOB_ID is set).

Exit status: 0 trained, 2 the command line is wrong (nothing was read), 1 the run failed
(the data, storage or training; the message names the file and line).`;

function integer(flag: string, min: number, example: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`Expected a whole number ${range}, e.g. ${flag} ${example}.`);
    }
    return n;
  };
}

function learningRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 10)) {
    throw new InvalidArgumentError('Expected a number above 0 and below 10, e.g. --learning-rate 0.05.');
  }
  return n;
}

function probability(flag: string, example: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n > 0 && n < 1)) {
      throw new InvalidArgumentError(`Expected a number between 0 and 1 (exclusive), e.g. ${flag} ${example}.`);
    }
    return n;
  };
}

/** A held-out share: a fraction of the examples (0.1) or a count (500), as the trainer's split takes it. */
function heldOut(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (n >= 1 && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`Expected a fraction between 0 and 1 (${flag} 0.1 holds out 10%) or a whole number of examples (${flag} 500).`);
    }
    return n;
  };
}

function location(value: string): string {
  try {
    parseLocation(value);
    return value;
  } catch (error) {
    if (StorageError.isInstance(error)) throw new InvalidArgumentError(`${error.message}.`);
    throw error;
  }
}

function delimiter(value: string): string {
  // A shell passes '\t' through as backslash-t; "tab" is easier to type than a literal tab.
  const resolved = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  // One character, as CSV has it: a longer one would only fail later, deep in the parser, on the first quote.
  if ([...resolved].length !== 1 || /[\r\n"]/.test(resolved)) {
    throw new InvalidArgumentError(`Expected one character between fields, e.g. --delimiter ';' or --delimiter '\\t' (or tab); not empty, several characters, a quote or a line break.`);
  }
  return resolved;
}

function labelDelimiter(value: string): string {
  if (value === '' || /[\r\n]/.test(value) || value.trim() === '' && value !== ' ') {
    throw new InvalidArgumentError(`Expected what separates the labels in the label column, e.g. --label-delimiter '|' for "tech|food".`);
  }
  return value;
}

function fileName(flag: string, example: string) {
  return (value: string): string => {
    if (value.trim() === '' || value.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(value) || value.split(/[\\/]/).includes('..')) {
      throw new InvalidArgumentError(`Expected a file name under --data, e.g. ${flag} ${example}; not a path of its own (put the folder in --data).`);
    }
    return value;
  };
}

function minDelta(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1)) {
    throw new InvalidArgumentError('Expected a rise of the dev macro-F1 from 0 to below 1, e.g. --min-delta 0.005.');
  }
  return n;
}

function labelList(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\S*)\s*$/.exec(pair);
    if (!match) throw new InvalidArgumentError('Expected key=value pairs separated by commas, e.g. --labels team=ml,dataset=spam.');
    labels[match[1] as string] = match[2] as string;
  }
  return labels;
}

function columnList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new InvalidArgumentError('Expected column names or 0-based indexes separated by commas, e.g. --label-columns toxic,obscene,insult.');
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new InvalidArgumentError(`Column "${duplicate}" is listed twice; list each label column once.`);
  return names;
}

const isIndex = (column: string): boolean => /^\d+$/.test(column);

/** The commander program, with its help text. */
export function createProgram(): Command {
  return new Command('vertexkit-train')
    .description('Train a text classifier from CSV files in a folder or a Cloud Storage prefix, and write an ONNX model directory that @vertexkit/serve serves.')
    .optionsGroup('Data and output:')
    .addOption(new Option('--data <prefix>', 'folder or prefix with train.csv (dev.csv, test.csv optional): a path, file://, gs:// or /gcs/').argParser(location).makeOptionMandatory())
    .addOption(new Option('--output <dir>', 'where the model directory goes: a path, file:// or gs://').env('AIP_MODEL_DIR').argParser(location))
    .addOption(new Option('--train-file <name>', 'the training file under --data (default train.csv)').default('train.csv').argParser(fileName('--train-file', 'spam-train.csv')))
    .addOption(new Option('--dev-file <name>', 'the dev file under --data, used when present (default dev.csv)').default('dev.csv').argParser(fileName('--dev-file', 'valid.csv')))
    .addOption(new Option('--test-file <name>', 'the test file under --data, used when present (default test.csv)').default('test.csv').argParser(fileName('--test-file', 'holdout.csv')))
    .addOption(new Option('--checkpoint-dir <dir>', 'where best and final checkpoints go (default: not kept)').env('AIP_CHECKPOINT_DIR').argParser(location))
    .addOption(new Option('--no-checkpoint-dir', 'keep no checkpoints, even when AIP_CHECKPOINT_DIR is set'))
    .optionsGroup('Columns:')
    .addOption(new Option('--text-column <name|index>', 'the text: a header name or a 0-based index (default: "text", or 0 with --no-header)'))
    .addOption(new Option('--label-column <name|index>', 'the label, one per row (default: "label", or 1 with --no-header)').conflicts('labelColumns'))
    .addOption(new Option('--label-columns <names>', 'multi-label: one-hot 0/1 columns, comma-separated; their header names are the labels').argParser(columnList))
    .addOption(new Option('--label-delimiter <text>', "multi-label: the label column holds a row's labels joined by this, e.g. '|' for tech|food").argParser(labelDelimiter).conflicts('labelColumns'))
    .addOption(new Option('--no-label-delimiter', 'the label column holds one label per row, even one with | ; or , in it'))
    .addOption(new Option('--delimiter <char>', "field separator; '\\t' or tab for TSV").default(',').argParser(delimiter))
    .addOption(new Option('--no-header', 'the first row is data: name columns by index'))
    .optionsGroup('Training:')
    .addOption(new Option('--epochs <n>', 'most passes over the training examples (default 10)').argParser(integer('--epochs', 1, 20)))
    .addOption(new Option('--patience <n>', 'stop after this many epochs in which the dev macro-F1 did not rise (default 3; see Early stopping below)').argParser(integer('--patience', 1, 5)))
    .addOption(new Option('--min-delta <x>', 'the least rise of the dev macro-F1 that counts for --patience (default 0: any rise)').argParser(minDelta))
    .addOption(new Option('--learning-rate <rate>', "Adam's step size (default 0.01)").argParser(learningRate))
    .addOption(new Option('--batch-size <n>', 'examples per gradient step (default 32)').argParser(integer('--batch-size', 1, 64)))
    .addOption(new Option('--seed <n>', 'seed of the splits, the shuffling and the initial weights (default 42)').argParser(integer('--seed', 0, 7)))
    .addOption(new Option('--threshold <p>', 'multi-label: a label is predicted when its score is at least this (default 0.5)').argParser(probability('--threshold', 0.4)))
    .addOption(new Option('--dev-size <n>', 'without dev.csv: fraction or count of train.csv held out for early stopping (default 0.1)').argParser(heldOut('--dev-size')))
    .addOption(new Option('--test-size <n>', 'without test.csv: fraction or count of train.csv held out and scored at the end').argParser(heldOut('--test-size')))
    .optionsGroup('Model:')
    .addOption(new Option('--dim <n>', 'embedding width (default 64)').argParser(integer('--dim', 1, 128, 4096)))
    .addOption(new Option('--ngrams <1|2>', '1: words; 2: words and word pairs (default 2)').argParser(integer('--ngrams', 1, 1, 2)))
    .addOption(new Option('--buckets <n>', 'hash rows for word pairs (default: sized from the data, 1,024 to 262,144)').argParser(integer('--buckets', 1, 65536, 2 ** 26)))
    .addOption(new Option('--min-count <n>', 'words seen fewer times in training become unknown (default 2)').argParser(integer('--min-count', 1, 3)))
    .addOption(new Option('--max-length <words>', 'words read from each text, in training and serving (default 512)').argParser(integer('--max-length', 1, 256)))
    .addOption(new Option('--quantize', 'export an 8-bit model: int8 table rows with a scale each, the linear layer folded in (SpamAssassin: model.onnx 2.3 MB float -> 1.7 MB); the scores are the 8-bit model\'s, the float one\'s beside them'))
    .optionsGroup('Where it runs (default: --local, or --here inside a job):')
    .addOption(new Option('--local', 'run as a local Vertex AI custom job: a child process with the environment Vertex AI sets').conflicts(['submit', 'here']))
    .addOption(new Option('--submit', 'submit a Vertex AI custom job that runs --image with these training flags').conflicts('here'))
    .addOption(new Option('--here', 'train in this process (what the container runs; the default when CLOUD_ML_JOB_ID is set)'))
    .optionsGroup('The custom job (--local, --submit):')
    .addOption(new Option('--image <uri>', 'the training image (--submit: required; --local: only named in the spec, this checkout runs)'))
    .addOption(new Option('--base-output-dir <dir>', 'the job\'s output root: AIP_MODEL_DIR is <dir>/model/ (--submit: a gs:// prefix, required; --local: default .vertexkit/jobs/<id>/)').argParser(location))
    .addOption(new Option('--machine-type <type>', 'machine of the replica (default n1-standard-4)'))
    .addOption(new Option('--accelerator-type <type>', 'e.g. NVIDIA_TESLA_T4'))
    .addOption(new Option('--accelerator-count <n>', 'accelerators per replica (default 1 with --accelerator-type)').argParser(integer('--accelerator-count', 1, 1)))
    .addOption(new Option('--display-name <name>', 'the job\'s name (default vertexkit-train-<timestamp>)'))
    .addOption(new Option('--labels <k=v,...>', 'labels of the job, e.g. team=ml,dataset=spam').argParser(labelList))
    .addOption(new Option('--project <id>', '--submit: the Google Cloud project').env('GOOGLE_CLOUD_PROJECT'))
    .addOption(new Option('--region <region>', '--submit: the Vertex AI region (default us-central1)'))
    .addOption(new Option('--service-account <email>', '--submit: the service account the job runs as'))
    .addOption(new Option('--no-wait', '--submit: print the job\'s name and return, without waiting for it'))
    .addOption(new Option('--print-gcloud', '--submit: print the equivalent gcloud command and submit nothing'))
    .optionsGroup('Other:')
    .addOption(new Option('--verbose', 'print stack traces with errors (also: DEBUG=1)'))
    .addHelpOption(new Option('-h, --help', 'show this help').helpGroup('Other:'))
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run with --help for the flags and examples)')
    .exitOverride();
}

type ParsedOptions = Omit<TrainSettings, 'output' | 'textColumn' | 'labelColumn' | 'verbose' | 'checkpointDir'> & {
  output?: string;
  checkpointDir?: string | false;
  verbose?: true;
  textColumn?: string;
  labelColumn?: string;
} & Partial<JobFlags> & { local?: true; submit?: true; here?: true; wait: boolean; printGcloud?: true };

/** Where the training runs. */
export type Mode = 'here' | 'local' | 'submit';

/** The flags that describe the custom job (--local and --submit). */
export interface JobFlags {
  image: string;
  baseOutputDir: string;
  machineType: string;
  acceleratorType: string;
  acceleratorCount: number;
  displayName: string;
  labels: Record<string, string>;
  project: string;
  region: string;
  serviceAccount: string;
}

/** What the command line asks for: the training settings, where they run, and the job around them. */
export interface Invocation {
  mode: Mode;
  /** For --local and --submit, `output` may be empty: the job's AIP_MODEL_DIR gives it. */
  settings: TrainSettings;
  job: Partial<JobFlags>;
  /** --submit: wait for the job to end (not with --no-wait). */
  wait: boolean;
  printGcloud: boolean;
  /** The training flags as the replica gets them (the mode and job flags left out). */
  trainArgs: string[];
}

const MODE_FLAGS = new Set(['local', 'submit', 'here']);
const JOB_FLAGS = new Set(['image', 'baseOutputDir', 'machineType', 'acceleratorType', 'acceleratorCount', 'displayName', 'labels', 'project', 'region', 'serviceAccount', 'wait', 'printGcloud']);
const SUBMIT_ONLY = ['project', 'region', 'serviceAccount', 'wait', 'printGcloud'];

/** The training flags that were given (on the command line, or from `sources` such as the environment), as argv. */
function trainingArgs(program: Command, options: Record<string, unknown>, sources: ReadonlySet<string>): string[] {
  const args: string[] = [];
  for (const option of program.options) {
    const key = option.attributeName();
    if (MODE_FLAGS.has(key) || JOB_FLAGS.has(key) || option.long === undefined) continue;
    const source = program.getOptionValueSource(key);
    const value = options[key];
    if (source === undefined || !sources.has(source) || value === undefined) continue;
    if (option.negate) {
      if (value === false) args.push(option.long);
    } else if (value === true) {
      args.push(option.long);
    } else if (value !== false) {
      const text = Array.isArray(value) ? value.join(',') : typeof value === 'number' ? String(value) : value === '\t' ? 'tab' : (value as string);
      args.push(option.long, text);
    }
  }
  return args;
}

/**
 * Parse and check the command line (`argv` without node and the script). Usage errors are printed by
 * commander and thrown as its `CommanderError` (so is --help, with exit code 0).
 */
export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, program: Command = createProgram()): Invocation {
  program.parse(argv, { from: 'user' });
  const options = program.opts<ParsedOptions>();
  const usage = (message: string): never => program.error(`error: ${message}`, { exitCode: 2, code: 'vertexkit.usage' });
  const given = (key: string): boolean => program.getOptionValueSource(key) === 'cli';
  const flag = (key: string): string => program.options.find((option) => option.attributeName() === key && !option.negate)?.long ?? (key === 'wait' ? '--no-wait' : key);

  const explicit: Mode | undefined = options.here ? 'here' : options.local ? 'local' : options.submit ? 'submit' : undefined;
  const mode: Mode = explicit ?? (options.printGcloud ? 'submit' : env.CLOUD_ML_JOB_ID ? 'here' : 'local');
  const misplaced = [...JOB_FLAGS].filter((key) => given(key) && (mode === 'here' || (mode === 'local' && SUBMIT_ONLY.includes(key))));
  if (misplaced.length > 0) {
    const key = misplaced[0] as string;
    usage(`${flag(key)} applies to ${SUBMIT_ONLY.includes(key) ? '--submit' : '--local and --submit'}, not to --${mode}`);
  }

  if (options.output === undefined && mode === 'here') {
    usage('--output is required: the folder or gs:// prefix for the model directory (on Vertex AI, AIP_MODEL_DIR sets it)');
  }
  const multiLabel = options.labelColumns !== undefined || typeof options.labelDelimiter === 'string';
  if (options.threshold !== undefined && !multiLabel) {
    usage('--threshold applies to multi-label training; add --label-columns or --label-delimiter, or drop --threshold');
  }
  if (options.ngrams === 1 && options.buckets !== undefined) {
    usage('--buckets sizes the table of word pairs, which --ngrams 1 does not use; drop one of them');
  }
  const files = [['--train-file', options.trainFile], ['--dev-file', options.devFile], ['--test-file', options.testFile]] as const;
  for (const [i, [name, file]] of files.entries()) {
    const same = files.find(([, other], j) => j > i && other === file);
    if (same) usage(`${name} and ${same[0]} are both "${file}"; give each split its own file`);
  }
  if (!options.header) {
    if (options.labelColumns !== undefined) {
      usage('--label-columns needs a header row: the column names become the label names; drop --no-header');
    }
    for (const [name, column] of [['--text-column', options.textColumn], ['--label-column', options.labelColumn]] as const) {
      if (column !== undefined && !isIndex(column)) {
        usage(`${name} "${column}" is a name, but with --no-header columns have no names; give its 0-based index, e.g. ${name} 0`);
      }
    }
  }
  const textColumn = options.textColumn ?? (options.header ? 'text' : '0');
  const labelColumn = options.labelColumn ?? (options.header ? 'label' : '1');
  if (options.labelColumns === undefined ? textColumn === labelColumn : options.labelColumns.includes(textColumn)) {
    usage(`column "${textColumn}" is both the text and a label; set --text-column and --label-column${options.labelColumns ? 's' : ''} to different columns`);
  }

  if (mode === 'submit') {
    if (options.image === undefined) usage('--submit needs --image: the training image Vertex AI runs, e.g. --image us-docker.pkg.dev/my-project/train/app:1');
    if (options.project === undefined) usage('--submit needs --project (or GOOGLE_CLOUD_PROJECT): the Google Cloud project of the job');
    if (options.baseOutputDir === undefined || parseLocation(options.baseOutputDir).scheme !== 'gs') {
      usage('--submit needs --base-output-dir gs://...: Vertex AI sets AIP_MODEL_DIR (<dir>/model/) and AIP_CHECKPOINT_DIR from it');
    }
    // The job runs on Google's machines: it reads and writes Cloud Storage, not this disk.
    for (const key of ['data', 'output', 'checkpointDir'] as const) {
      const value = options[key];
      if (typeof value === 'string' && given(key) && parseLocation(value).scheme !== 'gs') {
        usage(`${flag(key)} ${value} is on this machine, but a submitted job runs on Vertex AI: give a gs:// (or /gcs/) location`);
      }
    }
  }
  if (options.acceleratorCount !== undefined && options.acceleratorType === undefined) {
    usage('--accelerator-count needs --accelerator-type, e.g. --accelerator-type NVIDIA_TESLA_T4');
  }

  const job: Partial<JobFlags> = {};
  for (const key of JOB_FLAGS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && key !== 'wait' && key !== 'printGcloud') (job as Record<string, unknown>)[key] = value;
  }
  // Locally, values from this shell's AIP_* variables are passed on as flags: the job's own would replace them.
  const trainArgs = trainingArgs(program, options, new Set(mode === 'local' ? ['cli', 'env'] : ['cli']));
  const training = Object.fromEntries(
    Object.entries(options).filter(([key]) => !MODE_FLAGS.has(key) && !JOB_FLAGS.has(key) && key !== 'checkpointDir'),
  ) as Omit<ParsedOptions, 'checkpointDir'>;
  const { checkpointDir } = options;
  const settings: TrainSettings = {
    ...training,
    ...(typeof checkpointDir === 'string' ? { checkpointDir } : {}),
    output: options.output ?? '',
    textColumn,
    labelColumn,
    verbose: options.verbose === true,
  };
  return { mode, settings, job, wait: options.wait, printGcloud: options.printGcloud === true, trainArgs };
}

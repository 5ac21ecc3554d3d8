// Every way a user can get the command line or the CSVs wrong ends with one clear line, no stack trace,
// and the exit status: 2 for the command line (before anything is read), 1 for the data.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test, type ExpectStatic } from 'vitest';
import { runCli, spamRows, type CliRun } from './helpers.ts';

let work: string;
let good: string;

const csv = (rows: ReadonlyArray<readonly string[]>): string => rows.map((row) => row.join(',')).join('\n') + '\n';

/** A data folder holding `files` (name -> content). */
async function dataset(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await fs.writeFile(path.join(dir, file), content);
  return dir;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-train-errors-'));
  good = await dataset('good', { 'train.csv': csv([['text', 'label'], ...spamRows(40).map((row) => [row.text, row.label])]) });
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

const noStack = (run: CliRun): boolean => !/\n\s+at /.test(run.stderr + run.stdout);

describe.concurrent('usage errors exit 2 before reading anything', () => {
  const cases: Array<[string, string[], string]> = [
    ['no flags', [], "error: required option '--data <prefix>' not specified"],
    // Only training in this process needs it: a job's AIP_MODEL_DIR gives it (see modes.test.ts).
    ['no output and no AIP_MODEL_DIR', ['--data', 'DATA', '--here'], 'error: --output is required: the folder or gs:// prefix for the model directory (on Vertex AI, AIP_MODEL_DIR sets it)'],
    ['epochs not a number', ['--data', 'DATA', '--output', 'OUT', '--epochs', 'ten'], "error: option '--epochs <n>' argument 'ten' is invalid. Expected a whole number >= 1, e.g. --epochs 20."],
    ['epochs zero', ['--data', 'DATA', '--output', 'OUT', '--epochs', '0'], "error: option '--epochs <n>' argument '0' is invalid. Expected a whole number >= 1, e.g. --epochs 20."],
    ['batch size fractional', ['--data', 'DATA', '--output', 'OUT', '--batch-size', '2.5'], "error: option '--batch-size <n>' argument '2.5' is invalid. Expected a whole number >= 1"],
    ['learning rate negative', ['--data', 'DATA', '--output', 'OUT', '--learning-rate', '-1'], "error: option '--learning-rate <rate>' argument '-1' is invalid. Expected a number above 0 and below 10, e.g. --learning-rate 0.05."],
    ['ngrams 3', ['--data', 'DATA', '--output', 'OUT', '--ngrams', '3'], "error: option '--ngrams <1|2>' argument '3' is invalid. Expected a whole number from 1 to 2, e.g. --ngrams 1."],
    ['dev size 1.5', ['--data', 'DATA', '--output', 'OUT', '--dev-size', '1.5'], "error: option '--dev-size <n>' argument '1.5' is invalid. Expected a fraction between 0 and 1 (--dev-size 0.1 holds out 10%) or a whole number of examples (--dev-size 500)."],
    ['threshold out of range', ['--data', 'DATA', '--output', 'OUT', '--label-columns', 'a,b', '--threshold', '1.5'], "error: option '--threshold <p>' argument '1.5' is invalid. Expected a number between 0 and 1 (exclusive), e.g. --threshold 0.4."],
    ['threshold without multi-label', ['--data', 'DATA', '--output', 'OUT', '--threshold', '0.3'], 'error: --threshold applies to multi-label training; add --label-columns or --label-delimiter, or drop --threshold'],
    ['a delimiter of two characters', ['--data', 'DATA', '--output', 'OUT', '--delimiter', ';;'], "error: option '--delimiter <char>' argument ';;' is invalid. Expected one character between fields, e.g. --delimiter ';' or --delimiter '\\t' (or tab); not empty, several characters, a quote or a line break."],
    ['label delimiter and label columns', ['--data', 'DATA', '--output', 'OUT', '--label-columns', 'a,b', '--label-delimiter', '|'], "error: option '--label-delimiter <text>' cannot be used with option '--label-columns <names>'"],
    ['min delta of 1', ['--data', 'DATA', '--output', 'OUT', '--min-delta', '1'], "error: option '--min-delta <x>' argument '1' is invalid. Expected a rise of the dev macro-F1 from 0 to below 1, e.g. --min-delta 0.005."],
    ['buckets with --ngrams 1', ['--data', 'DATA', '--output', 'OUT', '--ngrams', '1', '--buckets', '4096'], 'error: --buckets sizes the table of word pairs, which --ngrams 1 does not use; drop one of them'],
    ['a --train-file path of its own', ['--data', 'DATA', '--output', 'OUT', '--train-file', '../other/train.csv'], "error: option '--train-file <name>' argument '../other/train.csv' is invalid. Expected a file name under --data, e.g. --train-file spam-train.csv; not a path of its own (put the folder in --data)."],
    ['the same file for two splits', ['--data', 'DATA', '--output', 'OUT', '--dev-file', 'all.csv', '--test-file', 'all.csv'], 'error: --dev-file and --test-file are both "all.csv"; give each split its own file'],
    ['unsupported scheme', ['--data', 's3://bucket/spam/', '--output', 'OUT'], 'error: option \'--data <prefix>\' argument \'s3://bucket/spam/\' is invalid. "s3://bucket/spam/": the s3:// scheme is not supported; use gs://bucket/path, file:///path or a local path.'],
    ['bad bucket name', ['--data', 'DATA', '--output', 'gs://My_Bucket/models/'], '"My_Bucket" is not a valid bucket name'],
    ['label column and label columns', ['--data', 'DATA', '--output', 'OUT', '--label-column', 'label', '--label-columns', 'a,b'], "error: option '--label-column <name|index>' cannot be used with option '--label-columns <names>'"],
    ['label columns listed twice', ['--data', 'DATA', '--output', 'OUT', '--label-columns', 'a,b,a'], 'Column "a" is listed twice; list each label column once.'],
    ['column name without a header', ['--data', 'DATA', '--output', 'OUT', '--no-header', '--text-column', 'body'], 'error: --text-column "body" is a name, but with --no-header columns have no names; give its 0-based index, e.g. --text-column 0'],
    ['same column for text and label', ['--data', 'DATA', '--output', 'OUT', '--text-column', 'body', '--label-column', 'body'], 'error: column "body" is both the text and a label; set --text-column and --label-column to different columns'],
    ['empty delimiter', ['--data', 'DATA', '--output', 'OUT', '--delimiter', ''], "error: option '--delimiter <char>' argument '' is invalid."],
    ['unknown flag', ['--data', 'DATA', '--output', 'OUT', '--epoch', '3'], "error: unknown option '--epoch'\n(Did you mean --epochs?)"],
  ];
  test.for(cases)('%s', async ([, args, message], { expect }) => {
    const run = await runCli(args);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('(run with --help for the flags and examples)');
    expect(run.code).toBe(2);
    expect(noStack(run)).toBe(true);
  });

  test('a bad AIP_MODEL_DIR is named as coming from the environment', async ({ expect }) => {
    const run = await runCli(['--data', 'DATA'], { AIP_MODEL_DIR: 'ftp://host/model/' });
    expect(run.stderr).toContain("error: option '--output <dir>' value 'ftp://host/model/' from env 'AIP_MODEL_DIR' is invalid.");
    expect(run.code).toBe(2);
  });

  test('--help exits 0 with the flags, the Vertex AI variables and examples', async ({ expect }) => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--label-columns <names>');
    expect(run.stdout).toContain('(env: AIP_MODEL_DIR)');
    expect(run.stdout).toContain('(env: AIP_CHECKPOINT_DIR)');
    expect(run.stdout).toContain('$ vertexkit-train --data ./bucket/spam/ --output ./bucket/models/spam/');
    // The early-stopping rule, ties included, is in the help.
    expect(run.stdout).toContain('The dev loss never counts as progress on its own: it only picks, among epochs tied\non dev macro-F1, the model that is kept (the lower loss wins).');
    expect(run.stdout).toContain('--min-delta <x>');
    expect(run.stdout).toMatch(/--quantize +export an 8-bit model/);
    expect(run.stdout).toContain('$ vertexkit-train --data ./bucket/spam/ --output ./bucket/models/spam-int8/ --quantize');
  });
});

describe.concurrent('data errors exit 1 and name the file, the line and the fix', () => {
  const train = async (files: Record<string, string>, ...flags: string[]): Promise<CliRun> => {
    const dir = await dataset(`case-${Math.random().toString(36).slice(2)}`, files);
    return runCli(['--data', dir, '--output', path.join(dir, 'model'), '--ngrams', '1', '--epochs', '1', ...flags]);
  };
  const expectDataError = (run: CliRun, expect: ExpectStatic, message: string | RegExp): void => {
    if (typeof message === 'string') expect(run.stderr).toContain(message);
    else expect(run.stderr).toMatch(message);
    expect(run.code).toBe(1);
    expect(noStack(run)).toBe(true);
    expect(run.stdout).not.toContain('training on');
  };

  test('no train.csv: lists what is there', async ({ expect }) => {
    const run = await train({ 'data.csv': csv([['text', 'label'], ['a', 'b']]) });
    expectDataError(run, expect, /error: fetchDataset: required file "train.csv" not found under .*; found: data\.csv\. Upload train\.csv there/);
  });

  test('missing text column: names it and lists the header', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['message', 'label'], ['hello', 'ham']]) });
    expectDataError(run, expect, /error: --text-column "text" is not a column of .*train\.csv; its columns are: message, label\n/);
  });

  test('column index past the last column', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'label'], ['hello', 'ham']]) }, '--label-column', '2');
    expectDataError(run, expect, /--label-column 2 is past the last column of .*train\.csv: it has 2 \(text, label\); indexes start at 0/);
  });

  test('empty file', async ({ expect }) => {
    const run = await train({ 'train.csv': '' });
    expectDataError(run, expect, /error: .*train\.csv is empty; a CSV with a header starts with a row of column names/);
  });

  test('a header and no rows', async ({ expect }) => {
    const run = await train({ 'train.csv': 'text,label\n' });
    expectDataError(run, expect, /error: .*train\.csv has a header but no rows/);
  });

  test('empty text: file and line (blank lines and quoted line breaks counted)', async ({ expect }) => {
    const run = await train({ 'train.csv': 'text,label\n"two\nlines",ham\n\nhello,spam\n  ,ham\n' });
    expectDataError(run, expect, /error: .*train\.csv line 6: the text \(column "text"\) is empty; fill it in or remove the row/);
  });

  test('empty label', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'label'], ['hello', 'ham'], ['free money', '']]) });
    expectDataError(run, expect, /error: .*train\.csv line 3: the label \(column "label"\) is empty; every row needs one/);
  });

  test('a row with too many fields', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'label'], ['hello, there', 'ham']]) });
    expectDataError(run, expect, /error: .*train\.csv line 2: the row has 3 fields, the header 2; quote fields that contain "," or line breaks/);
  });

  test('an unclosed quote (reported by storage, against the source name)', async ({ expect }) => {
    const run = await train({ 'train.csv': 'text,label\nhello,ham\n"free money,spam\n' });
    expectDataError(run, expect, /error: .*case-\w+\/train\.csv line 3: a quoted field starting on this line is never closed/);
    expect(run.stderr).not.toContain(os.tmpdir() + '/vertexkit-train-');
  });

  test('unknown label column in --label-columns', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'toxic', 'insult'], ['you', '1', '0']]) }, '--label-columns', 'toxic,threat');
    expectDataError(run, expect, /error: --label-columns "threat" is not a column of .*train\.csv; its columns are: text, toxic, insult/);
  });

  test('a one-hot value other than 0 or 1', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'toxic', 'insult'], ['you', '1', '0'], ['them', 'yes', '0']]) }, '--label-columns', 'toxic,insult');
    expectDataError(run, expect, /error: .*train\.csv line 3: column "toxic" holds "yes"; one-hot label columns hold 0 or 1/);
  });

  test('a dev label that train.csv does not have', async ({ expect }) => {
    const rows = spamRows(20).map((row) => [row.text, row.label]);
    const run = await train({ 'train.csv': csv([['text', 'label'], ...rows]), 'dev.csv': csv([['text', 'label'], ['hi', 'ham'], ['win', 'spma']]) });
    expectDataError(run, expect, /error: .*dev\.csv line 3: label "spma" does not occur in .*train\.csv \(its labels: ham, spam\)/);
  });

  test('a TSV file read as CSV: the missing column, and the delimiter its first line suggests', async ({ expect }) => {
    const run = await train({ 'train.csv': 'text\tlabel\nhello\tham\nfree money\tspam\n' });
    expectDataError(run, expect, /error: --text-column "text" is not a column of .*train\.csv; its columns are: text\tlabel; its first line has no ',' but 1 tab: add --delimiter '\\t'\n/);
  });

  test('a semicolon file with quotes read as CSV: the parser error, and the delimiter to use', async ({ expect }) => {
    const run = await train({ 'train.csv': 'text;label\n"hello, you";ham\n"free money";spam\n' });
    expectDataError(run, expect, /train\.csv line 2: .*; its first line has no ',' but 1 semicolon: add --delimiter ';'\n/);
  });

  test('labels joined with "|" in single-label training: stop, and say how to train multi-label', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'tags'], ['cpu code', 'tech'], ['pizza', 'food'], ['cpu pizza', 'food|tech']]) }, '--label-column', 'tags');
    expectDataError(
      run,
      expect,
      /error: .*train\.csv: 1 of the 3 labels hold "\|" \("food\|tech"\), as several labels joined in one column would; to train multi-label, add --label-delimiter '\|'; to keep each value as one label, add --no-label-delimiter\n/,
    );
  });

  test('a single label: the trainer says what it needs', async ({ expect }) => {
    const run = await train({ 'train.csv': csv([['text', 'label'], ['hi', 'ham'], ['hello', 'ham'], ['hey', 'ham']]) }, '--dev-size', '1');
    expectDataError(run, expect, 'error: labels: found ["ham"] in the training examples; a single-label classifier needs at least 2 labels');
  });

  test('the good data set trains (the cases above differ from it in one thing each)', async ({ expect }) => {
    const run = await runCli(['--data', good, '--output', path.join(work, 'good-model'), '--ngrams', '1', '--epochs', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

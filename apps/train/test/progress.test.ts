// The two faces of progress: a bar on a terminal, plain log lines anywhere else.
import { expect, test } from 'vitest';
import type { TrainingEvent } from '@vertexkit/trainer';
import { createProgressReporter } from '../src/progress.ts';

/** Collects what is written; `isTTY` as a terminal (or a pipe) reports it. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 100,
    write: (chunk: string) => chunks.push(chunk) > 0,
    text: () => chunks.join(''),
  } as unknown as NodeJS.WriteStream & { text: () => string };
}

const events: TrainingEvent[] = [
  { type: 'start', trainExamples: 90, devExamples: 10, labels: ['ham', 'spam'], vocabularySize: 120, epochs: 2, batchesPerEpoch: 3 },
  ...[1, 2, 3].map((batch): TrainingEvent => ({ type: 'batch', epoch: 1, batch, batches: 3, loss: 0.5 / batch })),
  { type: 'epoch', epoch: 1, epochs: 2, loss: 0.4, devLoss: 0.3, devMacroF1: 0.9, devAccuracy: 0.92, examplesPerSecond: 1234.5, seconds: 0.07, improved: true, bestEpoch: 1 },
  ...[1, 2, 3].map((batch): TrainingEvent => ({ type: 'batch', epoch: 2, batch, batches: 3, loss: 0.2 / batch })),
  { type: 'epoch', epoch: 2, epochs: 2, loss: 0.2, devLoss: 0.31, devMacroF1: 0.88, devAccuracy: 0.9, examplesPerSecond: 2000, seconds: 0.05, improved: false, bestEpoch: 1 },
];

const EPOCH_1 = 'epoch 1/2: loss 0.4000, dev loss 0.3000, dev macro-F1 0.9000, dev accuracy 0.9200, 1235 examples/s (best so far)\n';

test('not a terminal: one line for the start and one per epoch, nothing per batch', () => {
  const stream = fakeStream(false);
  const progress = createProgressReporter(stream);
  for (const event of events) progress.onEvent(event);
  const lines = stream.text().split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toBe('training on 90 examples (dev 10), labels ham, spam, vocabulary 120, up to 2 epochs of 3 batches');
  expect(`${lines[1]}\n`).toBe(EPOCH_1);
  expect(lines[2]).toMatch(/^epoch 2\/2: .*2000 examples\/s$/);
});

test('a terminal: a bar over each epoch\'s batches, replaced by the epoch\'s line', () => {
  const stream = fakeStream(true);
  const progress = createProgressReporter(stream);
  for (const event of events) progress.onEvent(event);
  progress.stop();
  const text = stream.text();
  expect(text).toContain('epoch 1 ');
  expect(text).toContain('3/3 batches  loss 0.1667');
  expect(text).toContain(EPOCH_1);
  // The bar hides the cursor while it draws and shows it again when it stops.
  expect(text.lastIndexOf('\u001b[?25h')).toBeGreaterThan(text.lastIndexOf('\u001b[?25l'));
});

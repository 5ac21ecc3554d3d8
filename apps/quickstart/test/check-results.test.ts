// The checks that make `npm start` fail when a step's output is wrong, not only when a process exits non-zero.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkServedResults, readTrainedScores, type ServedResults } from '../src/check-results.ts';
import { scoreLabels } from '../src/metrics.ts';

const expected = ['ham', 'ham', 'spam', 'spam', 'ham'];
const served = scoreLabels(expected, ['ham', 'ham', 'spam', 'ham', 'ham']);
const trained = { examples: served.examples, accuracy: served.accuracy, macroF1: served.macroF1 };
const good: ServedResults = { trained, served, sent: 5, requests: 5, answered: 5 };

describe('checkServedResults', () => {
  test('nothing to report when the served scores are training’s and every request was answered', () => {
    expect(checkServedResults(good)).toEqual([]);
  });

  test('a served macro-F1 below what training reported', () => {
    const worse = scoreLabels(expected, ['ham', 'spam', 'spam', 'ham', 'ham']);
    expect(checkServedResults({ ...good, served: worse })).toEqual([
      `served macro-F1 ${worse.macroF1.toFixed(4)} differs from the ${trained.macroF1.toFixed(4)} training reported on the same messages: the server is not answering with the model that was trained`,
      `served accuracy 0.6000 differs from the 0.8000 training reported on the same messages: the server is not answering with the model that was trained`,
    ]);
  });

  test('fewer requests answered than sent', () => {
    expect(checkServedResults({ ...good, answered: 4 })).toEqual(['the server logged 4 answered predict requests, the client sent 5']);
  });

  test('scored on another test split than training', () => {
    expect(checkServedResults({ ...good, trained: { ...trained, examples: 6 } })).toEqual([
      'the server was scored on 5 test messages, training on 6: they should be the same test.csv',
    ]);
  });
});

describe('readTrainedScores', () => {
  test('reads test scores from metrics.json; a missing file or missing test scores is an error naming the file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vk-check-'));
    try {
      await expect(readTrainedScores(dir)).rejects.toThrow(`${path.join(dir, 'metrics.json')} is missing or unreadable`);
      await fs.writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ dev: { accuracy: 1 } }));
      await expect(readTrainedScores(dir)).rejects.toThrow('has no test scores');
      await fs.writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ test: { examples: 5, accuracy: 0.8, macroF1: 0.78, loss: 0.3 } }));
      expect(await readTrainedScores(dir)).toEqual({ examples: 5, accuracy: 0.8, macroF1: 0.78 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

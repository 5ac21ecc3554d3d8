// A run that exits 0 must have done what it printed. Each step's output is checked against what another
// part measured on its own: the served model's scores against the trainer's metrics.json for the same
// test.csv, the client's request count against the requests the server logged as answered. A mismatch
// means a broken path (a stale or different model served, requests lost or answered twice), so the
// quickstart fails with one line that says which numbers disagree.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ClassificationScores } from './metrics.ts';

/** What training measured on the test split (metrics.json in the model directory, written by @vertexkit/trainer). */
export interface TrainedScores {
  examples: number;
  accuracy: number;
  macroF1: number;
}

/** The trainer's own test scores from `<modelDir>/metrics.json`; throws when the file or its `test` scores are missing. */
export async function readTrainedScores(modelDir: string): Promise<TrainedScores> {
  const file = path.join(modelDir, 'metrics.json');
  let metrics: { test?: Partial<TrainedScores> };
  try {
    metrics = JSON.parse(await fs.readFile(file, 'utf8')) as typeof metrics;
  } catch (error) {
    throw new Error(`apps/train exited 0 but ${file} is missing or unreadable (${(error as Error).message}); the training job did not publish its model`, { cause: error });
  }
  const test = metrics.test;
  if (typeof test?.examples !== 'number' || typeof test.macroF1 !== 'number' || typeof test.accuracy !== 'number') {
    throw new Error(`${file} has no test scores (test.examples, test.accuracy, test.macroF1); apps/train should score test.csv`);
  }
  return { examples: test.examples, accuracy: test.accuracy, macroF1: test.macroF1 };
}

/** Parameters of {@link checkServedResults}. */
export interface ServedResults {
  trained: TrainedScores;
  served: ClassificationScores;
  /** Messages sent for prediction. */
  sent: number;
  /** HTTP requests the client made that succeeded. */
  requests: number;
  /** Predict requests the server logged as answered with 200. */
  answered: number;
}

// The served model is the trained one, so its scores on the same messages are the same; a difference
// below this is float noise in a sum of F1s, not a different prediction (one changed answer in 605 moves
// macro-F1 by more than 1e-3).
const SCORE_TOLERANCE = 1e-9;

/** The problems with a run's results, one line each; empty when every check holds. */
export function checkServedResults(results: ServedResults): string[] {
  const { trained, served } = results;
  const problems: string[] = [];
  if (served.examples !== results.sent) {
    problems.push(`${served.examples} predictions scored for ${results.sent} messages sent`);
  }
  if (served.examples !== trained.examples) {
    problems.push(`the server was scored on ${served.examples} test messages, training on ${trained.examples}: they should be the same test.csv`);
  }
  // Lower is the failure users feel; higher is as wrong: either way the server answers with another model.
  for (const [name, servedScore, trainedScore] of [
    ['macro-F1', served.macroF1, trained.macroF1],
    ['accuracy', served.accuracy, trained.accuracy],
  ] as const) {
    if (Math.abs(servedScore - trainedScore) > SCORE_TOLERANCE) {
      problems.push(
        `served ${name} ${servedScore.toFixed(4)} differs from the ${trainedScore.toFixed(4)} training reported on the same messages: ` +
          'the server is not answering with the model that was trained',
      );
    }
  }
  if (results.answered !== results.requests) {
    problems.push(`the server logged ${results.answered} answered predict requests, the client sent ${results.requests}`);
  }
  return problems;
}

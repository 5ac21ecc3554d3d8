// Runs the app as a user does, `node src/main.ts ...` in its own process, and makes small data sets.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const appDir = path.resolve(import.meta.dirname, '..');

/** How a run of the CLI ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A run of the CLI in progress. */
export interface CliProcess {
  child: ChildProcess;
  /** What it has printed so far, stdout and stderr. */
  output: () => string;
  done: Promise<CliRun>;
}

/** Start `node src/main.ts ...args`; `env` entries set to undefined are removed from the environment. */
export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}): CliProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // Tests must not pick up a Vertex AI environment from the machine they run on.
  delete childEnv.AIP_MODEL_DIR;
  delete childEnv.AIP_CHECKPOINT_DIR;
  delete childEnv.DEBUG;
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, ['src/main.ts', ...args], { cwd: appDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => stdout + stderr, done };
}

/** Run `node src/main.ts ...args` to the end. */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return startCli(args, env).done;
}

/** A seeded pseudo-random generator (mulberry32), so every run of the tests sees the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS: Record<string, string[]> = {
  spam: ['free', 'money', 'win', 'prize', 'cash', 'offer', 'click', 'now', 'lottery', 'winner', 'credit', 'urgent'],
  ham: ['meeting', 'lunch', 'project', 'report', 'tomorrow', 'team', 'code', 'review', 'schedule', 'notes', 'draft', 'call'],
  sports: ['match', 'goal', 'team', 'season', 'coach', 'league', 'score', 'player'],
  politics: ['election', 'vote', 'senate', 'policy', 'minister', 'campaign', 'law', 'party'],
  tech: ['software', 'chip', 'startup', 'cloud', 'model', 'code', 'server', 'release'],
};
const FILLER = ['the', 'a', 'to', 'and', 'of', 'you', 'we', 'is', 'for', 'on'];

/** `count` text,label rows of separable ham/spam messages. */
export function spamRows(count: number, seed = 1): Array<{ text: string; label: string }> {
  const next = random(seed);
  const pick = (words: readonly string[]): string => words[Math.floor(next() * words.length)] as string;
  return Array.from({ length: count }, (_, i) => {
    const label = i % 2 === 0 ? 'spam' : 'ham';
    const words = Array.from({ length: 6 + Math.floor(next() * 8) }, () => (next() < 0.6 ? pick(WORDS[label]!) : pick(FILLER)));
    return { text: words.join(' '), label };
  });
}

/** `count` rows of text plus one-hot sports/politics/tech columns (each text has one or two topics). */
export function topicRows(count: number, seed = 2): Array<Record<string, string>> {
  const next = random(seed);
  const topics = ['sports', 'politics', 'tech'];
  const pick = (words: readonly string[]): string => words[Math.floor(next() * words.length)] as string;
  return Array.from({ length: count }, (_, i) => {
    const first = topics[i % 3] as string;
    const second = next() < 0.3 ? (topics[(i + 1) % 3] as string) : undefined;
    const on = new Set([first, second].filter(Boolean));
    const words = Array.from({ length: 8 + Math.floor(next() * 6) }, () => pick(WORDS[next() < 0.5 || !second ? first : second]!));
    return { text: words.join(' '), ...Object.fromEntries(topics.map((topic) => [topic, on.has(topic) ? '1' : '0'])) };
  });
}

// The quickstart runs the sample apps as separate processes, as they run in production: apps/train as a
// job, apps/serve-cloud-run as a service. Their output is streamed line by line with a prefix, and none
// of them outlives the quickstart, whichever way it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process of the quickstart. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves when it has exited: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Parameters of {@link startChild}. */
export interface StartChildParams {
  /** Short name, e.g. `train`. */
  name: string;
  /** The script to run with this Node.js binary. */
  script: string;
  args?: readonly string[];
  /** Added to the quickstart's own environment. */
  env?: Record<string, string>;
  /** Each line the child prints (stdout and stderr); return a string to show instead, or `undefined` to hide it. */
  onLine?: (line: string) => string | undefined;
  /** Where shown lines go. */
  print?: (line: string) => void;
}

const running = new Set<ChildProcess>();

// Last resort for an exit the code below did not plan for: `exit` handlers cannot wait, so SIGKILL.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Start `node <script> ...args`, streaming its output as `[name] line`. */
export function startChild(params: StartChildParams): Child {
  const child = spawn(process.execPath, [params.script, ...(params.args ?? [])], {
    env: { ...process.env, ...params.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const print = params.print ?? ((line: string) => console.log(line));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      const shown = params.onLine ? params.onLine(line) : line;
      if (shown !== undefined) print(shown === '' ? `[${params.name}]` : `[${params.name}] ${shown}`);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    // 'close' rather than 'exit': by then every line of its output has been read.
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { name: params.name, process: child, exited };
}

/** Send `signal` to every child still running, and wait for them to exit. */
export async function stopChildren(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('close', resolve)));
  for (const child of running) child.kill(signal);
  await Promise.all(exits);
}

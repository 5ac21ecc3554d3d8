// Quoting as @vertexkit/jobs does it (src/lib/gcloud/shell-quote.ts), from a copy: containers must not depend on
// @vertexkit/jobs at runtime.
import type { GcloudCommand } from '../rendered-files.js';
import { shellQuote, shellQuoteFlag } from './shell-quote.js';

/** Options of {@link gcloudCommand}. */
export interface GcloudCommandOptions {
  /** The words after `gcloud`, unquoted: `['run', 'deploy', 'my-service', '--region=us-central1']`. */
  args: readonly string[];
}

/**
 * A gcloud command from its words: `argv` for `execFile('gcloud', argv.slice(1))` or `spawn`, and `text`, the same
 * for a POSIX shell, laid out as @vertexkit/jobs lays out its commands: the command words on the first line, then
 * one flag a line with backslash continuations. Flags written `--flag=value` keep the flag bare and quote only
 * the value, so the text reads as people type it (`--set-env-vars='GREETING=hello world'`).
 *
 * @example gcloudCommand({ args: ['run', 'services', 'replace', 'service.yaml', '--region=us-central1'] }).text
 */
export function gcloudCommand(options: GcloudCommandOptions): GcloudCommand {
  const argv = ['gcloud', ...options.args];
  const firstFlag = options.args.findIndex((word) => word.startsWith('-'));
  const words = firstFlag === -1 ? options.args : options.args.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : options.args.slice(firstFlag);
  const text = [['gcloud', ...words].map(shellQuote).join(' '), ...flags.map((flag) => `  ${shellQuoteFlag(flag)}`)].join(' \\\n');
  return { argv, text };
}

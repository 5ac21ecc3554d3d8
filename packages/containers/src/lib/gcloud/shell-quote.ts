// Copied from @vertexkit/jobs (src/lib/gcloud/shell-quote.ts) rather than imported: @vertexkit/containers must not
// depend on @vertexkit/jobs at runtime (jobs is only a dev dependency here), and these few lines are not worth a
// shared package. Keep the two copies in step.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellQuote(argument: string): string {
  if (argument !== '' && SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** `--flag=value` with only the value quoted, as people write it: `--set-env-vars='A=a b'`. */
export function shellQuoteFlag(argument: string): string {
  const match = /^(--[a-z0-9-]+=)([\s\S]*)$/.exec(argument);
  if (!match) return shellQuote(argument);
  return `${match[1] ?? ''}${shellQuote(match[2] ?? '')}`;
}

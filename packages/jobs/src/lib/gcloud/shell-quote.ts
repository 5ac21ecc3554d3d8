const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellQuote(argument: string): string {
  if (argument !== '' && SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** `--flag=value` with only the value quoted, as people write it: `--display-name='my job'`. */
export function shellQuoteFlag(argument: string): string {
  const match = /^(--[a-z0-9-]+=)([\s\S]*)$/.exec(argument);
  if (!match) return shellQuote(argument);
  return `${match[1] ?? ''}${shellQuote(match[2] ?? '')}`;
}

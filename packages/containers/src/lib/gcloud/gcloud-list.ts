// gcloud's list and dict flags (--set-env-vars, --labels, --substitutions) split on commas. A value holding a comma
// needs gcloud's alternate-delimiter syntax, `^DELIM^` before the list (`gcloud topic escaping`,
// https://cloud.google.com/sdk/gcloud/reference/topic/escaping): `^@^A=a,b@B=c` is {A: 'a,b', B: 'c'}.

// `@` first because it is the delimiter people know from the Cloud Run docs; the rest when a value holds an `@`.
const DELIMITERS = ['@', ':', ';', '|', '#', '~', '!', '+', '%'];

/**
 * Items joined for a gcloud list or dict flag. Commas separate them unless an item holds a comma, or the first item
 * starts with `^` (which gcloud would read as a delimiter declaration); then the first delimiter no item contains.
 */
export function joinGcloudList(items: readonly string[]): string {
  const needsEscape = items.some((item) => item.includes(',')) || (items[0] ?? '').startsWith('^');
  if (!needsEscape) return items.join(',');
  const single = DELIMITERS.find((candidate) => !items.some((item) => item.includes(candidate)));
  // Multi-character delimiters are allowed too; one of these is free unless the values are adversarial.
  const delimiter = single ?? DELIMITERS.map((candidate) => candidate.repeat(3)).find((candidate) => !items.some((item) => item.includes(candidate)));
  if (delimiter === undefined) throw new Error(`no delimiter left for the gcloud list ${JSON.stringify(items)}`);
  return `^${delimiter}^${items.join(delimiter)}`;
}

/** The inverse of {@link joinGcloudList}: `a,b` or `^@^a,b@c`. An empty string is an empty list. */
export function splitGcloudList(value: string): string[] {
  const escaped = /^\^([^^]+)\^([\s\S]*)$/.exec(value);
  const delimiter = escaped ? (escaped[1] ?? ',') : ',';
  const body = escaped ? (escaped[2] ?? '') : value;
  if (body === '') return [];
  return body.split(delimiter);
}

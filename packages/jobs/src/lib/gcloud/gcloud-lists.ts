// gcloud list and dict flags split on commas. A value with a comma in it needs gcloud's alternate-delimiter
// syntax (`gcloud topic escaping`): `^:^a,b:c` is the list ["a,b", "c"].

const DELIMITERS = [':', ';', '|', '#', '~', '!', '@', '+'];

/** Items joined for a gcloud list flag, switching delimiter when an item contains a comma. */
export function joinGcloudList(items: readonly string[]): string {
  if (!items.some((item) => item.includes(','))) return items.join(',');
  const delimiter = DELIMITERS.find((candidate) => !items.some((item) => item.includes(candidate)));
  if (!delimiter) throw new Error(`no delimiter left for the gcloud list ${JSON.stringify(items)}`);
  return `^${delimiter}^${items.join(delimiter)}`;
}

/** The inverse of {@link joinGcloudList}: `a,b` or `^:^a,b:c`. An empty string is an empty list. */
export function splitGcloudList(value: string): string[] {
  const escaped = /^\^([^^])\^([\s\S]*)$/.exec(value);
  const delimiter = escaped ? (escaped[1] ?? ',') : ',';
  const body = escaped ? (escaped[2] ?? '') : value;
  if (body === '') return [];
  return body.split(delimiter);
}

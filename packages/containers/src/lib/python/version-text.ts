// Small helpers for comparing versions and writing lists of them into messages. Internal to the python module.

/** Numeric comparison of dotted versions, `2.10` after `2.9`; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** `a`, `a and b`, `a, b and c` (or `or`). */
export function joinWords(items: readonly string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1) ?? ''}`;
}

/**
 * Versions as people read them: a run of three or more neighbours in `universe` becomes `first–last`, the rest are
 * listed: `11.8 and 12.1`, `3.9–3.11`, `2.1–2.3 or 2.5`.
 */
export function formatVersions(items: readonly string[], universe: readonly string[], conjunction: 'and' | 'or'): string {
  const positions = [...new Set(items)].map((item) => ({ item, at: universe.indexOf(item) })).sort((a, b) => a.at - b.at);
  const words: string[] = [];
  let run: typeof positions = [];
  const flush = (): void => {
    if (run.length >= 3) words.push(`${run[0]?.item ?? ''}–${run.at(-1)?.item ?? ''}`);
    else words.push(...run.map(({ item }) => item));
    run = [];
  };
  for (const position of positions) {
    const last = run.at(-1);
    if (last !== undefined && (position.at === -1 || position.at !== last.at + 1)) flush();
    run.push(position);
  }
  flush();
  return joinWords(words, conjunction);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidates a mistyped `value` most likely meant, best first: exact up to case, else the closest by edit
 * distance within about a third of its length (at least 2). Aliases (`torch` for `pytorch`) are checked first.
 */
export function nearest(value: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string[] {
  const wanted = value.trim().toLowerCase();
  const alias = aliases[wanted];
  if (alias !== undefined) return [alias];
  const exact = candidates.filter((candidate) => candidate.toLowerCase() === wanted);
  if (exact.length > 0) return exact;
  const threshold = Math.max(2, Math.floor(wanted.length / 3));
  const scored = candidates
    .map((candidate) => ({ candidate, score: editDistance(wanted, candidate.toLowerCase()) }))
    .filter(({ score }) => score <= threshold)
    .sort((a, b) => a.score - b.score);
  const best = scored[0]?.score;
  return scored.filter(({ score }) => score === best).slice(0, 2).map(({ candidate }) => candidate);
}

/** For a version that is not in `candidates`: the nearest below and the nearest above it, by version order. */
export function neighbours(value: string, candidates: readonly string[]): string[] {
  if (!/^\d+(?:\.\d+)*$/.test(value)) return [];
  const sorted = [...new Set(candidates)].sort(compareVersions);
  const below = [...sorted].reverse().find((candidate) => compareVersions(candidate, value) < 0);
  const above = sorted.find((candidate) => compareVersions(candidate, value) > 0);
  return [below, above].filter((candidate) => candidate !== undefined);
}

/** `; did you mean "a"?` / `; did you mean "a" or "b"?` / ''. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  return `; did you mean ${joinWords(suggestions.map((suggestion) => JSON.stringify(suggestion)), 'or')}?`;
}

/** A value as a message quotes it: strings in JSON quotes, other scalars as written, objects by kind. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined) return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

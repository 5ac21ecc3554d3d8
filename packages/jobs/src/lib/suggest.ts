import { distance } from 'fastest-levenshtein';

/** Lower case, `-` and spaces as `_`: `nvidia-tesla-t4` and `NVIDIA_TESLA_T4` compare equal. */
function normalize(value: string): string {
  return value.toLowerCase().replace(/[-\s]/g, '_');
}

/**
 * The candidates a mistyped `value` most likely meant, best first (at most `limit`): an exact match up to case
 * and `-`/`_`, else the closest by edit distance within about a third of the length, else those containing it.
 */
export function nearest(value: string, candidates: readonly string[], limit = 2): string[] {
  const wanted = normalize(value);
  const exact = candidates.filter((candidate) => normalize(candidate) === wanted);
  if (exact.length > 0) return exact.slice(0, limit);
  const threshold = Math.max(2, Math.floor(wanted.length / 3));
  const scored = candidates
    .map((candidate) => ({ candidate, score: distance(wanted, normalize(candidate)) }))
    .filter(({ score }) => score <= threshold)
    .sort((a, b) => a.score - b.score);
  if (scored.length > 0) {
    const best = scored[0]?.score ?? 0;
    return scored.filter(({ score }) => score === best).slice(0, limit).map(({ candidate }) => candidate);
  }
  if (wanted.length >= 2) {
    const containing = candidates.filter((candidate) => normalize(candidate).includes(wanted));
    if (containing.length > 0 && containing.length <= limit) return containing;
  }
  return [];
}

/** `did you mean A?` / `did you mean A or B?` / `did you mean A, B or C?` / '' */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const last = suggestions.at(-1) ?? '';
  const rest = suggestions.slice(0, -1);
  return `did you mean ${rest.length > 0 ? `${rest.join(', ')} or ${last}` : last}?`;
}

/** `a, b, c` with at most `limit` items and `...` after. */
export function listSome(items: readonly string[], limit = 12): string {
  return items.length <= limit ? items.join(', ') : `${items.slice(0, limit).join(', ')}, ...`;
}

/**
 * Column order drift. Positions alone are useless: one added or dropped column shifts every
 * column after it. What matters is whether a column moved relative to the others, so the
 * columns present on both sides are taken in baseline order, and the longest run whose
 * environment positions still increase is the part that kept its order; the rest moved.
 */

/** Indexes (into `values`) of one longest strictly increasing subsequence; ties go to the earliest. */
export function longestIncreasingSubsequence(values: readonly number[]): number[] {
  /** tails[k]: index of the smallest tail of an increasing run of length k + 1. */
  const tails: number[] = [];
  const previous: number[] = new Array(values.length).fill(-1);
  values.forEach((value, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[tails[mid] ?? 0] ?? 0) < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] ?? -1;
    tails[lo] = i;
  });
  const result: number[] = [];
  for (let i = tails[tails.length - 1] ?? -1; i >= 0; i = previous[i] ?? -1) result.push(i);
  return result.reverse();
}

export interface PlacedColumn {
  readonly name: string;
  readonly expected: number;
  readonly actual: number;
}

/** The columns (present on both sides) that moved relative to the others, in baseline order. */
export function movedColumns(columns: readonly PlacedColumn[]): PlacedColumn[] {
  const ordered = [...columns].sort((a, b) => a.expected - b.expected);
  const kept = new Set(longestIncreasingSubsequence(ordered.map((c) => c.actual)));
  return ordered.filter((_, i) => !kept.has(i));
}

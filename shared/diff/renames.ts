import { canonicalJson } from "../snapshot/canonical.ts";

type Entry<T> = readonly [string, T];

export interface Renames<T> {
  /** Baseline object and the environment's object with another name but the same definition. */
  readonly pairs: ReadonlyArray<{ readonly baseline: Entry<T>; readonly actual: Entry<T> }>;
  readonly missing: ReadonlyArray<Entry<T>>;
  readonly unexpected: ReadonlyArray<Entry<T>>;
}

function shape(object: object): string {
  return canonicalJson({ ...object, name: null });
}

/**
 * Pairs objects missing under one name with unexpected ones whose every field but the name
 * is equal (the table included): a rename, not a drop plus a create. Walks the missing
 * objects in the order given (sorted by identity) and takes the first unused match, so
 * the pairing is deterministic and each object is used once.
 */
export function pairRenames<T extends { readonly name: string }>(
  missing: ReadonlyArray<Entry<T>>,
  unexpected: ReadonlyArray<Entry<T>>,
): Renames<T> {
  const shapes = unexpected.map(([, object]) => shape(object));
  const used = new Set<number>();
  const pairs: Array<{ baseline: Entry<T>; actual: Entry<T> }> = [];
  const stillMissing: Array<Entry<T>> = [];
  for (const entry of missing) {
    const wanted = shape(entry[1]);
    const match = shapes.findIndex((s, i) => !used.has(i) && s === wanted);
    const other = match >= 0 ? unexpected[match] : undefined;
    if (other === undefined) {
      stillMissing.push(entry);
      continue;
    }
    used.add(match);
    pairs.push({ baseline: entry, actual: other });
  }
  return { pairs, missing: stillMissing, unexpected: unexpected.filter((_, i) => !used.has(i)) };
}

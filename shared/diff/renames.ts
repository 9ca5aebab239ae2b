import { canonicalJson } from "../snapshot/canonical.ts";
import type { DraftFinding } from "./context.ts";

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

/** What two objects are compared by; fields that compare as sets are sorted here. */
export type Comparable<T> = (object: T) => object;

/**
 * Pairs objects missing under one name with unexpected ones whose every field but the name
 * is equal (the table included): a rename, not a drop plus a create. Walks the missing
 * objects in the order given (sorted by identity) and takes the first unused match, so
 * the pairing is deterministic and each object is used once. `comparable` maps an object to
 * what is compared (by default the object itself), e.g. to sort fields compared as sets.
 */
export function pairRenames<T extends { readonly name: string }>(
  missing: ReadonlyArray<Entry<T>>,
  unexpected: ReadonlyArray<Entry<T>>,
  comparable: Comparable<T> = (object) => object,
): Renames<T> {
  if (missing.length === 0 || unexpected.length === 0) {
    return { pairs: [], missing, unexpected };
  }
  // Unexpected objects by shape, in the order given: each missing object takes the first unused.
  const byShape = new Map<string, number[]>();
  unexpected.forEach(([, object], i) => {
    const key = shape(comparable(object));
    const queue = byShape.get(key);
    if (queue === undefined) byShape.set(key, [i]);
    else queue.push(i);
  });
  const used = new Set<number>();
  const pairs: Array<{ baseline: Entry<T>; actual: Entry<T> }> = [];
  const stillMissing: Array<Entry<T>> = [];
  for (const entry of missing) {
    const match = byShape.get(shape(comparable(entry[1])))?.shift();
    const other = match === undefined ? undefined : unexpected[match];
    if (match === undefined || other === undefined) {
      stillMissing.push(entry);
      continue;
    }
    used.add(match);
    pairs.push({ baseline: entry, actual: other });
  }
  return { pairs, missing: stillMissing, unexpected: unexpected.filter((_, i) => !used.has(i)) };
}

/**
 * One low `changed`/`name` finding per rename, under the baseline's identity.
 * `remediation` gets the baseline's and the environment's identities and objects.
 */
export function renameFindings<T extends { readonly name: string; readonly table: string }>(
  kind: "column" | "constraint" | "index" | "trigger" | "policy",
  pairs: Renames<T>["pairs"],
  remediation: (baselineIdentity: string, actualIdentity: string, object: T, renamed: T) => string,
): DraftFinding[] {
  return pairs.map(({ baseline: [identity, object], actual: [actualIdentity, renamed] }) => ({
    kind,
    object: identity,
    change: "changed",
    attribute: "name",
    table: object.table,
    expected: object.name,
    actual: renamed.name,
    message: `${kind} ${identity} is named ${renamed.name}, expected ${object.name}`,
    remediation: remediation(identity, actualIdentity, object, renamed),
    evidence: { actualObject: actualIdentity },
  }));
}

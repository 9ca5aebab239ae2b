import type { ObjectOfKind, SnapshotKind, SnapshotObjects } from "../snapshot/model.ts";
import { compareText } from "./compare.ts";
import type { Change, Finding } from "./finding.ts";
import { firstPart } from "./identity.ts";

/** What a rule produces: a finding before the severity policy and its id are applied. */
export type DraftFinding = Omit<Finding, "id" | "severity">;

/** The objects of one kind, split by where they exist. Children folded into a parent are left out. */
export interface Presence<T> {
  readonly missing: ReadonlyArray<readonly [string, T]>;
  readonly unexpected: ReadonlyArray<readonly [string, T]>;
  readonly both: ReadonlyArray<readonly [string, T, T]>;
}

/** Counts of the descendants folded into a missing or unexpected parent, by kind. */
export type FoldedCounts = Partial<Record<SnapshotKind, number>>;

export interface RuleContext {
  readonly baseline: SnapshotObjects;
  readonly actual: SnapshotObjects;
  readonly compareOwners: boolean;
  presence<K extends SnapshotKind>(kind: K): Presence<ObjectOfKind<K>>;
  /** The descendants folded into this missing/unexpected object, or undefined when none can be. */
  folded(kind: SnapshotKind, identity: string, change: Change): FoldedCounts | undefined;
}

interface ParentRef {
  readonly kind: SnapshotKind;
  readonly identity: string;
}

/** Which object an object belongs to: when the parent is absent too, the child is reported with it. */
function parentOf(kind: SnapshotKind, identity: string, object: unknown): ParentRef | null {
  switch (kind) {
    case "table":
      return { kind: "schema", identity: firstPart(identity) };
    case "column":
    case "constraint":
    case "index":
      return { kind: "table", identity: (object as { table: string }).table };
    default:
      return null;
  }
}

/** Kinds that can be folded into a parent of each kind, in the order messages list them. */
const FOLDABLE: Partial<Record<SnapshotKind, readonly SnapshotKind[]>> = {
  schema: ["table", "column", "constraint", "index"],
  table: ["column", "constraint", "index"],
};

/** Kinds whose objects have a parent in the snapshot. */
const CHILD_KINDS = ["table", "column", "constraint", "index"] as const;

function key(kind: SnapshotKind, identity: string): string {
  return `${kind}\u0000${identity}`;
}

function sortedEntries<T>(record: Readonly<Record<string, T>>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => compareText(a, b));
}

/**
 * For one side (objects only in `present`, not in `other`): maps each absent object that is
 * folded to the absent ancestor it is reported with, and counts descendants per ancestor.
 */
function foldAbsent(present: SnapshotObjects, other: SnapshotObjects) {
  const absent = (kind: SnapshotKind, identity: string) =>
    Object.hasOwn(present[kind], identity) && !Object.hasOwn(other[kind], identity);
  const foldedInto = new Map<string, string>();
  const counts = new Map<string, FoldedCounts>();
  for (const kind of CHILD_KINDS) {
    for (const [identity, object] of Object.entries(present[kind])) {
      if (!absent(kind, identity)) continue;
      let root: string | null = null;
      let parent = parentOf(kind, identity, object);
      while (parent !== null && absent(parent.kind, parent.identity)) {
        root = key(parent.kind, parent.identity);
        parent = parentOf(parent.kind, parent.identity, present[parent.kind][parent.identity]);
      }
      if (root === null) continue;
      foldedInto.set(key(kind, identity), root);
      const rootCounts = counts.get(root) ?? {};
      rootCounts[kind] = (rootCounts[kind] ?? 0) + 1;
      counts.set(root, rootCounts);
    }
  }
  return { foldedInto, counts };
}

export interface ContextOptions {
  readonly compareOwners: boolean;
}

export function buildContext(
  baseline: SnapshotObjects,
  actual: SnapshotObjects,
  options: ContextOptions,
): RuleContext {
  const missing = foldAbsent(baseline, actual);
  const unexpected = foldAbsent(actual, baseline);
  return {
    baseline,
    actual,
    compareOwners: options.compareOwners,
    presence<K extends SnapshotKind>(kind: K): Presence<ObjectOfKind<K>> {
      const base = baseline[kind] as Readonly<Record<string, ObjectOfKind<K>>>;
      const env = actual[kind] as Readonly<Record<string, ObjectOfKind<K>>>;
      const result = {
        missing: [] as Array<readonly [string, ObjectOfKind<K>]>,
        unexpected: [] as Array<readonly [string, ObjectOfKind<K>]>,
        both: [] as Array<readonly [string, ObjectOfKind<K>, ObjectOfKind<K>]>,
      };
      for (const [identity, object] of sortedEntries(base)) {
        const other = Object.hasOwn(env, identity) ? env[identity] : undefined;
        if (other !== undefined) result.both.push([identity, object, other]);
        else if (!missing.foldedInto.has(key(kind, identity)))
          result.missing.push([identity, object]);
      }
      for (const [identity, object] of sortedEntries(env)) {
        if (Object.hasOwn(base, identity)) continue;
        if (!unexpected.foldedInto.has(key(kind, identity)))
          result.unexpected.push([identity, object]);
      }
      return result;
    },
    folded(kind, identity, change) {
      const kinds = FOLDABLE[kind];
      if (kinds === undefined || change === "changed") return undefined;
      const counts =
        (change === "missing" ? missing : unexpected).counts.get(key(kind, identity)) ?? {};
      return Object.fromEntries(kinds.map((k) => [k, counts[k] ?? 0]));
    },
  };
}

const PLURAL: Record<SnapshotKind, string> = {
  schema: "schemas",
  extension: "extensions",
  table: "tables",
  column: "columns",
  constraint: "constraints",
  index: "indexes",
};

/** Evidence for a parent finding: `{ columns: 5, constraints: 2, indexes: 1 }`. */
export function foldedEvidence(counts: FoldedCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).map(([kind, n]) => [PLURAL[kind as SnapshotKind], n ?? 0]),
  );
}

/** `5 columns, 2 constraints and 1 index`; empty when nothing was folded. */
export function foldedPhrase(counts: FoldedCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([kind, n]) => (n === 1 ? `1 ${kind}` : `${n} ${PLURAL[kind as SnapshotKind]}`));
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

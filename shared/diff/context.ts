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
  /** The majors of the two sides, when the caller knows them (audits do). */
  readonly majors?: ServerMajors;
  presence<K extends SnapshotKind>(kind: K): Presence<ObjectOfKind<K>>;
  /** The descendants folded into this missing/unexpected object, or undefined when none can be. */
  folded(kind: SnapshotKind, identity: string, change: Change): FoldedCounts | undefined;
}

interface ParentRef {
  readonly kind: SnapshotKind;
  readonly identity: string;
}

/** Kinds whose objects live directly in a schema (identity `schema.name…`). */
const SCHEMA_SCOPED_KINDS = [
  "table",
  "view",
  "materialized_view",
  "sequence",
  "function",
  "procedure",
  "type",
  "domain",
] as const satisfies readonly SnapshotKind[];
const SCHEMA_SCOPED = new Set<SnapshotKind>(SCHEMA_SCOPED_KINDS);

/** Kinds whose objects belong to a relation, named by their `table` field. */
const RELATION_CHILD_KINDS = [
  "column",
  "constraint",
  "index",
  "trigger",
  "policy",
] as const satisfies readonly SnapshotKind[];
const RELATION_CHILDREN = new Set<SnapshotKind>(RELATION_CHILD_KINDS);

/** The kinds a relation named by a child's `table` field can be. */
const RELATION_KINDS = ["table", "view", "materialized_view"] as const;

/**
 * Which object an object belongs to: when the parent is absent too, the child is reported
 * with it. `sides` are the snapshots the parent may be found in (a relation's kind is read
 * from whichever side holds it).
 */
function parentOf(
  kind: SnapshotKind,
  identity: string,
  object: unknown,
  sides: readonly SnapshotObjects[],
): ParentRef | null {
  if (SCHEMA_SCOPED.has(kind)) return { kind: "schema", identity: firstPart(identity) };
  if (!RELATION_CHILDREN.has(kind)) return null;
  const relation = (object as { table: string }).table;
  for (const side of sides) {
    for (const relationKind of RELATION_KINDS) {
      if (Object.hasOwn(side[relationKind], relation))
        return { kind: relationKind, identity: relation };
    }
  }
  return { kind: "table", identity: relation };
}

/** Kinds that can be folded into a parent of each kind, in the order messages list them. */
const FOLDABLE: Partial<Record<SnapshotKind, readonly SnapshotKind[]>> = {
  schema: [
    "table",
    "column",
    "constraint",
    "index",
    "view",
    "materialized_view",
    "sequence",
    "function",
    "procedure",
    "trigger",
    "type",
    "domain",
    "policy",
  ],
  table: ["column", "constraint", "index", "trigger", "policy"],
  view: ["trigger"],
  materialized_view: ["index"],
};

/** Kinds whose objects have a parent in the snapshot; parents before their children. */
const CHILD_KINDS = [...SCHEMA_SCOPED_KINDS, ...RELATION_CHILD_KINDS];

function key(kind: SnapshotKind, identity: string): string {
  return `${kind}\u0000${identity}`;
}

interface Split {
  /** Identity → object, for objects of one kind found on one side only. */
  readonly onlyBaseline: Map<string, unknown>;
  readonly onlyActual: Map<string, unknown>;
  readonly both: Array<readonly [string, unknown, unknown]>;
}

/** Which objects of one kind are on both sides and which on one only. */
function splitKind(
  base: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, unknown>>,
): Split {
  const result: Split = { onlyBaseline: new Map(), onlyActual: new Map(), both: [] };
  for (const identity of Object.keys(base)) {
    const other = env[identity];
    if (other !== undefined && Object.hasOwn(env, identity)) {
      result.both.push([identity, base[identity], other]);
    } else result.onlyBaseline.set(identity, base[identity]);
  }
  for (const identity of Object.keys(env)) {
    if (!Object.hasOwn(base, identity)) result.onlyActual.set(identity, env[identity]);
  }
  return result;
}

/** One pass per kind: which objects are on both sides and which on one only. */
function split(baseline: SnapshotObjects, actual: SnapshotObjects): Record<SnapshotKind, Split> {
  const out = {} as Record<SnapshotKind, Split>;
  for (const kind of Object.keys(baseline) as SnapshotKind[]) {
    out[kind] = splitKind(
      baseline[kind] as Readonly<Record<string, unknown>>,
      (actual[kind] ?? {}) as Readonly<Record<string, unknown>>,
    );
  }
  return out;
}

/**
 * For one side (objects only on that side): maps each absent object that is folded to the
 * absent ancestor it is reported with, and counts descendants per ancestor.
 */
function foldAbsent(
  present: SnapshotObjects,
  other: SnapshotObjects,
  absentOf: (kind: SnapshotKind) => ReadonlyMap<string, unknown>,
) {
  const sides = [present, other];
  const absent = (kind: SnapshotKind, identity: string) => absentOf(kind).has(identity);
  const foldedInto = new Map<string, string>();
  const counts = new Map<string, FoldedCounts>();
  for (const kind of CHILD_KINDS) {
    for (const [identity, object] of absentOf(kind)) {
      let root: string | null = null;
      let parent = parentOf(kind, identity, object, sides);
      while (parent !== null && absent(parent.kind, parent.identity)) {
        root = key(parent.kind, parent.identity);
        parent = parentOf(
          parent.kind,
          parent.identity,
          present[parent.kind][parent.identity],
          sides,
        );
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
  readonly majors?: ServerMajors;
}

/** The PostgreSQL majors the two sides were read on, when known. */
export interface ServerMajors {
  readonly baseline: number;
  readonly environment: number;
}

const byIdentity = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]) =>
  compareText(a, b);

export function buildContext(
  baseline: SnapshotObjects,
  actual: SnapshotObjects,
  options: ContextOptions,
): RuleContext {
  const splits = split(baseline, actual);
  const missing = foldAbsent(baseline, actual, (kind) => splits[kind].onlyBaseline);
  const unexpected = foldAbsent(actual, baseline, (kind) => splits[kind].onlyActual);
  return {
    baseline,
    actual,
    compareOwners: options.compareOwners,
    ...(options.majors === undefined ? {} : { majors: options.majors }),
    presence<K extends SnapshotKind>(kind: K): Presence<ObjectOfKind<K>> {
      const { onlyBaseline, onlyActual, both } = splits[kind];
      // Objects on both sides are not sorted (the findings are, at the end); the usually few
      // missing and unexpected ones are, so rename pairing is deterministic.
      const notFolded = (folded: Map<string, string>) => (entry: readonly [string, unknown]) =>
        !folded.has(key(kind, entry[0]));
      return {
        missing: [...onlyBaseline].filter(notFolded(missing.foldedInto)).sort(byIdentity),
        unexpected: [...onlyActual].filter(notFolded(unexpected.foldedInto)).sort(byIdentity),
        both,
      } as unknown as Presence<ObjectOfKind<K>>;
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
  view: "views",
  materialized_view: "materialized views",
  sequence: "sequences",
  function: "functions",
  procedure: "procedures",
  trigger: "triggers",
  type: "types",
  domain: "domains",
  policy: "policies",
};

/** Evidence for a parent finding: `{ columns: 5, constraints: 2, indexes: 1 }` (kinds with none left out). */
export function foldedEvidence(counts: FoldedCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([kind, n]) => [PLURAL[kind as SnapshotKind], n ?? 0]),
  );
}

/** `5 columns, 2 constraints and 1 index`; empty when nothing was folded. */
export function foldedPhrase(counts: FoldedCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([kind, n]) =>
      n === 1 ? `1 ${kind.replaceAll("_", " ")}` : `${n} ${PLURAL[kind as SnapshotKind]}`,
    );
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

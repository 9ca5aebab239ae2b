import type { DraftFinding } from "../diff/context.ts";
import type { MigrationRecord, Snapshot, SnapshotObjects } from "../snapshot/model.ts";
import { listNames } from "./describe.ts";
import type { ComparedWith } from "./model.ts";

/**
 * What the history says the environment applied, in the baseline's order: `version` is the last
 * of an unbroken run of applied migrations from the first (null: none applied), `inOrder` false
 * when a later one is applied too (or a failed one sits in the run), so no version describes it.
 */
export interface AppliedPosition {
  readonly version: string | null;
  readonly inOrder: boolean;
}

export interface ComparisonTarget {
  readonly objects: SnapshotObjects;
  readonly comparedWith: ComparedWith;
  /** Why this version was chosen, when the baseline has checkpoints to choose from. */
  readonly note: string | null;
}

function migrationsOf(baseline: Snapshot): readonly MigrationRecord[] {
  return baseline.source.kind === "migrations" ? baseline.source.migrations : [];
}

/** The baseline's head version: its last versioned migration's (repeatable ones have none). */
export function headVersion(baseline: Snapshot): string | null {
  const versioned = migrationsOf(baseline).filter((m) => m.kind !== "repeatable");
  return versioned[versioned.length - 1]?.version ?? null;
}

/**
 * Where the environment stands, from the history's findings on the baseline's migrations: a
 * migration is applied unless it is pending (`missing`) or failed (`changed`/`status`).
 */
export function appliedPosition(
  migrations: readonly MigrationRecord[],
  findings: readonly DraftFinding[],
): AppliedPosition {
  const notApplied = new Set<unknown>();
  for (const finding of findings) {
    if (finding.kind !== "migration") continue;
    if (finding.change === "missing" || finding.attribute === "status") {
      notApplied.add(finding.evidence?.file);
    }
  }
  const applied = migrations.map((m) => !notApplied.has(m.file));
  const run = applied.indexOf(false) === -1 ? applied.length : applied.indexOf(false);
  return {
    version: run === 0 ? null : (migrations[run - 1]?.version ?? null),
    inOrder: !applied.slice(run).includes(true),
  };
}

/**
 * The objects to compare an environment with: the checkpoint at the version its history says it
 * applied, else the head. `position` undefined: the history was not read.
 */
export function comparisonTarget(
  baseline: Snapshot,
  position: AppliedPosition | undefined,
): ComparisonTarget {
  const head = headVersion(baseline);
  const atHead: ComparedWith = { version: head, checkpoint: false };
  const checkpoints = baseline.checkpoints ?? [];
  const target = (note: string | null): ComparisonTarget => ({
    objects: baseline.objects,
    comparedWith: atHead,
    note: checkpoints.length > 0 ? note : null,
  });
  const headName = head === null ? "the head" : `the head (version ${head})`;
  if (position === undefined) {
    return target(`no migration history read: compared with ${headName}`);
  }
  if (!position.inOrder) {
    return target(
      `the applied migrations are not the first ones of the baseline in order: compared with ${headName}`,
    );
  }
  if (position.version === head) return target(null);
  const checkpoint = checkpoints.find((c) => c.version === position.version);
  if (checkpoint) {
    return {
      objects: checkpoint.objects,
      comparedWith: { version: checkpoint.version, checkpoint: true },
      note: `applied up to version ${checkpoint.version}: compared with the baseline's checkpoint at that version`,
    };
  }
  const at = position.version === null ? "no migration applied" : `at version ${position.version}`;
  return target(
    `${at}, which is not a checkpoint of the baseline (${checkpoints.map((c) => c.version).join(", ")}): compared with ${headName}`,
  );
}

/** `column billing.payments.transaction_ref` for each object added or changed from `before`. */
function objectChanges(
  before: SnapshotObjects,
  after: SnapshotObjects,
): { brings: string[]; drops: string[] } {
  const brings: string[] = [];
  const drops: string[] = [];
  for (const kind of Object.keys(after) as (keyof SnapshotObjects)[]) {
    const was = before[kind] as Readonly<Record<string, unknown>>;
    const now = after[kind] as Readonly<Record<string, unknown>>;
    for (const identity of Object.keys(now)) {
      if (
        !Object.hasOwn(was, identity) ||
        JSON.stringify(was[identity]) !== JSON.stringify(now[identity])
      )
        brings.push(`${kind} ${identity}`);
    }
    for (const identity of Object.keys(was)) {
      if (!Object.hasOwn(now, identity)) drops.push(`${kind} ${identity}`);
    }
  }
  return { brings, drops };
}

/**
 * Pending migrations (`migration`/`missing`) with, in their evidence, the objects each brings:
 * what differs between the schemas stored just before and just after it (a checkpoint or the
 * head). A migration whose neighbours are not both stored is left as it is.
 */
export function withBrings(findings: readonly DraftFinding[], baseline: Snapshot): DraftFinding[] {
  const migrations = migrationsOf(baseline);
  const checkpoints = baseline.checkpoints ?? [];
  if (checkpoints.length === 0) return [...findings];
  const stored = new Map<string, SnapshotObjects>(checkpoints.map((c) => [c.version, c.objects]));
  const head = headVersion(baseline);
  if (head !== null) stored.set(head, baseline.objects);
  return findings.map((finding) => {
    if (finding.kind !== "migration" || finding.change !== "missing") return finding;
    const index = migrations.findIndex((m) => m.file === finding.evidence?.file);
    const before = migrations[index - 1];
    const after = migrations[index];
    if (index < 1 || !before || !after) return finding;
    const was = stored.get(before.version);
    const now = stored.get(after.version);
    if (!was || !now) return finding;
    const { brings, drops } = objectChanges(was, now);
    const said = [
      ...(brings.length > 0 ? [`it brings ${listNames(brings)}`] : []),
      ...(drops.length > 0 ? [`it drops ${listNames(drops)}`] : []),
    ];
    return {
      ...finding,
      ...(said.length > 0 ? { message: `${finding.message} — ${said.join("; ")}` } : {}),
      evidence: { ...finding.evidence, brings, ...(drops.length > 0 ? { drops } : {}) },
    };
  });
}

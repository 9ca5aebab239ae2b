import type { ColumnObject, IndexObject } from "../snapshot/model.ts";
import type { DraftFinding } from "./context.ts";
import type { Change, FindingKind, Severity } from "./finding.ts";
import { matchesGlob } from "./glob.ts";

/** A config override: every field it sets must match; the last matching override wins. */
export interface SeverityOverride {
  readonly kind?: FindingKind;
  readonly change?: Change;
  readonly attribute?: string;
  /** Glob over the finding's object: `*` any run of characters, `?` one character. */
  readonly object?: string;
  readonly severity: Severity;
}

interface PolicyRow {
  readonly severity: Severity;
  readonly change: Change;
  readonly kinds?: readonly FindingKind[];
  readonly attributes?: readonly string[];
  readonly exceptAttributes?: readonly string[];
  readonly when?: (finding: DraftFinding) => boolean;
}

function evidenceFlag(finding: DraftFinding, key: string): unknown {
  const evidence = finding.evidence as Record<string, unknown> | undefined;
  return evidence?.[key];
}

/** An unexpected unique index rejects rows the migrations allow. */
function isUniqueIndex(finding: DraftFinding): boolean {
  return (finding.actual as IndexObject | null)?.unique !== false;
}

/**
 * A changed index `definition` that is the index's storage field alone (its storage
 * parameters and tablespace, a string or null on each side): a storage option. When the
 * attribute gathers several fields outside the vocabulary (the table, say), its values are
 * objects, and it is not.
 */
function isIndexStorageChange(finding: DraftFinding): boolean {
  const storage = (value: unknown) => value === null || typeof value === "string";
  return (
    finding.kind === "index" &&
    finding.attribute === "definition" &&
    storage(finding.expected) &&
    storage(finding.actual)
  );
}

/**
 * Inserts that do not name an unexpected NOT NULL column without a default fail (a NOT VALID
 * NOT NULL rejects them too: only existing rows go unchecked).
 */
export function breaksInserts(column: ColumnObject): boolean {
  return (
    column.nullable !== true &&
    column.default === null &&
    column.identity === null &&
    column.generated === null
  );
}

/**
 * The default policy (DESIGN.md), first matching row wins; anything no row names is `info`.
 * critical: queries or data integrity break · high: performance, security or write behaviour
 * changes · medium: objects nobody declared · low: cosmetic (and storage options).
 */
export const DEFAULT_POLICY: readonly PolicyRow[] = [
  {
    severity: "critical",
    change: "missing",
    kinds: [
      "schema",
      "extension",
      "table",
      "column",
      "view",
      "materialized_view",
      "sequence",
      "function",
      "procedure",
      "type",
      "domain",
      "policy",
    ],
  },
  {
    severity: "critical",
    change: "changed",
    kinds: ["type", "domain", "policy"],
    exceptAttributes: ["comment", "owner", "privileges", "name"],
  },
  // The migrations leave a NOT NULL unvalidated (PostgreSQL 18) and the environment validated it: stricter, not broken.
  {
    severity: "low",
    change: "changed",
    kinds: ["column"],
    attributes: ["nullable"],
    when: (finding) => finding.expected === "not valid" && finding.actual === false,
  },
  { severity: "critical", change: "changed", kinds: ["column"], attributes: ["type", "nullable"] },
  // A failed or half-applied migration (Flyway success=false, Prisma failed, golang-migrate dirty).
  { severity: "critical", change: "changed", kinds: ["migration"], attributes: ["status"] },
  { severity: "critical", change: "missing", kinds: ["constraint"] },
  {
    severity: "critical",
    change: "changed",
    kinds: ["constraint"],
    exceptAttributes: ["name", "comment"],
  },
  {
    severity: "critical",
    change: "changed",
    kinds: ["table"],
    attributes: ["rls_enabled", "partition_key"],
  },

  { severity: "high", change: "missing", kinds: ["index"] },
  // An applied migration edited afterwards; a Flyway repeatable to re-apply is medium.
  {
    severity: "high",
    change: "changed",
    kinds: ["migration"],
    attributes: ["checksum"],
    when: (finding) => evidenceFlag(finding, "reapply") !== true,
  },
  // Pending for longer than migrations.pendingAgeDays (7 by default).
  {
    severity: "high",
    change: "missing",
    kinds: ["migration"],
    when: (finding) => evidenceFlag(finding, "overdue") === true,
  },
  // Applied but in no file: the migration that was never checked in.
  { severity: "high", change: "unexpected", kinds: ["migration"] },
  {
    severity: "high",
    change: "changed",
    kinds: ["index"],
    exceptAttributes: ["name", "comment"],
    when: (finding) => !isIndexStorageChange(finding),
  },
  // Only an identity column's sequence options differ (START WITH, INCREMENT BY, …).
  {
    severity: "medium",
    change: "changed",
    kinds: ["column"],
    attributes: ["identity"],
    when: (finding) => evidenceFlag(finding, "sequenceOptions") === true,
  },
  {
    severity: "high",
    change: "changed",
    kinds: ["column"],
    attributes: ["default", "identity", "generated", "collation"],
  },
  // A column's sequence_privileges: a role without USAGE on a serial's sequence cannot insert.
  { severity: "high", change: "changed", attributes: ["privileges", "sequence_privileges"] },
  { severity: "high", change: "unexpected", kinds: ["index"], when: isUniqueIndex },
  { severity: "high", change: "unexpected", kinds: ["constraint"] },
  {
    severity: "high",
    change: "changed",
    kinds: ["table"],
    attributes: ["persistence", "replica_identity", "partition_bound", "rls_forced"],
  },
  { severity: "high", change: "changed", kinds: ["extension"], attributes: ["schema"] },
  { severity: "high", change: "missing", kinds: ["trigger"] },
  { severity: "high", change: "unexpected", kinds: ["trigger", "policy"] },
  {
    severity: "high",
    change: "changed",
    kinds: ["trigger"],
    attributes: ["definition", "enabled"],
  },
  {
    severity: "high",
    change: "changed",
    kinds: ["view", "materialized_view", "function", "procedure"],
    attributes: ["definition", "security_definer"],
  },
  { severity: "high", change: "changed", kinds: ["view"], attributes: ["options"] },
  {
    severity: "high",
    change: "unexpected",
    kinds: ["column"],
    when: (finding) => breaksInserts(finding.actual as ColumnObject),
  },

  {
    severity: "medium",
    change: "unexpected",
    kinds: [
      "schema",
      "extension",
      "table",
      "column",
      "index",
      "view",
      "materialized_view",
      "sequence",
      "function",
      "procedure",
      "type",
      "domain",
    ],
  },
  // Across majors, each server's own extension version: not drift of the environment.
  {
    severity: "info",
    change: "changed",
    kinds: ["extension"],
    attributes: ["version"],
    when: (finding) => evidenceFlag(finding, "majorsDiffer") === true,
  },
  { severity: "medium", change: "changed", kinds: ["extension"], attributes: ["version"] },
  { severity: "medium", change: "changed", kinds: ["migration"], attributes: ["checksum"] },
  { severity: "medium", change: "missing", kinds: ["migration"] },
  {
    severity: "medium",
    change: "changed",
    kinds: ["sequence"],
    exceptAttributes: ["comment", "owner", "privileges", "name"],
  },
  // A serial or OWNED BY column's sequence: its parameters, or which sequence the column owns.
  { severity: "medium", change: "changed", kinds: ["column"], attributes: ["sequence"] },
  {
    severity: "medium",
    change: "changed",
    kinds: ["function", "procedure"],
    attributes: ["volatility"],
  },

  { severity: "low", change: "changed", attributes: ["comment", "name", "owner"] },
  { severity: "low", change: "changed", kinds: ["column"], attributes: ["position"] },
  {
    severity: "low",
    change: "changed",
    kinds: ["table", "materialized_view"],
    attributes: ["options"],
  },
  {
    severity: "low",
    change: "changed",
    kinds: ["index"],
    attributes: ["definition"],
    when: isIndexStorageChange,
  },
];

function rowMatches(row: PolicyRow, finding: DraftFinding): boolean {
  const attribute = finding.attribute ?? "";
  return (
    row.change === finding.change &&
    (row.kinds === undefined || row.kinds.includes(finding.kind)) &&
    (row.attributes === undefined || row.attributes.includes(attribute)) &&
    !(row.exceptAttributes ?? []).includes(attribute) &&
    (row.when === undefined || row.when(finding))
  );
}

export function defaultSeverity(finding: DraftFinding): Severity {
  return DEFAULT_POLICY.find((row) => rowMatches(row, finding))?.severity ?? "info";
}

function overrideMatches(override: SeverityOverride, finding: DraftFinding): boolean {
  return (
    (override.kind === undefined || override.kind === finding.kind) &&
    (override.change === undefined || override.change === finding.change) &&
    (override.attribute === undefined || override.attribute === finding.attribute) &&
    (override.object === undefined || matchesGlob(override.object, finding.object))
  );
}

/** The default severity, then the config's overrides (the last matching one wins). */
export function severityOf(
  finding: DraftFinding,
  overrides: readonly SeverityOverride[] = [],
): Severity {
  let severity = defaultSeverity(finding);
  for (const override of overrides) {
    if (overrideMatches(override, finding)) severity = override.severity;
  }
  return severity;
}

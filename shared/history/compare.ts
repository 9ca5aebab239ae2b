import { isFlywayBaselineFile } from "../baseline/sources/flyway-names.ts";
import {
  compareFlywayVersions,
  type FlywayVersion,
  parseFlywayVersion,
} from "../baseline/sources/flyway-text.ts";
import { prismaChecksumMatches } from "../baseline/sources/prisma.ts";
import type { MigrationFormat } from "../baseline/sources/source.ts";
import type { DraftFinding } from "../diff/context.ts";
import type { MigrationRecord } from "../snapshot/model.ts";
import { type HistoryEntry, type HistoryFormat, isHistoryFormat } from "./types.ts";
import {
  editedWording,
  pendingWording,
  type Subject,
  statusWording,
  unknownWording,
} from "./wording.ts";

export interface CompareHistoryOptions {
  readonly format: MigrationFormat;
  /** The clock pending migrations' ages are measured against. */
  readonly now: Date;
  /** A pending migration older than this (by its commit date, else its timestamp) is overdue. Default 7. */
  readonly pendingAgeDays?: number;
  /** When each migration entered the repository (ISO 8601), by file (or version). */
  readonly commitDates?: Readonly<Record<string, string>>;
  /**
   * Prisma: each `migration.sql`'s text by file (byte order mark kept), when the folder is at
   * hand: the checksum is then compared as Prisma compares it (line endings either way).
   * Without it, the stored checksum is compared with the file's bytes' (zero padding either way).
   */
  readonly scripts?: Readonly<Record<string, string>>;
}

const DAY_MS = 86_400_000;

/**
 * One key per migration as the tool identifies it (Flyway: `1.1` = `1.01` = `1_1`; a baseline
 * migration `B5__…` apart from the versioned `V5__…`).
 */
function keyOf(format: HistoryFormat, kind: string | undefined, version: string): string {
  if (format === "flyway") {
    if (kind === "repeatable") return `R\u0000${version}`;
    if (kind === "baseline")
      return `B\u0000${parseFlywayVersion(version)?.parts.join(".") ?? version}`;
    return `V\u0000${parseFlywayVersion(version)?.parts.join(".") ?? version}`;
  }
  if (format === "golang-migrate" && /^\d+$/.test(version)) return String(BigInt(version));
  return version;
}

const RANK: Record<HistoryEntry["status"], number> = {
  rolled_back: 0,
  success: 1,
  dirty: 2,
  failed: 2,
};

interface Resolved {
  /** The row that counts for each migration, in history order; null when cancelled. */
  readonly rows: Map<string, HistoryEntry | null>;
  readonly baseline: FlywayVersion | null;
  /** golang-migrate: the current version's row. */
  readonly upTo: HistoryEntry | null;
}

/** Which row counts for each migration, as the tool decides it. */
function resolve(format: HistoryFormat, entries: readonly HistoryEntry[]): Resolved {
  const rows = new Map<string, HistoryEntry | null>();
  let baseline: FlywayVersion | null = null;
  let upTo: HistoryEntry | null = null;
  for (const entry of entries) {
    const key = keyOf(format, entry.kind, entry.version);
    if (entry.effect === "baseline") {
      const version = parseFlywayVersion(entry.version);
      if (version && (!baseline || compareFlywayVersions(version, baseline) > 0))
        baseline = version;
    } else if (entry.effect === "up_to") {
      upTo = entry;
    } else if (entry.effect === "cancel") {
      rows.delete(key);
      rows.set(key, null);
    } else {
      const previous = rows.get(key);
      // Prisma keeps every attempt: a rolled-back row does not count, an unresolved failed one
      // blocks; other tools: the latest row counts
      if (format === "prisma" && previous && RANK[previous.status] > RANK[entry.status]) continue;
      rows.delete(key);
      rows.set(key, entry);
    }
  }
  return { rows, baseline, upTo };
}

function checksumDiffers(
  format: HistoryFormat,
  record: MigrationRecord,
  stored: number | string | null,
  scripts: Readonly<Record<string, string>> | undefined,
): boolean {
  const local = record.toolChecksum ?? null;
  if (stored === null || local === null) return false;
  if (format === "flyway") return Number(stored) !== Number(local);
  if (format !== "prisma") return false;
  const storedText = String(stored);
  const script = scripts?.[record.file];
  if (script !== undefined) return !prismaChecksumMatches(script, storedText);
  const localText = String(local);
  // rows written by old Prisma versions hold the hex digits of each byte without zero padding
  const unpadded = (localText.match(/../g) ?? []).map((b) => Number.parseInt(b, 16).toString(16));
  return storedText !== localText && storedText !== unpadded.join("");
}

/**
 * Flyway's kind of a recorded migration: a baseline migration (`B5__baseline.sql`) is recorded as
 * a versioned one, its file name telling it apart.
 */
function recordKind(format: HistoryFormat, record: MigrationRecord): string | undefined {
  if (format === "flyway" && record.kind !== "repeatable" && isFlywayBaselineFile(record.file)) {
    return "baseline";
  }
  return record.kind;
}

function subjectOf(record: MigrationRecord): Subject {
  return {
    object: record.version,
    description: record.description ?? "",
    file: record.file,
    repeatable: record.kind === "repeatable",
  };
}

/**
 * The differences between the migrations of the repository (in apply order) and the history
 * an environment's migration tool recorded: `migration` findings, object = the version (or name)
 * as the tool prints it. Pending first-to-last in apply order with the repository's edited and
 * failed ones among them, then the history's unknown ones in history order.
 */
export function compareHistory(
  migrations: readonly MigrationRecord[],
  entries: readonly HistoryEntry[],
  options: CompareHistoryOptions,
): DraftFinding[] {
  const format = options.format;
  if (!isHistoryFormat(format)) return [];
  const limit = options.pendingAgeDays ?? 7;
  const { rows, baseline, upTo } = resolve(format, entries);
  const current = upTo && upTo.version !== "-1" ? BigInt(upTo.version) : null;
  const findings: DraftFinding[] = [];
  const inRepository = new Set<string>();

  const appliedRow = (record: MigrationRecord, key: string): HistoryEntry | null => {
    if (format === "golang-migrate" && current !== null && /^\d+$/.test(record.version)) {
      const version = BigInt(record.version);
      if (version === current) return upTo;
      if (version < current) return { ...(upTo as HistoryEntry), status: "success" };
    }
    const row = rows.get(key) ?? null;
    return row && row.status !== "rolled_back" ? row : null;
  };

  // what is applied, to tell an out-of-order pending migration
  let highest: FlywayVersion | null = baseline;
  for (const row of rows.values()) {
    if (format !== "flyway" || !row || row.kind !== "versioned" || row.status !== "success")
      continue;
    const version = parseFlywayVersion(row.version);
    if (version && (!highest || compareFlywayVersions(version, highest) > 0)) highest = version;
  }
  const kinds = migrations.map((record) => recordKind(format, record));
  const keys = migrations.map((record, i) => keyOf(format, kinds[i], record.version));
  const appliedAt = migrations.map((record, i) => appliedRow(record, keys[i] as string) !== null);

  // Flyway baseline migrations (B…): a database without history starts from the latest one (its
  // row is a SQL_BASELINE), and skips the versioned migrations at or below it; a database with
  // history ignores them, and what it applied at or below that version is accounted for by it.
  let repositoryBaseline: FlywayVersion | null = null;
  migrations.forEach((record, i) => {
    if (kinds[i] !== "baseline") return;
    const version = parseFlywayVersion(record.version);
    if (version && (!repositoryBaseline || compareFlywayVersions(version, repositoryBaseline) > 0))
      repositoryBaseline = version;
  });
  const coveredByBaseline = (version: string): boolean => {
    const parsed = parseFlywayVersion(version);
    return (
      repositoryBaseline !== null &&
      parsed !== null &&
      compareFlywayVersions(parsed, repositoryBaseline) <= 0
    );
  };
  const hasHistory = entries.length > 0;
  const baselineRow = (record: MigrationRecord): HistoryEntry | null => {
    const key = keyOf(format, "baseline", record.version);
    let found: HistoryEntry | null = null;
    for (const entry of entries) {
      if (entry.type === "SQL_BASELINE" && keyOf(format, "baseline", entry.version) === key)
        found = entry;
    }
    return found;
  };

  migrations.forEach((record, index) => {
    const key = keys[index] as string;
    inRepository.add(key);
    const subject = subjectOf(record);
    const isBaseline = kinds[index] === "baseline";
    if (format === "flyway" && hasHistory && isBaseline && !baselineRow(record)) return;
    // a fresh database runs the baseline migration instead of these
    if (format === "flyway" && !hasHistory && !isBaseline && record.kind !== "repeatable") {
      if (coveredByBaseline(record.version)) return;
    }
    const row = isBaseline ? baselineRow(record) : appliedRow(record, key);
    if (row) {
      if (row.status === "failed" || row.status === "dirty") {
        const previous = index > 0 ? (migrations[index - 1]?.version ?? null) : null;
        const words = statusWording(format, subject, row.status, {
          startedAt: row.installedOn,
          previous,
        });
        findings.push({
          kind: "migration",
          object: record.version,
          change: "changed",
          attribute: "status",
          expected: "applied",
          actual: row.status,
          ...words,
          evidence: { file: record.file, row: row.row, installedOn: row.installedOn },
        });
      } else if (checksumDiffers(format, record, row.checksum, options.scripts)) {
        const expected = record.toolChecksum ?? null;
        const words = editedWording(format, subject, expected, row.checksum);
        findings.push({
          kind: "migration",
          object: record.version,
          change: "changed",
          attribute: "checksum",
          expected,
          actual: row.checksum,
          ...words,
          evidence: {
            file: record.file,
            row: row.row,
            installedOn: row.installedOn,
            // Flyway re-applies a repeatable migration whose checksum changed: pending, not edited
            reapply: subject.repeatable,
          },
        });
      }
      return;
    }
    if (format === "flyway" && baseline && record.kind !== "repeatable" && !isBaseline) {
      const version = parseFlywayVersion(record.version);
      // at or below the baseline: Flyway counts it as applied (state "Below Baseline")
      if (version && compareFlywayVersions(version, baseline) <= 0) return;
    }

    let outOfOrder = false;
    let appliedBeyond: string | null = null;
    if (record.kind !== "repeatable") {
      const version = format === "flyway" ? parseFlywayVersion(record.version) : null;
      if (version && highest && compareFlywayVersions(version, highest) < 0) {
        outOfOrder = true;
        appliedBeyond = highest.text;
      } else if (format !== "flyway" && format !== "golang-migrate") {
        const later = migrations.findIndex((_, j) => j > index && appliedAt[j]);
        if (later >= 0) {
          outOfOrder = true;
          appliedBeyond = migrations[later]?.version ?? null;
        }
      }
    }
    const commit = options.commitDates?.[record.file] ?? options.commitDates?.[record.version];
    const since = commit ?? record.timestamp ?? null;
    const sinceMs = since === null ? Number.NaN : Date.parse(since);
    const elapsed = options.now.getTime() - sinceMs;
    const known = Number.isFinite(elapsed);
    const ageDays = known ? Math.floor(elapsed / DAY_MS) : null;
    const overdue = known && elapsed > limit * DAY_MS;
    const rolledBack = rows.get(key);
    const words = pendingWording(
      format,
      subject,
      {
        outOfOrder,
        appliedBeyond,
        current: current === null ? null : String(current),
        rolledBackAt: rolledBack?.status === "rolled_back" ? rolledBack.installedOn : null,
        ageDays,
        overdue,
      },
      limit,
    );
    findings.push({
      kind: "migration",
      object: record.version,
      change: "missing",
      expected: {
        file: record.file,
        version: record.version,
        ...(record.description === undefined ? {} : { description: record.description }),
      },
      actual: null,
      ...words,
      evidence: {
        file: record.file,
        timestamp: known ? new Date(sinceMs).toISOString() : null,
        ageFrom: !known ? null : commit !== undefined ? "commit" : "timestamp",
        ageDays,
        overdue,
        outOfOrder,
      },
    });
  });

  const unknown = [...rows.values()].filter(
    (row): row is HistoryEntry =>
      row !== null &&
      row.status !== "rolled_back" &&
      !inRepository.has(keyOf(format, row.kind, row.version)),
  );
  // applied before the repository's baseline migration consolidated them: not unknown
  const superseded = (row: HistoryEntry) =>
    format === "flyway" && row.kind === "versioned" && coveredByBaseline(row.version);
  // golang-migrate's current version: unknown when no file has it; -1 (no version) never is,
  // though it can be dirty (a failed first migration's down)
  if (upTo && (current === null || !inRepository.has(keyOf(format, "versioned", upTo.version))))
    unknown.push(upTo);
  for (const row of unknown) {
    const subject: Subject = {
      object: row.version,
      description: row.kind === "repeatable" ? "" : row.description,
      file: null,
      repeatable: row.kind === "repeatable",
    };
    if ((row !== upTo || current !== null) && !superseded(row))
      findings.push({
        kind: "migration",
        object: row.version,
        change: "unexpected",
        expected: null,
        actual: {
          version: row.version,
          description: row.description,
          status: row.status,
          installedOn: row.installedOn,
        },
        ...unknownWording(format, subject, row.installedOn),
        evidence: { row: row.row, installedOn: row.installedOn, status: row.status },
      });
    if (row.status === "failed" || row.status === "dirty") {
      findings.push({
        kind: "migration",
        object: row.version,
        change: "changed",
        attribute: "status",
        expected: "applied",
        actual: row.status,
        ...statusWording(format, subject, row.status, {
          startedAt: row.installedOn,
          previous: null,
        }),
        evidence: { file: null, row: row.row, installedOn: row.installedOn },
      });
    }
  }
  return findings;
}

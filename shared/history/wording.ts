import type { HistoryFormat } from "./types.ts";

/**
 * Each finding's message and remediation in the words of the tool that owns the history table
 * (its `info`/`status` states and its validation errors), so that the person who reads the
 * report recognises what the tool itself would say.
 */

export interface Subject {
  /** The version or name as the tool prints it. */
  readonly object: string;
  readonly description: string;
  /** The repository file, or null when the migration is not in the repository. */
  readonly file: string | null;
  readonly repeatable: boolean;
}

export interface PendingFacts {
  /** A later migration (Flyway: a higher version) is already applied. */
  readonly outOfOrder: boolean;
  /** What is applied beyond it (Flyway: the highest applied version; others: the later migration). */
  readonly appliedBeyond: string | null;
  /** golang-migrate: the current version, or null when none. */
  readonly current: string | null;
  /** Prisma: when its earlier attempt was marked rolled back. */
  readonly rolledBackAt: string | null;
  readonly ageDays: number | null;
  readonly overdue: boolean;
}

export interface Wording {
  readonly message: string;
  readonly remediation: string;
}

function named(subject: Subject): string {
  if (subject.repeatable) return `repeatable migration "${subject.object}"`;
  return subject.description !== "" && subject.description !== subject.object
    ? `migration ${subject.object} (${subject.description})`
    : `migration ${subject.object}`;
}

function age(facts: PendingFacts, limit: number): string {
  if (facts.ageDays === null) return "";
  const days = facts.ageDays === 1 ? "1 day" : `${facts.ageDays} days`;
  return facts.overdue ? `; ${days} old, more than the ${limit} days allowed` : `; ${days} old`;
}

const TOOL: Record<HistoryFormat, string> = {
  flyway: "Flyway",
  prisma: "Prisma",
  "golang-migrate": "golang-migrate",
  dbmate: "dbmate",
  "node-pg-migrate": "node-pg-migrate",
};

export function pendingWording(
  format: HistoryFormat,
  s: Subject,
  facts: PendingFacts,
  limit: number,
): Wording {
  const tail = age(facts, limit);
  const order = facts.outOfOrder ? `, out of order: ${facts.appliedBeyond} is already applied` : "";
  switch (format) {
    case "flyway":
      if (facts.outOfOrder) {
        return {
          message: `Flyway ${named(s)} is Pending out of order: version ${s.object} is lower than the highest applied version ${facts.appliedBeyond}, so \`flyway info\` shows it as Ignored and \`flyway migrate\` skips it${tail}`,
          remediation: `Check that it does not depend on what later versions changed, then \`flyway migrate -outOfOrder=true\``,
        };
      }
      return {
        message: `Flyway ${named(s)} is Pending: in the repository, not applied to this database${tail}`,
        remediation: "`flyway migrate`",
      };
    case "prisma": {
      const rolledBack = facts.rolledBackAt
        ? ` (its earlier attempt was rolled back at ${facts.rolledBackAt})`
        : "";
      return {
        message: `Prisma migration ${s.object} has not yet been applied${rolledBack}${order}${tail}`,
        remediation: "`prisma migrate deploy`",
      };
    }
    case "golang-migrate":
      return {
        message: `golang-migrate ${named(s)} is not applied: the database is at ${facts.current === null ? "no version" : `version ${facts.current}`}${tail}`,
        remediation: "`migrate -path <migrations> -database <url> up`",
      };
    case "dbmate":
      return {
        message: `dbmate ${named(s)} is pending: its version is not in schema_migrations${order}${tail}`,
        remediation: facts.outOfOrder
          ? "`dbmate migrate` (it applies pending migrations out of order unless --strict)"
          : "`dbmate migrate`",
      };
    case "node-pg-migrate":
      if (facts.outOfOrder) {
        return {
          message: `node-pg-migrate: Not run migration ${s.object} is preceding already run migration ${facts.appliedBeyond}${tail}`,
          remediation:
            "Check that it does not depend on later migrations, then `node-pg-migrate up --no-check-order`",
        };
      }
      return {
        message: `node-pg-migrate migration ${s.object} has not been run${tail}`,
        remediation: "`node-pg-migrate up`",
      };
  }
}

export function unknownWording(
  format: HistoryFormat,
  s: Subject,
  installedOn: string | null,
): Wording {
  const when = installedOn ? `, applied on ${installedOn}` : "";
  switch (format) {
    case "flyway":
      return {
        message: `Flyway: Applied migration not resolved locally: ${s.repeatable ? `repeatable "${s.object}"` : `${s.object}${s.description ? ` (${s.description})` : ""}`}${when}: no file in the repository has it`,
        remediation:
          "Commit the migration file that was applied to this database; if it was removed on purpose, revert its changes and run `flyway repair` to mark it as deleted",
      };
    case "prisma":
      return {
        message: `Prisma migration ${s.object} is applied to the database${when} but not found locally: the migrations recorded in the database diverge from the local migrations directory`,
        remediation: `Commit the migration folder ${s.object} that was applied here; if it must not exist, revert its changes and remove its _prisma_migrations row`,
      };
    case "golang-migrate":
      return {
        message: `golang-migrate: the database is at version ${s.object}, but no migration found for version ${s.object} in the repository`,
        remediation: `Commit the migration file of version ${s.object}; if it must not exist, revert its changes and \`migrate force <the last version in the repository>\``,
      };
    case "dbmate":
      return {
        message: `dbmate: version ${s.object} is applied (in schema_migrations) but no migration file in the repository has it`,
        remediation: `Commit the migration file of version ${s.object}; if it must not exist, revert its changes and delete its schema_migrations row`,
      };
    case "node-pg-migrate":
      return {
        message: `node-pg-migrate: migration ${s.object} was run${when} (in pgmigrations) but its file is not in the repository`,
        remediation: `Commit the migration file ${s.object}.sql; if it must not exist, revert its changes and delete its pgmigrations row`,
      };
  }
}

export function editedWording(
  format: HistoryFormat,
  s: Subject,
  expected: unknown,
  actual: unknown,
): Wording {
  if (format === "flyway" && s.repeatable) {
    return {
      message: `Flyway ${named(s)} is Outdated: its checksum changed since it was applied (applied to database: ${String(actual)}, resolved locally: ${String(expected)}); \`flyway migrate\` will re-apply it`,
      remediation: "`flyway migrate` (re-applies the repeatable migration)",
    };
  }
  if (format === "flyway") {
    return {
      message: `Flyway: Migration checksum mismatch for migration version ${s.object}: applied to database: ${String(actual)}, resolved locally: ${String(expected)}`,
      remediation: `Restore ${s.file} as it was applied and put the change in a new migration; if the edit is intended and the database already matches it, \`flyway repair\` realigns the stored checksum`,
    };
  }
  return {
    message: `${TOOL[format]} migration ${s.object} was modified after it was applied: the checksum recorded in the database differs from ${s.file}`,
    remediation: `Restore ${s.file} as it was applied and put the change in a new migration`,
  };
}

export function statusWording(
  format: HistoryFormat,
  s: Subject,
  status: "failed" | "dirty",
  facts: { readonly startedAt: string | null; readonly previous: string | null },
): Wording {
  switch (format) {
    case "flyway":
      return {
        message: `Flyway: Detected failed ${s.repeatable ? `repeatable migration "${s.object}"` : `migration to version ${s.object}${s.description ? ` (${s.description})` : ""}`}: \`flyway migrate\` will not continue until it is repaired`,
        remediation:
          "Remove (or complete) its half-applied changes by hand, run `flyway repair` to remove the failed entry, then `flyway migrate`",
      };
    case "prisma":
      return {
        message: `Prisma migration ${s.object}${facts.startedAt ? ` started at ${facts.startedAt}` : ""} failed: \`prisma migrate deploy\` applies no new migration until it is resolved (P3009)`,
        remediation: `Revert its partial changes and run \`prisma migrate resolve --rolled-back ${s.object}\` then \`prisma migrate deploy\`, or complete them by hand and run \`prisma migrate resolve --applied ${s.object}\``,
      };
    case "golang-migrate":
      return {
        message: `golang-migrate: Dirty database version ${s.object}: migration ${s.object} failed part way, and \`migrate up\` refuses to run until the version is forced`,
        remediation: `Repair the half-applied changes of migration ${s.object} by hand, then \`migrate force ${s.object}\` if they are now complete${facts.previous === null ? "" : ` (or \`migrate force ${facts.previous}\` if you reverted them)`}, then \`migrate up\``,
      };
    default:
      return {
        message: `${TOOL[format]} migration ${s.object} is ${status}`,
        remediation: "Repair the half-applied changes by hand, then re-run the migration tool",
      };
  }
}

import { type FlywayVersion, parseFlywayVersion } from "./flyway-text.ts";

/**
 * What Flyway's file names mean (SQL migrations, default naming): versioned, baseline and
 * repeatable migrations, undo migrations, and the SQL callbacks of each event.
 */

/** Callback events `flyway migrate` fires on success, in firing order. */
export const PLACED_EVENTS = [
  "beforeMigrate",
  "beforeEachMigrate",
  "afterEachMigrate",
  "afterVersioned",
  "beforeRepeatables",
  "afterMigrate",
  "afterMigrateApplied",
  "afterMigrateOperationFinish",
] as const;
export type PlacedEvent = (typeof PLACED_EVENTS)[number];

/** Statement-level callbacks: Flyway runs them around every statement of a migration. */
export const STATEMENT_EVENTS = new Set([
  "beforeEachMigrateStatement",
  "afterEachMigrateStatement",
]);

/** Every other callback Flyway knows: other commands, or failures. */
export const OTHER_EVENTS = new Set(
  [
    "afterEachMigrateStatementError afterEachMigrateError afterMigrateError",
    "beforeUndo beforeEachUndo beforeEachUndoStatement afterEachUndoStatement",
    "afterEachUndoStatementError afterEachUndo afterEachUndoError afterUndo afterUndoError",
    "beforeClean afterClean afterCleanError beforeInfo afterInfo afterInfoError",
    "beforeValidate afterValidate afterValidateError beforeBaseline afterBaseline",
    "afterBaselineError beforeRepair afterRepair afterRepairError createSchema",
    "beforeCreateSchema beforeConnect afterConnect afterUndoOperationFinish",
    "afterCleanOperationFinish afterInfoOperationFinish afterValidateOperationFinish",
    "afterBaselineOperationFinish afterRepairOperationFinish",
  ].flatMap((line) => line.split(" ")),
);

export const NAMING =
  "V<version>__<description>.sql, B<version>__<description>.sql or R__<description>.sql (version: digits separated by . or _)";

export type Entry =
  | { readonly type: "versioned"; readonly version: FlywayVersion; readonly description: string }
  | { readonly type: "baseline"; readonly version: FlywayVersion; readonly description: string }
  | { readonly type: "repeatable"; readonly description: string }
  | { readonly type: "callback"; readonly event: string; readonly description: string | null }
  | { readonly type: "ignored"; readonly why: string | null }
  | { readonly type: "invalid"; readonly problem: string };

/** What a file name means to Flyway. */
export function classifyFlywayName(name: string): Entry {
  if (!name.endsWith(".sql")) return { type: "ignored", why: null };
  const base = name.slice(0, -".sql".length);
  const separator = base.indexOf("__");
  const id = separator === -1 ? base : base.slice(0, separator);
  if ((PLACED_EVENTS as readonly string[]).includes(id) || STATEMENT_EVENTS.has(id)) {
    return {
      type: "callback",
      event: id,
      description: separator === -1 ? null : base.slice(separator + 2),
    };
  }
  if (OTHER_EVENTS.has(id)) return { type: "ignored", why: `${id} callback` };
  if (!/^[VRUB][\d._]/.test(base)) return { type: "ignored", why: null };
  const prefix = base[0] as "V" | "R" | "U" | "B";
  const split = base.indexOf("__", 1);
  if (split === -1) {
    return { type: "invalid", problem: `no "__" between the version and the description` };
  }
  const rawVersion = base.slice(1, split);
  const description = base.slice(split + 2).replaceAll("_", " ");
  if (prefix === "R") {
    return rawVersion === ""
      ? { type: "repeatable", description }
      : {
          type: "invalid",
          problem: `a repeatable migration has no version (R__<description>.sql)`,
        };
  }
  const version = parseFlywayVersion(rawVersion);
  if (version === null) {
    return {
      type: "invalid",
      problem: `"${rawVersion}" is not a version (digits separated by . or _)`,
    };
  }
  if (prefix === "U") return { type: "ignored", why: "undo migration" };
  if (prefix === "B") return { type: "baseline", version, description };
  return { type: "versioned", version, description };
}

/**
 * A baseline migration's file (`B5__baseline.sql`, in any sub-folder). In a snapshot's migration
 * list it is recorded as a versioned migration of its version: its file name tells it apart.
 */
export function isFlywayBaselineFile(file: string): boolean {
  return classifyFlywayName(file.slice(file.lastIndexOf("/") + 1)).type === "baseline";
}

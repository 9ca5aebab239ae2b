import type { MigrationFormat } from "../baseline/sources/source.ts";

/**
 * A migration tool's history table, as found in one environment. Plain SQL (`sql`) has none:
 * nothing records which files were applied.
 */
export type HistoryFormat = Exclude<MigrationFormat, "sql">;

export interface HistoryColumn {
  readonly name: string;
  /** `format_type` spelling: `bigint`, `character varying(128)`, … */
  readonly type: string;
}

export interface HistoryTable {
  readonly schema: string;
  readonly table: string;
  /** `schema.table`, each part quoted as `quote_ident` would: for messages and for SQL. */
  readonly name: string;
  /** Every column of the table, in column order. */
  readonly columns: readonly HistoryColumn[];
}

export interface FindHistoryOptions {
  /**
   * The schema the tool is configured to use (Flyway `defaultSchema`, Prisma `?schema=`, …):
   * searched first, then `public`, then any other schema holding a table of the tool's name.
   */
  readonly schema?: string | null;
  /** A table named in the config: wins over the tool's default name (and schema, when given). */
  readonly table?: { readonly schema?: string | null; readonly table: string } | null;
}

/**
 * One row of a history table, read as the tool reads it. Rows that are not migrations (Flyway's
 * `SCHEMA` marker) are left out.
 */
export interface HistoryEntry {
  /**
   * What the migration is known by, as the tool stores it: a version (Flyway, golang-migrate,
   * dbmate), a name (Prisma `migration_name`, node-pg-migrate `name`), or for a Flyway
   * repeatable migration its description.
   */
  readonly version: string;
  /** `repeatable`: a Flyway row without a version, known by its description. */
  readonly kind: "versioned" | "repeatable";
  /** The description or name the tool shows (empty when it stores none). */
  readonly description: string;
  /** The checksum the tool stored (Flyway: signed 32-bit integer; Prisma: sha256 hex), or null. */
  readonly checksum: number | string | null;
  readonly status: "success" | "failed" | "dirty" | "rolled_back";
  /**
   * What the row says about the migrations:
   * - `applied`: this migration ran (with `status`);
   * - `baseline`: every version at or below this one counts as applied (Flyway `BASELINE`);
   * - `up_to`: this version and every lower one count as applied (golang-migrate's one row);
   * - `cancel`: an earlier row of this migration no longer counts (Flyway `DELETE`, `UNDO_…`).
   */
  readonly effect: "applied" | "baseline" | "up_to" | "cancel";
  /** When the tool recorded it, ISO 8601 UTC, or null. */
  readonly installedOn: string | null;
  /** The row's key for messages: `installed_rank 7`, `id 3f2a…`, `version 20240101120000`. */
  readonly row: string;
  /** Flyway's `type` column (`SQL`, `BASELINE`, …); absent for other tools. */
  readonly type?: string;
}

/** The history table cannot be found, read or understood. Names the table and, when one is at fault, the row. */
export class HistoryError extends Error {
  /** `schema.table`, or null when no table is concerned. */
  readonly table: string | null;
  readonly row: string | null;
  /** When a privilege is missing: the statement that grants it. */
  readonly grant: string | null;
  constructor(
    message: string,
    options: {
      table?: string | null;
      row?: string | null;
      grant?: string | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HistoryError";
    this.table = options.table ?? null;
    this.row = options.row ?? null;
    this.grant = options.grant ?? null;
  }
}

/** The tools' table names and the columns pgdrift reads from each. */
export const HISTORY_TABLES: Readonly<
  Record<HistoryFormat, { readonly names: readonly string[]; readonly columns: readonly string[] }>
> = {
  flyway: {
    // `schema_version`: the default name before Flyway 5
    names: ["flyway_schema_history", "schema_version"],
    columns: [
      "installed_rank",
      "version",
      "description",
      "type",
      "script",
      "checksum",
      "installed_by",
      "installed_on",
      "execution_time",
      "success",
    ],
  },
  prisma: {
    names: ["_prisma_migrations"],
    columns: [
      "id",
      "checksum",
      "finished_at",
      "migration_name",
      "logs",
      "rolled_back_at",
      "started_at",
      "applied_steps_count",
    ],
  },
  "golang-migrate": { names: ["schema_migrations"], columns: ["version", "dirty"] },
  dbmate: { names: ["schema_migrations"], columns: ["version"] },
  "node-pg-migrate": { names: ["pgmigrations"], columns: ["id", "name", "run_on"] },
};

export function isHistoryFormat(format: string): format is HistoryFormat {
  return Object.hasOwn(HISTORY_TABLES, format);
}

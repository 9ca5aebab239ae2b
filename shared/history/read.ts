import { parseFlywayVersion } from "../baseline/sources/flyway-text.ts";
import type { MigrationFormat } from "../baseline/sources/source.ts";
import type { Queryable } from "../introspect/queryable.ts";
import { catalogQuery } from "../introspect/session.ts";
import { type HistoryEntry, HistoryError, type HistoryTable, isHistoryFormat } from "./types.ts";

/**
 * Reading a history table's rows: exactly the columns the tool writes, in the order the tool
 * reads them, normalized into `HistoryEntry`s. Timestamps are formatted by the server (a
 * `timestamp without time zone` column is read as UTC: the tools write `now()` into it in their
 * session's time zone, which pgdrift cannot know).
 */

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

function column(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The column as ISO 8601 UTC text, or NULL when it is not a date or timestamp. */
function instant(table: HistoryTable, name: string): string {
  const type = table.columns.find((c) => c.name === name)?.type ?? "";
  if (type.startsWith("timestamp") && type.endsWith("with time zone") && !type.includes("without"))
    return `pg_catalog.to_char(${column(name)} AT TIME ZONE 'UTC', ${ISO})`;
  if (type.startsWith("timestamp") || type === "date")
    return `pg_catalog.to_char(${column(name)}, ${ISO})`;
  return "NULL::text";
}

function rowError(table: HistoryTable, row: string, problem: string): HistoryError {
  return new HistoryError(`migration history ${table.name}, row ${row}: ${problem}`, {
    table: table.name,
    row,
  });
}

async function rows<R>(db: Queryable, table: HistoryTable, sql: string): Promise<R[]> {
  return catalogQuery<R>(db, `migration history ${table.name}`, sql, []);
}

interface FlywayRow {
  readonly rank: string;
  readonly version: string | null;
  readonly description: string | null;
  readonly type: string | null;
  readonly checksum: number | string | null;
  readonly installed_on: string | null;
  readonly success: boolean | null;
}

function flywayEffect(type: string): HistoryEntry["effect"] {
  if (type.endsWith("BASELINE")) return "baseline";
  if (type === "DELETE" || type.startsWith("UNDO")) return "cancel";
  return "applied";
}

async function readFlyway(db: Queryable, table: HistoryTable): Promise<HistoryEntry[]> {
  const result = await rows<FlywayRow>(
    db,
    table,
    `SELECT "installed_rank"::text AS rank, "version"::text AS version, "description"::text AS description,
            "type"::text AS type, "checksum", ${instant(table, "installed_on")} AS installed_on,
            "success"::boolean AS success
     FROM ${table.name} AS h ORDER BY h."installed_rank"`,
  );
  const entries: HistoryEntry[] = [];
  for (const r of result) {
    const type = (r.type ?? "SQL").toUpperCase();
    // the marker Flyway writes when it created the schemas: not a migration
    if (type === "SCHEMA") continue;
    const row = `installed_rank ${r.rank}`;
    const description = r.description ?? "";
    let version: string;
    let kind: HistoryEntry["kind"] = "versioned";
    if (r.version === null || r.version === "") {
      if (type.endsWith("BASELINE")) throw rowError(table, row, `a ${type} row without a version`);
      kind = "repeatable";
      version = description;
    } else {
      const parsed = parseFlywayVersion(r.version);
      if (parsed === null) {
        throw rowError(
          table,
          row,
          `version "${r.version}" is not a Flyway version (digits separated by dots, like 1.2.3)`,
        );
      }
      version = parsed.text;
    }
    entries.push({
      version,
      kind,
      description,
      checksum: r.checksum === null ? null : Number(r.checksum),
      status: r.success === false ? "failed" : "success",
      effect: flywayEffect(type),
      installedOn: r.installed_on,
      row,
      type,
    });
  }
  return entries;
}

interface PrismaRow {
  readonly id: string;
  readonly checksum: string;
  readonly migration_name: string;
  readonly finished_at: string | null;
  readonly rolled_back_at: string | null;
  readonly started_at: string | null;
}

async function readPrisma(db: Queryable, table: HistoryTable): Promise<HistoryEntry[]> {
  const result = await rows<PrismaRow>(
    db,
    table,
    `SELECT "id"::text AS id, "checksum"::text AS checksum, "migration_name"::text AS migration_name,
            ${instant(table, "finished_at")} AS finished_at,
            ${instant(table, "rolled_back_at")} AS rolled_back_at,
            ${instant(table, "started_at")} AS started_at
     FROM ${table.name} AS h ORDER BY h."started_at", h."id"`,
  );
  return result.map((r) => ({
    version: r.migration_name,
    kind: "versioned",
    description: r.migration_name.replace(/^\d+_/, ""),
    checksum: r.checksum,
    // Prisma: rolled_back_at set → ignored; finished_at unset (and not rolled back) → failed
    status:
      r.rolled_back_at !== null ? "rolled_back" : r.finished_at === null ? "failed" : "success",
    effect: "applied",
    installedOn: r.finished_at ?? r.started_at,
    row: `id ${r.id}`,
  }));
}

interface GolangRow {
  readonly version: string | null;
  readonly dirty: boolean | null;
}

async function readGolangMigrate(db: Queryable, table: HistoryTable): Promise<HistoryEntry[]> {
  const result = await rows<GolangRow>(
    db,
    table,
    `SELECT "version"::text AS version, "dirty"::boolean AS dirty FROM ${table.name}`,
  );
  if (result.length > 1) {
    throw new HistoryError(
      `migration history ${table.name} holds ${result.length} rows: golang-migrate keeps exactly one (the current version and its dirty flag)`,
      { table: table.name },
    );
  }
  const [r] = result;
  if (!r) return [];
  const row = `version ${r.version ?? "NULL"}`;
  const text = (r.version ?? "").trim();
  // golang-migrate's versions are unsigned; -1 is its "no version" (NilVersion)
  if (!/^(?:\d+|-1)$/.test(text)) {
    throw rowError(
      table,
      row,
      `version "${r.version ?? "NULL"}" is not a golang-migrate version (an unsigned integer)`,
    );
  }
  const version = String(BigInt(text));
  if (version === "-1" && r.dirty !== true) return [];
  return [
    {
      version,
      kind: "versioned",
      description: "",
      checksum: null,
      status: r.dirty === true ? "dirty" : "success",
      effect: "up_to",
      installedOn: null,
      row,
    },
  ];
}

async function readDbmate(db: Queryable, table: HistoryTable): Promise<HistoryEntry[]> {
  const result = await rows<{ version: string | null }>(
    db,
    table,
    `SELECT "version"::text AS version FROM ${table.name} AS h ORDER BY h."version"`,
  );
  return result.map((r) => {
    if (r.version === null) throw rowError(table, "version NULL", "a row without a version");
    return {
      version: r.version,
      kind: "versioned" as const,
      description: "",
      checksum: null,
      status: "success" as const,
      effect: "applied" as const,
      installedOn: null,
      row: `version ${r.version}`,
    };
  });
}

interface NodePgMigrateRow {
  readonly id: string;
  readonly name: string | null;
  readonly run_on: string | null;
}

async function readNodePgMigrate(db: Queryable, table: HistoryTable): Promise<HistoryEntry[]> {
  const result = await rows<NodePgMigrateRow>(
    db,
    table,
    `SELECT "id"::text AS id, "name"::text AS name, ${instant(table, "run_on")} AS run_on
     FROM ${table.name} AS h ORDER BY h."run_on", h."id"`,
  );
  return result.map((r) => {
    const row = `id ${r.id}`;
    if (r.name === null || r.name === "") throw rowError(table, row, "a row without a name");
    return {
      version: r.name,
      kind: "versioned" as const,
      description: r.name.replace(/^\d+_/, ""),
      checksum: null,
      status: "success" as const,
      effect: "applied" as const,
      installedOn: r.run_on,
      row,
    };
  });
}

/**
 * The rows of `table` (found by `findHistoryTable` for `format`) as the tool reads them, in the
 * order it wrote them. Throws `HistoryError` naming the table and row when a row holds what the
 * tool cannot have written (a version the format cannot parse, …).
 */
export async function readHistory(
  db: Queryable,
  table: HistoryTable,
  format: MigrationFormat,
): Promise<HistoryEntry[]> {
  if (!isHistoryFormat(format)) return [];
  switch (format) {
    case "flyway":
      return readFlyway(db, table);
    case "prisma":
      return readPrisma(db, table);
    case "golang-migrate":
      return readGolangMigrate(db, table);
    case "dbmate":
      return readDbmate(db, table);
    case "node-pg-migrate":
      return readNodePgMigrate(db, table);
  }
}

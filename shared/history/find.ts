import type { MigrationFormat } from "../baseline/sources/source.ts";
import type { Queryable } from "../introspect/queryable.ts";
import { catalogQuery } from "../introspect/session.ts";
import {
  type FindHistoryOptions,
  HISTORY_TABLES,
  type HistoryColumn,
  HistoryError,
  type HistoryFormat,
  type HistoryTable,
  isHistoryFormat,
} from "./types.ts";

/**
 * Finding a migration tool's history table through `pg_catalog` (never `information_schema`,
 * which hides tables the role cannot read: a table we cannot read must be named, not missed).
 * Takes no lock and reads no row; checks the privileges reading the rows needs, so that a
 * missing privilege is a clear error instead of an aborted read-only transaction.
 */

interface CandidateRow {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly quoted_schema: string;
  readonly role: string;
  readonly schema_usage: boolean;
  readonly columns: readonly (HistoryColumn & { readonly readable: boolean })[];
}

const CANDIDATES_SQL = /* SQL */ `
SELECT n.nspname AS schema,
       c.relname AS table,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name,
       pg_catalog.quote_ident(n.nspname) AS quoted_schema,
       pg_catalog.quote_ident(current_user::text) AS role,
       pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       COALESCE((
         SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname,
                  'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                  'readable', pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT'))
                ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       ), '[]'::json) AS columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY($1::text[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND ($2::text IS NULL OR n.nspname = $2::text)
ORDER BY n.nspname, c.relname`;

/** What a table must hold to be this tool's history table; null when it fits. */
function misfit(format: HistoryFormat, columns: readonly HistoryColumn[]): string | null {
  const names = new Set(columns.map((column) => column.name));
  const lacking = HISTORY_TABLES[format].columns.filter((column) => !names.has(column));
  if (lacking.length > 0) return `it has no column ${lacking.join(", ")}`;
  // golang-migrate and dbmate both name their table schema_migrations: golang-migrate's holds
  // one row (version bigint, dirty boolean), dbmate's one row per version (version varchar)
  if (format === "dbmate" && names.has("dirty")) {
    return "it has a dirty column: it looks like golang-migrate's table (version bigint, dirty boolean)";
  }
  return null;
}

/** Where the search looked, for the caller's "no history table" message. */
export function describeHistorySearch(
  format: MigrationFormat,
  options: FindHistoryOptions = {},
): string {
  if (!isHistoryFormat(format)) return `plain SQL migrations have no history table`;
  const names = options.table ? [options.table.table] : HISTORY_TABLES[format].names;
  const where = options.table?.schema
    ? `schema ${options.table.schema}`
    : [...new Set([options.schema, "public"].filter((s): s is string => !!s))]
        .concat("any other schema")
        .join(", then ");
  return `${names.join(" or ")} in ${where}`;
}

function schemaRank(schema: string, options: FindHistoryOptions): number {
  if (options.schema && schema === options.schema) return 0;
  return schema === "public" ? 1 : 2;
}

/** The statements that let `role` read `columns` of the table. */
function grantFor(row: CandidateRow, columns: readonly string[]): string {
  const statements: string[] = [];
  if (!row.schema_usage)
    statements.push(`GRANT USAGE ON SCHEMA ${row.quoted_schema} TO ${row.role};`);
  const unreadable = row.columns.filter((c) => columns.includes(c.name) && !c.readable);
  if (unreadable.length > 0) statements.push(`GRANT SELECT ON ${row.name} TO ${row.role};`);
  return statements.join(" ");
}

/**
 * The history table of `format` in the database `db` is connected to, or null when there is
 * none (and for plain SQL, which has no history table). Throws `HistoryError` when a table of
 * the tool's name exists but is not the tool's, or when the role cannot read it (the error
 * carries the GRANT statement needed).
 */
export async function findHistoryTable(
  db: Queryable,
  format: MigrationFormat,
  options: FindHistoryOptions = {},
): Promise<HistoryTable | null> {
  if (!isHistoryFormat(format)) return null;
  const names = options.table ? [options.table.table] : [...HISTORY_TABLES[format].names];
  const onlySchema = options.table?.schema ?? null;
  const rows = await catalogQuery<CandidateRow>(db, "migration history table", CANDIDATES_SQL, [
    names,
    onlySchema,
  ]);
  if (rows.length === 0) return null;

  const ranked = [...rows].sort(
    (a, b) =>
      schemaRank(a.schema, options) - schemaRank(b.schema, options) ||
      names.indexOf(a.table) - names.indexOf(b.table) ||
      (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : 0),
  );
  const found = ranked.find((row) => misfit(format, row.columns) === null);
  if (!found) {
    // the legacy Flyway name is common enough to belong to something else: only the tool's own
    // name (or the one the config gives) is worth an error
    const own = ranked.find((row) => row.table === names[0]);
    if (!own) return null;
    throw new HistoryError(
      `${own.name} is not ${format}'s history table: ${misfit(format, own.columns)}; check the migration format, or name the history table in the config`,
      { table: own.name },
    );
  }

  const needed = HISTORY_TABLES[format].columns;
  const grant = grantFor(found, needed);
  if (grant !== "") {
    throw new HistoryError(
      `cannot read the migration history: role ${found.role} may not read ${found.name} (reading it needs USAGE on its schema and SELECT on the table); grant it with: ${grant}`,
      { table: found.name, grant },
    );
  }
  return {
    schema: found.schema,
    table: found.table,
    name: found.name,
    columns: found.columns.map(({ name, type }) => ({ name, type })),
  };
}

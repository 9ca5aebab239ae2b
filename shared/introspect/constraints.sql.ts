import type {
  ConstraintObject,
  ConstraintType,
  Deferrability,
  ReferentialAction,
} from "../snapshot/model.ts";
import { deparsedAsOf17 } from "./deparsed-sql.ts";
import { type IntrospectionError, relationVanished } from "./errors.ts";
import { type ResolvedIndex, storageDefinition } from "./indexes.sql.ts";
import { type ColumnNames, columnKey } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { qualifiedName, quoteIdent, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";
import type { TablesRead } from "./tables.sql.ts";

/**
 * Table constraints, from pg_constraint's structured columns: key columns, referenced table
 * and columns, actions (with the column list of `ON DELETE SET NULL (…)`, PostgreSQL 15+),
 * match type, deferrability, validation, enforcement and temporal keys (PostgreSQL 18+).
 * Only check bodies are deparsed (and exclusion constraints, which have no structured form).
 * Skipped: constraints inherited from a parent (`conislocal` false) or cloned onto partitions
 * (`conparentid` set), and NOT NULL rows (PostgreSQL 18 records them as constraints with
 * contype 'n'; nullability is a column attribute). Columns a major lacks read as their
 * default, so every major gives the same object for the same constraint.
 */
function constraintsSql(serverVersionNum: number, sliced: boolean): string {
  const parentFilter = serverVersionNum >= 110000 ? "AND con.conparentid = 0" : "";
  const setColumns = serverVersionNum >= 150000 ? "con.confdelsetcols" : "NULL::int2[]";
  const enforced = serverVersionNum >= 180000 ? "con.conenforced" : "true";
  const period = serverVersionNum >= 180000 ? "con.conperiod" : "false";
  return /* SQL */ `
SELECT con.conrelid::int8::text AS relid,
       con.conname AS name,
       ${quoteIdent("con.conname")} AS quoted_name,
       con.contype,                         -- 'p' primary key, 'u' unique, 'f' foreign key, 'c' check, 'x' exclusion
       con.conkey AS attnums,
       con.confrelid::int8::text AS ref_relid,
       CASE WHEN con.contype = 'f' THEN ${qualifiedName("rn.nspname", "rc.relname")} END AS ref_table,
       con.confkey AS ref_attnums,
       con.confmatchtype,                   -- 's' simple, 'f' full, 'p' partial
       con.confupdtype, con.confdeltype,    -- 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default
       ${setColumns} AS delete_set_attnums, -- ON DELETE SET NULL / SET DEFAULT (columns): 15+
       con.condeferrable, con.condeferred, con.convalidated, con.connoinherit,
       ${enforced} AS enforced,             -- NOT ENFORCED: 18+ (such a constraint is never validated)
       ${period} AS period,                 -- WITHOUT OVERLAPS key, PERIOD foreign key: 18+
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid)
            WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS body,
       con.conindid::int8::text AS index_oid,
       d.description AS comment
FROM ${sliced ? "pg_catalog.unnest($2::oid[]) AS wanted(oid)\nJOIN pg_catalog.pg_constraint con ON con.conrelid = wanted.oid" : "pg_catalog.pg_constraint con"}
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = con.oid AND d.classoid = 'pg_catalog.pg_constraint'::regclass AND d.objsubid = 0
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relkind IN ('r', 'p')
  AND con.conislocal ${parentFilter}
  AND ${SCHEMA_IN_SCOPE}`;
}

/** Column names of relations outside the scope (tables a foreign key references). */
const OTHER_COLUMNS_SQL = /* SQL */ `
SELECT a.attrelid::int8::text AS relid, a.attnum, ${quoteIdent("a.attname")} AS name,
       a.attcollation::int8::text AS collation
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`;

export interface ConstraintRow {
  relid: string;
  name: string;
  quoted_name: string;
  contype: string;
  attnums: number[] | null;
  ref_relid: string;
  ref_table: string | null;
  ref_attnums: number[] | null;
  confmatchtype: string;
  confupdtype: string;
  confdeltype: string;
  delete_set_attnums: number[] | null;
  condeferrable: boolean;
  condeferred: boolean;
  convalidated: boolean;
  connoinherit: boolean;
  enforced: boolean;
  period: boolean;
  body: string | null;
  index_oid: string;
  comment: string | null;
}

const TYPES: Record<string, ConstraintType> = {
  p: "primary_key",
  u: "unique",
  f: "foreign_key",
  c: "check",
  x: "exclusion",
};

const ACTIONS: Record<string, ReferentialAction> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

const MATCH: Record<string, string> = { s: "SIMPLE", f: "FULL", p: "PARTIAL" };

function deferrability(row: ConstraintRow): Deferrability {
  if (!row.condeferrable) return "NOT DEFERRABLE";
  return row.condeferred ? "DEFERRABLE INITIALLY DEFERRED" : "DEFERRABLE INITIALLY IMMEDIATE";
}

/**
 * What the structured fields leave out, in the order the clause takes it: check body, NO
 * INHERIT; `WITHOUT OVERLAPS` (a temporal key: its last column) or `PERIOD` (a temporal foreign
 * key: the last column on each side); index options of a key; `NOT ENFORCED` last. An
 * exclusion constraint's deparsed text says everything but enforcement (exclusion constraints
 * are always enforced).
 */
function definition(row: ConstraintRow, index: ResolvedIndex | undefined): string | null {
  const parts: string[] = [];
  if (row.contype === "c" && row.body !== null) parts.push(`CHECK (${row.body})`);
  if (row.contype === "x" && row.body !== null) parts.push(row.body);
  if (row.contype === "c" && row.connoinherit) parts.push("NO INHERIT");
  if (row.period && (row.contype === "p" || row.contype === "u")) parts.push("WITHOUT OVERLAPS");
  if (row.period && row.contype === "f") parts.push("PERIOD");
  if (index && (row.contype === "p" || row.contype === "u")) {
    if (index.row.nulls_not_distinct) parts.push("NULLS NOT DISTINCT");
    if (index.include.length > 0) parts.push(`INCLUDE (${index.include.join(", ")})`);
    const storage = storageDefinition(index.row);
    if (storage) parts.push(storage);
  }
  if (!row.enforced) parts.push("NOT ENFORCED");
  return parts.length > 0 ? parts.join(" ") : null;
}

/**
 * `SET NULL (author_id)` when `ON DELETE SET NULL` / `SET DEFAULT` names the columns it sets
 * (PostgreSQL 15+): the action and its column list are one attribute, as the clause spells it.
 */
function onDelete(row: ConstraintRow, names: ColumnNames): ReferentialAction {
  const action = ACTIONS[row.confdeltype] ?? "NO ACTION";
  const setColumns = row.delete_set_attnums ?? [];
  if (setColumns.length === 0) return action;
  // The list is a set (the order it was written in changes nothing): sorted by name.
  const columns = columnNames(names, row.relid, setColumns).sort();
  return `${action as "SET NULL" | "SET DEFAULT"} (${columns.join(", ")})`;
}

function columnNames(names: ColumnNames, relid: string, attnums: number[] | null): string[] {
  return (attnums ?? []).map((attnum) => names.get(columnKey(relid, attnum))?.name ?? `?${attnum}`);
}

export function mapConstraint(
  row: ConstraintRow,
  table: string,
  names: ColumnNames,
  index: ResolvedIndex | undefined,
): ConstraintObject {
  const type = TYPES[row.contype] ?? "check";
  const isForeignKey = row.contype === "f";
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    columns: columnNames(names, row.relid, row.attnums),
    comment: row.comment,
    deferrable: deferrability(row),
    definition: definition(row, index),
    name: row.name,
    on_delete: isForeignKey ? onDelete(row, names) : null,
    on_update: isForeignKey ? (ACTIONS[row.confupdtype] ?? "NO ACTION") : null,
    references:
      isForeignKey && row.ref_table !== null
        ? {
            columns: columnNames(names, row.ref_relid, row.ref_attnums),
            match: MATCH[row.confmatchtype] ?? "SIMPLE",
            table: row.ref_table,
          }
        : null,
    table,
    type,
    validated: row.convalidated,
  };
}

function vanished(row: ConstraintRow, table: string): IntrospectionError {
  return relationVanished(
    "constraints",
    row.relid,
    `${table}, with constraint ${row.quoted_name},`,
  );
}

export interface ConstraintsRead {
  readonly constraints: Record<string, ConstraintObject>;
  /** OIDs of the indexes that back a primary key, unique or exclusion constraint. */
  readonly backingIndexes: ReadonlySet<string>;
}

/**
 * The constraint rows of the tables in scope, or of a slice of them (`tables`, table OIDs,
 * looked up through pg_constraint's index on conrelid), unmapped.
 */
export function fetchConstraintRows(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
  tables?: readonly string[],
): Promise<ConstraintRow[]> {
  const sql = constraintsSql(serverVersionNum, tables !== undefined);
  return catalogQuery<ConstraintRow>(
    db,
    "constraints",
    sql,
    tables === undefined ? [schemas] : [schemas, tables],
  );
}

/**
 * Maps constraint rows, with the resolved indexes of their tables (a key's index options are
 * part of its definition). Columns of tables outside the scope that a foreign key references
 * are read first, and added to `names`.
 */
export async function mapConstraintRows(
  db: Queryable,
  rows: ConstraintRow[],
  serverVersionNum: number,
  tables: TablesRead,
  names: ColumnNames,
  indexes: ReadonlyMap<string, ResolvedIndex>,
): Promise<ConstraintsRead> {
  const outside = new Set<string>();
  for (const row of rows) {
    if (row.contype === "f" && !names.has(columnKey(row.ref_relid, row.ref_attnums?.[0] ?? 0))) {
      outside.add(row.ref_relid);
    }
  }
  if (outside.size > 0) {
    const params = [[...outside]];
    const other = await catalogQuery<{
      relid: string;
      attnum: number;
      name: string;
      collation: string;
    }>(db, "referenced columns", OTHER_COLUMNS_SQL, params);
    for (const c of other)
      names.set(columnKey(c.relid, c.attnum), { name: c.name, collation: c.collation });
  }
  const constraints: Record<string, ConstraintObject> = {};
  const backingIndexes = new Set<string>();
  for (const row of rows) {
    const table = tables.identities.get(row.relid);
    if (table === undefined) continue;
    if ((row.contype === "c" || row.contype === "x") && row.body === null)
      throw vanished(row, table);
    if (row.body !== null) row.body = deparsedAsOf17(row.body, serverVersionNum);
    const backs = row.contype === "p" || row.contype === "u" || row.contype === "x";
    if (backs) backingIndexes.add(row.index_oid);
    const index = row.contype === "x" ? undefined : backs ? indexes.get(row.index_oid) : undefined;
    constraints[`${table}.${row.quoted_name}`] = mapConstraint(row, table, names, index);
  }
  return { constraints, backingIndexes };
}

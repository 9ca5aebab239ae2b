import type {
  ConstraintObject,
  ConstraintType,
  Deferrability,
  ReferentialAction,
} from "../snapshot/model.ts";
import { type IndexRow, includedColumns, storageDefinition } from "./indexes.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { notExtensionMember, qualifiedName, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";

/**
 * Table constraints, from pg_constraint's structured columns: key columns, referenced table
 * and columns, actions, match type, deferrability, validation. Only check bodies are deparsed
 * (and exclusion constraints, which have no structured form). Skipped: constraints inherited
 * from a parent (`conislocal` false) or cloned onto partitions (`conparentid` set), and NOT
 * NULL rows (PostgreSQL 18 records them as constraints; nullability is a column attribute).
 */
function constraintsSql(serverVersionNum: number): string {
  const parentFilter = serverVersionNum >= 110000 ? "AND con.conparentid = 0" : "";
  return /* SQL */ `
SELECT ${qualifiedName("n.nspname", "c.relname")} AS table_identity,
       con.conname AS name,
       pg_catalog.quote_ident(con.conname) AS quoted_name,
       con.contype,                         -- 'p' primary key, 'u' unique, 'f' foreign key, 'c' check, 'x' exclusion
       ARRAY(SELECT pg_catalog.quote_ident(a.attname)
             FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       CASE WHEN con.contype = 'f' THEN
         (SELECT ${qualifiedName("rn.nspname", "rc.relname")}
          FROM pg_catalog.pg_class rc JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
          WHERE rc.oid = con.confrelid) END AS ref_table,
       CASE WHEN con.contype = 'f' THEN
         ARRAY(SELECT pg_catalog.quote_ident(a.attname)
               FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
               ORDER BY k.ord) END AS ref_columns,
       con.confmatchtype,                   -- 's' simple, 'f' full, 'p' partial
       con.confupdtype, con.confdeltype,    -- 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default
       con.condeferrable, con.condeferred, con.convalidated, con.connoinherit,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid)
            WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS body,
       con.conindid::int8::text AS index_key
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relkind IN ('r', 'p')
  AND con.conislocal ${parentFilter}
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_class", "c.oid")}
ORDER BY 1, con.conname`;
}

interface ConstraintRow {
  table_identity: string;
  name: string;
  quoted_name: string;
  contype: string;
  columns: string[];
  ref_table: string | null;
  ref_columns: string[] | null;
  confmatchtype: string;
  confupdtype: string;
  confdeltype: string;
  condeferrable: boolean;
  condeferred: boolean;
  convalidated: boolean;
  connoinherit: boolean;
  body: string | null;
  index_key: string;
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

/** What the structured fields leave out: check body, NO INHERIT, index options of a key. */
function definition(row: ConstraintRow, index: IndexRow | undefined): string | null {
  const parts: string[] = [];
  if (row.contype === "c" && row.body !== null) parts.push(`CHECK (${row.body})`);
  if (row.contype === "x" && row.body !== null) parts.push(row.body);
  if (row.contype === "c" && row.connoinherit) parts.push("NO INHERIT");
  if (index && (row.contype === "p" || row.contype === "u")) {
    if (index.nulls_not_distinct) parts.push("NULLS NOT DISTINCT");
    const include = includedColumns(index);
    if (include.length > 0) parts.push(`INCLUDE (${include.join(", ")})`);
    const storage = storageDefinition(index);
    if (storage) parts.push(storage);
  }
  return parts.length > 0 ? parts.join(" ") : null;
}

export function mapConstraint(row: ConstraintRow, index: IndexRow | undefined): ConstraintObject {
  const type = TYPES[row.contype] ?? "check";
  const isForeignKey = row.contype === "f";
  return {
    table: row.table_identity,
    name: row.name,
    type,
    columns: row.columns,
    references:
      isForeignKey && row.ref_table !== null
        ? {
            table: row.ref_table,
            columns: row.ref_columns ?? [],
            match: MATCH[row.confmatchtype] ?? "SIMPLE",
          }
        : null,
    on_delete: isForeignKey ? (ACTIONS[row.confdeltype] ?? "NO ACTION") : null,
    on_update: isForeignKey ? (ACTIONS[row.confupdtype] ?? "NO ACTION") : null,
    deferrable: deferrability(row),
    validated: row.convalidated,
    definition: definition(row, index),
  };
}

export async function readConstraints(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
  constraintIndexes: ReadonlyMap<string, IndexRow>,
) {
  const rows = await catalogQuery<ConstraintRow>(
    db,
    "constraints",
    constraintsSql(serverVersionNum),
    [schemas],
  );
  const out: Record<string, ConstraintObject> = {};
  for (const row of rows) {
    const index =
      row.contype === "p" || row.contype === "u" ? constraintIndexes.get(row.index_key) : undefined;
    out[`${row.table_identity}.${row.quoted_name}`] = mapConstraint(row, index);
  }
  return out;
}

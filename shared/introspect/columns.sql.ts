import type { ColumnObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  notExtensionMember,
  privilegesArray,
  qualifiedName,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

/**
 * Columns of the tables in scope. Partitions are skipped: their columns are the parent's,
 * and a partition created on its own and attached later may hold them in another order.
 * Positions are ranks among live columns, so dropped columns leave no gap. Defaults and
 * generation expressions are the only deparsed values.
 */
const COLUMNS_SQL = /* SQL */ `
SELECT ${qualifiedName("n.nspname", "c.relname")} AS table_identity,
       a.attname AS name,
       pg_catalog.quote_ident(a.attname) AS quoted_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable,
       a.attidentity,                      -- '' none, 'a' always, 'd' by default
       a.attgenerated,                     -- '' none, 's' stored
       -- A default cannot reference a column, so it is deparsed without its table (relid 0):
       -- that opens no relation and so waits on no lock. Generation expressions need it.
       CASE WHEN a.atthasdef THEN pg_catalog.pg_get_expr(ad.adbin,
         CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END) END AS expression,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
         CASE WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN pg_catalog.quote_ident(co.collname)
              ELSE ${qualifiedName("con.nspname", "co.collname")} END END AS collation,
       pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position,
       d.description AS comment,
       CASE WHEN a.attacl IS NULL THEN NULL ELSE ${privilegesArray("a.attacl", null, "c.relowner")} END AS privileges
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_class", "c.oid")}
ORDER BY 1, a.attnum`;

interface ColumnRow {
  table_identity: string;
  name: string;
  quoted_name: string;
  type: string;
  nullable: boolean;
  attidentity: string;
  attgenerated: string;
  expression: string | null;
  collation: string | null;
  position: number;
  comment: string | null;
  privileges: string[] | null;
}

export function mapColumn(row: ColumnRow): ColumnObject {
  const generated = row.attgenerated !== "" ? row.expression : null;
  return {
    table: row.table_identity,
    name: row.name,
    type: row.type,
    nullable: row.nullable,
    default: generated === null ? row.expression : null,
    identity: row.attidentity === "a" ? "always" : row.attidentity === "d" ? "by default" : null,
    generated,
    collation: row.collation,
    position: row.position,
    comment: row.comment,
    privileges: normalizePrivileges(row.privileges),
  };
}

export async function readColumns(db: Queryable, schemas: readonly string[] | null) {
  const rows = await catalogQuery<ColumnRow>(db, "columns", COLUMNS_SQL, [schemas]);
  const out: Record<string, ColumnObject> = {};
  for (const row of rows) out[`${row.table_identity}.${row.quoted_name}`] = mapColumn(row);
  return out;
}

import type { ColumnObject } from "../snapshot/model.ts";
import { type CatalogLookups, type ColumnNames, columnKey } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { normalizePrivileges, privilegesArray, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";
import type { TablesRead } from "./tables.sql.ts";

/**
 * Columns of the tables in scope (the table reader decides which tables are; rows of other
 * relations are dropped when joined in memory). Partitions' columns are listed with the
 * parent's positions (see readColumns). Defaults and generation expressions are the only
 * deparsed values.
 */
const COLUMNS_SQL = /* SQL */ `
SELECT a.attrelid::int8::text AS relid,
       a.attnum,
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
       a.attcollation::int8::text AS attcollation,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN a.attcollation::int8::text END AS collation_oid,
       d.description AS comment,
       CASE WHEN a.attacl IS NULL THEN NULL ELSE ${privilegesArray("a.attacl", null, "c.relowner")} END AS privileges
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND ${SCHEMA_IN_SCOPE}
ORDER BY a.attrelid, a.attnum`;

interface ColumnRow {
  relid: string;
  attnum: number;
  name: string;
  quoted_name: string;
  type: string;
  nullable: boolean;
  attidentity: string;
  attgenerated: string;
  expression: string | null;
  attcollation: string;
  collation_oid: string | null;
  comment: string | null;
  privileges: string[] | null;
}

export function mapColumn(
  row: ColumnRow,
  table: string,
  position: number,
  collation: string | null,
): ColumnObject {
  const generated = row.attgenerated !== "" ? row.expression : null;
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    collation,
    comment: row.comment,
    default: generated === null ? row.expression : null,
    generated,
    identity: row.attidentity === "a" ? "always" : row.attidentity === "d" ? "by default" : null,
    name: row.name,
    nullable: row.nullable,
    position,
    privileges: normalizePrivileges(row.privileges),
    table,
    type: row.type,
  };
}

export interface ColumnsRead {
  readonly columns: Record<string, ColumnObject>;
  /** Names of every column read, partitions' included, for index and constraint keys. */
  readonly names: ColumnNames;
}

export async function readColumns(
  db: Queryable,
  schemas: readonly string[] | null,
  tables: TablesRead,
  lookups: CatalogLookups,
): Promise<ColumnsRead> {
  const rows = await catalogQuery<ColumnRow>(db, "columns", COLUMNS_SQL, [schemas]);
  const columns: Record<string, ColumnObject> = {};
  const names: ColumnNames = new Map();
  const partitionRows: Array<{ row: ColumnRow; table: string }> = [];
  let relid = "";
  let position = 0;
  const collationOf = (row: ColumnRow) =>
    row.collation_oid === null ? null : (lookups.collations.get(row.collation_oid)?.name ?? null);
  for (const row of rows) {
    const table = tables.identities.get(row.relid);
    if (table === undefined) continue;
    names.set(columnKey(row.relid, row.attnum), {
      name: row.quoted_name,
      collation: row.attcollation,
    });
    if (tables.partitions.has(row.relid)) {
      partitionRows.push({ row, table });
      continue;
    }
    // Rows come ordered by table and attnum: the position is the rank among live columns,
    // so dropped columns leave no gap.
    position = row.relid === relid ? position + 1 : 1;
    relid = row.relid;
    columns[`${table}.${row.quoted_name}`] = mapColumn(row, table, position, collationOf(row));
  }
  // A partition's columns are its parent's, but a partition may still have its own default,
  // NOT NULL, comment or grants. Their order is the parent's (a partition created on its own
  // and attached later may hold them in another order), so they take the parent's position.
  const rootOf = (table: string): string => {
    let current = table;
    for (let depth = 0; depth < 100; depth++) {
      const parent = tables.tables[current]?.partition_of;
      if (!parent) break;
      current = parent;
    }
    return current;
  };
  for (const { row, table } of partitionRows) {
    const inRoot = columns[`${rootOf(table)}.${row.quoted_name}`];
    const at = inRoot?.position ?? row.attnum;
    columns[`${table}.${row.quoted_name}`] = mapColumn(row, table, at, collationOf(row));
  }
  return { columns, names };
}

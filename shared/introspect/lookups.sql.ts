import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { quoteIdent } from "./sql-fragments.ts";

/**
 * Small catalogs that many rows point into (operator classes, collations, access methods),
 * read once and joined in memory, instead of a lookup per index column in SQL.
 */
const LOOKUPS_SQL = /* SQL */ `
SELECT 'opclass' AS kind, oc.oid::int8::text AS oid,
       CASE WHEN ocn.nspname = 'pg_catalog' THEN ${quoteIdent("oc.opcname")}
            ELSE ${quoteIdent("ocn.nspname")} || '.' || ${quoteIdent("oc.opcname")} END AS name,
       oc.opcdefault AS flag
FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
UNION ALL
SELECT 'collation', co.oid::int8::text,
       CASE WHEN con.nspname = 'pg_catalog' THEN ${quoteIdent("co.collname")}
            ELSE ${quoteIdent("con.nspname")} || '.' || ${quoteIdent("co.collname")} END,
       false
FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
UNION ALL
SELECT 'am', am.oid::int8::text, am.amname::text, pg_catalog.pg_indexam_has_property(am.oid, 'can_order')
FROM pg_catalog.pg_am am WHERE am.amtype = 'i'`;

interface LookupRow {
  kind: "opclass" | "collation" | "am";
  oid: string;
  name: string;
  flag: boolean;
}

export interface NamedOid {
  readonly name: string;
  /** Operator class: the default for its type · access method: can order (ASC/DESC). */
  readonly flag: boolean;
}

export interface CatalogLookups {
  readonly opclasses: ReadonlyMap<string, NamedOid>;
  readonly collations: ReadonlyMap<string, NamedOid>;
  readonly accessMethods: ReadonlyMap<string, NamedOid>;
}

export async function readLookups(db: Queryable): Promise<CatalogLookups> {
  const rows = await catalogQuery<LookupRow>(db, "catalog lookups", LOOKUPS_SQL, []);
  const maps = { opclass: new Map<string, NamedOid>(), collation: new Map(), am: new Map() };
  for (const row of rows) maps[row.kind].set(row.oid, { name: row.name, flag: row.flag });
  return { opclasses: maps.opclass, collations: maps.collation, accessMethods: maps.am };
}

/** A column as index and constraint keys refer to it. */
export interface ColumnRef {
  /** As quote_ident spells it. */
  readonly name: string;
  /** OID of its collation (`0` when the type has none). */
  readonly collation: string;
}

/** `relid:attnum` → column; filled by the column reader. */
export type ColumnNames = Map<string, ColumnRef>;

export function columnKey(relid: string, attnum: number): string {
  return `${relid}:${attnum}`;
}

import type { ReplicaIdentity, TableObject, TablePersistence } from "../snapshot/model.ts";
import { normalizeOption } from "./options.ts";
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
 * Ordinary and partitioned tables. Only partition keys and bounds are deparsed, and only for
 * the tables that have them.
 */
const TABLES_SQL = /* SQL */ `
SELECT c.oid::int8::text AS oid,
       ${qualifiedName("n.nspname", "c.relname")} AS identity,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind,                          -- 'r' table, 'p' partitioned table
       c.relpersistence,                   -- 'p' permanent, 'u' unlogged, 't' temporary
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       d.description AS comment,
       ${privilegesArray("c.relacl", "r", "c.relowner")} AS privileges,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN
         (SELECT ${qualifiedName("pn.nspname", "pc.relname")}
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
          WHERE i.inhrelid = c.oid) END AS partition_of,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       c.relreplident,                     -- 'd' default, 'n' nothing, 'f' full, 'i' index
       CASE WHEN c.relreplident = 'i' THEN
         (SELECT ri.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ri ON ri.oid = x.indexrelid
          WHERE x.indrelid = c.oid AND x.indisreplident) END AS replica_index,
       c.reloptions AS options
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_class", "c.oid")}`;

interface TableRow {
  oid: string;
  identity: string;
  schema: string;
  name: string;
  relkind: string;
  relpersistence: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  comment: string | null;
  privileges: string[] | null;
  owner: string;
  partition_key: string | null;
  partition_of: string | null;
  partition_bound: string | null;
  relreplident: string;
  replica_index: string | null;
  options: string[] | null;
}

const PERSISTENCE: Record<string, TablePersistence> = {
  p: "permanent",
  u: "unlogged",
  t: "temporary",
};

function replicaIdentity(code: string, index: string | null): ReplicaIdentity {
  switch (code) {
    case "n":
      return "nothing";
    case "f":
      return "full";
    case "i":
      return `index ${index ?? "?"}`;
    default:
      return "default";
  }
}

export function mapTable(row: TableRow): TableObject {
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    comment: row.comment,
    name: row.name,
    options: (row.options ?? []).map(normalizeOption).sort(),
    owner: row.owner,
    partition_bound: row.partition_bound,
    partition_key: row.partition_key,
    partition_of: row.partition_of,
    persistence: PERSISTENCE[row.relpersistence] ?? "permanent",
    privileges: normalizePrivileges(row.privileges),
    relkind: row.relkind === "p" ? "partitioned_table" : "table",
    replica_identity: replicaIdentity(row.relreplident, row.replica_index),
    rls_enabled: row.rls_enabled,
    rls_forced: row.rls_forced,
    schema: row.schema,
  };
}

export interface TablesRead {
  readonly tables: Record<string, TableObject>;
  /** Table OID → identity, for joining the other kinds' rows in memory. */
  readonly identities: ReadonlyMap<string, string>;
  /** OIDs of partitions (their columns are the parent's). */
  readonly partitions: ReadonlySet<string>;
  /** Table OIDs in identity order, so that kinds keyed under a table can be built in order. */
  readonly order?: readonly string[];
}

/** Table OIDs in identity order (`order`, or sorted here when a caller built TablesRead without it). */
export function tableOrder(tables: TablesRead): readonly string[] {
  if (tables.order) return tables.order;
  const identityOf = tables.identities;
  return [...identityOf.keys()].sort((a, b) => {
    const x = identityOf.get(a) as string;
    const y = identityOf.get(b) as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Orders by identity as JavaScript compares strings (UTF-16 code units), like the snapshot. */
export function byIdentity<T extends { identity: string }>(a: T, b: T): number {
  return a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0;
}

export async function readTables(
  db: Queryable,
  schemas: readonly string[] | null,
): Promise<TablesRead> {
  const rows = await catalogQuery<TableRow>(db, "tables", TABLES_SQL, [schemas]);
  // Built in identity order: the snapshot's order, so the record needs no re-sorting.
  rows.sort(byIdentity);
  const tables: Record<string, TableObject> = {};
  const identities = new Map<string, string>();
  const partitions = new Set<string>();
  const order: string[] = [];
  for (const row of rows) {
    tables[row.identity] = mapTable(row);
    identities.set(row.oid, row.identity);
    order.push(row.oid);
    if (row.partition_of !== null) partitions.add(row.oid);
  }
  return { tables, identities, partitions, order };
}

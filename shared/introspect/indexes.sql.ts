import type { IndexObject } from "../snapshot/model.ts";
import { deparsedAsOf17 } from "./deparsed-sql.ts";
import { relationVanished } from "./errors.ts";
import { type CatalogLookups, type ColumnNames, columnKey } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { quoteIdent, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";
import { byIdentity, type TablesRead } from "./tables.sql.ts";

/**
 * Indexes of the tables in scope, from pg_index's structured columns: key column numbers,
 * operator classes, collations and ordering flags come as arrays and are named in memory;
 * only index expressions and predicates are deparsed, and only where they exist. Indexes
 * attached to a partitioned index (the per-partition clones) are skipped: they are the
 * parent's. Which indexes back a constraint is decided with the constraint rows.
 */
/**
 * Which indexes one query reads: every index in scope; those of a slice of the tables (`$2`,
 * table OIDs), looked up through pg_index's index on indrelid; or those of the relations that
 * are not tables (materialized views). The slices and the other relations together are all.
 */
export type IndexSlice =
  | { readonly of: "all" }
  | { readonly of: "tables"; readonly tables: readonly string[] }
  | { readonly of: "other relations" };

export const ALL_INDEXES: IndexSlice = { of: "all" };

function indexesSql(serverVersionNum: number, slice: IndexSlice): string {
  const nullsNotDistinct = serverVersionNum >= 150000 ? "i.indnullsnotdistinct" : "false";
  const from =
    slice.of === "tables"
      ? `pg_catalog.unnest($2::oid[]) AS wanted(oid)
JOIN pg_catalog.pg_index i ON i.indrelid = wanted.oid`
      : "pg_catalog.pg_index i";
  const others =
    slice.of === "other relations"
      ? `
  AND i.indrelid IN (SELECT r.oid FROM pg_catalog.pg_class r WHERE r.relkind NOT IN ('r', 'p'))`
      : "";
  return /* SQL */ `
SELECT i.indexrelid::int8::text AS index_oid,
       i.indrelid::int8::text AS relid,
       ${quoteIdent("n.nspname")} || '.' || ${quoteIdent("ic.relname")} AS identity,
       ic.relname AS name,
       ic.relam::int8::text AS am_oid,
       i.indisunique AS is_unique,
       ${nullsNotDistinct} AS nulls_not_distinct,
       i.indisvalid AS valid,
       i.indnkeyatts AS key_count,
       i.indkey::int2[] AS attnums,           -- 0: an expression
       i.indclass::oid[]::int8[]::text[] AS opclass_oids,
       i.indcollation::oid[]::int8[]::text[] AS collation_oids,
       i.indoption::int2[] AS option_bits,    -- bit 1: DESC, bit 2: NULLS FIRST
       CASE WHEN i.indexprs IS NOT NULL THEN
         ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
               FROM pg_catalog.generate_series(1, i.indnatts) AS k
               WHERE (i.indkey::int2[])[k - 1] = 0 ORDER BY k) END AS expressions,
       i.indpred IS NOT NULL AS has_predicate,
       CASE WHEN i.indpred IS NOT NULL THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) END AS predicate,
       ic.reloptions AS storage_options,
       (SELECT ts.spcname FROM pg_catalog.pg_tablespace ts WHERE ts.oid = ic.reltablespace) AS tablespace,
       d.description AS comment
FROM ${from}
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = i.indexrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid
WHERE inh.inhrelid IS NULL
  AND ${SCHEMA_IN_SCOPE}${others}`;
}

const RESOLVED: number[] = [];
const RESOLVED_OIDS: string[] = [];

export interface IndexRow {
  index_oid: string;
  relid: string;
  identity: string;
  name: string;
  am_oid: string;
  is_unique: boolean;
  nulls_not_distinct: boolean;
  valid: boolean;
  key_count: number;
  attnums: number[];
  opclass_oids: string[];
  collation_oids: string[];
  option_bits: number[];
  expressions: string[] | null;
  has_predicate: boolean;
  comment: string | null;
  predicate: string | null;
  storage_options: string[] | null;
  tablespace: string | null;
}

/** An index row with its columns and expressions named, ready to be mapped. */
export interface ResolvedIndex {
  readonly row: IndexRow;
  readonly table: string;
  readonly method: string;
  /** Key elements as CREATE INDEX spells them: `name COLLATE "C" text_pattern_ops DESC`. */
  readonly keys: readonly string[];
  readonly include: readonly string[];
}

function resolve(
  row: IndexRow,
  table: string,
  names: ColumnNames,
  lookups: CatalogLookups,
): ResolvedIndex {
  const am = lookups.accessMethods.get(row.am_oid);
  const expressions = row.expressions ?? [];
  // A deparse that gives NULL: the table was dropped after the snapshot was taken (retried).
  const expressionCount = row.attnums.filter((attnum) => attnum === 0).length;
  if (
    expressions.length !== expressionCount ||
    expressions.some((e) => e === null) ||
    (row.has_predicate && row.predicate === null)
  ) {
    throw relationVanished("indexes", row.relid, `the table of index ${row.identity}`);
  }
  let nextExpression = 0;
  const elements = row.attnums.map((attnum) =>
    attnum === 0
      ? (expressions[nextExpression++] as string)
      : (names.get(columnKey(row.relid, attnum))?.name ?? `?${attnum}`),
  );
  const keys = elements.slice(0, row.key_count).map((element, i) => {
    let text = element;
    const attnum = row.attnums[i] ?? 0;
    const collation = row.collation_oids[i] ?? "0";
    // Shown when it is not the column's own (or, for an expression, not the default).
    if (collation !== "0" && collation !== "100" && attnum === 0) {
      text += ` COLLATE ${lookups.collations.get(collation)?.name ?? collation}`;
    } else if (collation !== "0" && attnum !== 0) {
      const own = names.get(columnKey(row.relid, attnum))?.collation;
      if (own !== collation)
        text += ` COLLATE ${lookups.collations.get(collation)?.name ?? collation}`;
    }
    const opclass = lookups.opclasses.get(row.opclass_oids[i] ?? "");
    if (opclass && !opclass.flag) text += ` ${opclass.name}`;
    if (am?.flag) {
      const bits = row.option_bits[i] ?? 0;
      const desc = (bits & 1) !== 0;
      const nullsFirst = (bits & 2) !== 0;
      if (desc) text += " DESC";
      if (desc && !nullsFirst) text += " NULLS LAST";
      if (!desc && nullsFirst) text += " NULLS FIRST";
    }
    return text;
  });
  return {
    row,
    table,
    method: am?.name ?? row.am_oid,
    keys,
    include: elements.slice(row.key_count),
  };
}

/** Storage parameters and tablespace: `WITH (fillfactor=70) TABLESPACE fast`, or null. */
export function storageDefinition(row: IndexRow): string | null {
  const parts: string[] = [];
  const options = [...(row.storage_options ?? [])].sort();
  if (options.length > 0) parts.push(`WITH (${options.join(", ")})`);
  if (row.tablespace) parts.push(`TABLESPACE ${row.tablespace}`);
  return parts.length > 0 ? parts.join(" ") : null;
}

export function mapIndex(index: ResolvedIndex): IndexObject {
  const { row } = index;
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    columns: index.keys,
    comment: row.comment,
    definition: storageDefinition(row),
    include: index.include,
    method: index.method,
    name: row.name,
    predicate: row.predicate,
    table: index.table,
    unique: row.is_unique ? (row.nulls_not_distinct ? "nulls not distinct" : true) : false,
    valid: row.valid,
  };
}

/** The index rows of the schemas in scope, unresolved: the query can run before columns are read. */
export function fetchIndexRows(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
  slice: IndexSlice = ALL_INDEXES,
): Promise<IndexRow[]> {
  const params = slice.of === "tables" ? [schemas, slice.tables] : [schemas];
  const read = catalogQuery<IndexRow>(db, "indexes", indexesSql(serverVersionNum, slice), params);
  if (serverVersionNum >= 170000) return read;
  return read.then((rows) => {
    for (const row of rows) {
      if (row.expressions !== null) {
        row.expressions = row.expressions.map((e) =>
          e === null ? e : deparsedAsOf17(e, serverVersionNum),
        );
      }
      if (row.predicate !== null) row.predicate = deparsedAsOf17(row.predicate, serverVersionNum);
    }
    return rows;
  });
}

/**
 * The indexes of the tables in scope, by index OID, their keys named. The caller maps them,
 * leaving out those that back a constraint (they are part of the constraint).
 */
export function resolveIndexes(
  rows: IndexRow[],
  tables: TablesRead,
  names: ColumnNames,
  lookups: CatalogLookups,
): Map<string, ResolvedIndex> {
  // In identity order, so that the index record built from this map needs no re-sorting.
  rows.sort(byIdentity);
  const out = new Map<string, ResolvedIndex>();
  for (const row of rows) {
    const table = tables.identities.get(row.relid);
    if (table === undefined) continue;
    out.set(row.index_oid, resolve(row, table, names, lookups));
    // Resolved into keys: the per-column arrays are not read again, and a large database's
    // indexes are kept until the snapshot is built.
    row.attnums = row.option_bits = RESOLVED;
    row.opclass_oids = row.collation_oids = RESOLVED_OIDS;
    row.expressions = null;
  }
  return out;
}

import type { IndexObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { notExtensionMember, qualifiedName, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";

/**
 * Indexes of tables and materialized views in scope, read from pg_index's structured columns:
 * key columns, operator classes, collations and ordering come from the catalog; only index
 * expressions and predicates are deparsed. Indexes attached to a partitioned index (the
 * per-partition clones) are skipped: they are the parent's. Indexes that back a primary key,
 * unique or exclusion constraint are returned with `constraint_type` set; the constraint
 * reader folds them into the constraint.
 */
function indexesSql(serverVersionNum: number): string {
  const nullsNotDistinct = serverVersionNum >= 150000 ? "i.indnullsnotdistinct" : "false";
  return /* SQL */ `
SELECT i.indexrelid::int8::text AS index_key,
       ${qualifiedName("n.nspname", "ic.relname")} AS identity,
       ic.relname AS name,
       ${qualifiedName("tn.nspname", "tc.relname")} AS table_identity,
       am.amname AS method,
       pg_catalog.pg_indexam_has_property(am.oid, 'can_order') AS can_order,
       i.indisunique AS is_unique,
       ${nullsNotDistinct} AS nulls_not_distinct,
       i.indisvalid AS valid,
       i.indnkeyatts AS key_count,
       ARRAY(SELECT CASE WHEN k.attnum <> 0 THEN pg_catalog.quote_ident(a.attname)
                         ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true) END
             FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS elements,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN ''
                         WHEN ocn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(oc.opcname)
                         ELSE ${qualifiedName("ocn.nspname", "oc.opcname")} END
             FROM pg_catalog.unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opc, ord)
             JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opc
             JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
             ORDER BY k.ord) AS opclasses,
       ARRAY(SELECT CASE WHEN k.coll = 0 OR k.coll = COALESCE(a.attcollation, 100) THEN ''
                         WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN pg_catalog.quote_ident(co.collname)
                         ELSE ${qualifiedName("con.nspname", "co.collname")} END
             FROM pg_catalog.unnest(i.indcollation::oid[]) WITH ORDINALITY AS k(coll, ord)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = (i.indkey::int2[])[k.ord - 1] AND a.attnum <> 0
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = k.coll
             LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
             ORDER BY k.ord) AS collations,
       i.indoption::int2[] AS option_bits,  -- bit 1: DESC, bit 2: NULLS FIRST
       CASE WHEN i.indpred IS NOT NULL THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) END AS predicate,
       ic.reloptions AS storage_options,
       ts.spcname AS tablespace,
       cn.contype AS constraint_type        -- 'p' primary key, 'u' unique, 'x' exclusion
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
LEFT JOIN pg_catalog.pg_constraint cn
  ON cn.conindid = i.indexrelid AND cn.conrelid = i.indrelid AND cn.contype IN ('p', 'u', 'x')
WHERE tc.relkind IN ('r', 'p', 'm')
  AND ${SCHEMA_IN_SCOPE}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
  AND ${notExtensionMember("pg_catalog.pg_class", "tc.oid")}
ORDER BY 2`;
}

export interface IndexRow {
  index_key: string;
  identity: string;
  name: string;
  table_identity: string;
  method: string;
  can_order: boolean;
  is_unique: boolean;
  nulls_not_distinct: boolean;
  valid: boolean;
  key_count: number;
  elements: string[];
  opclasses: string[];
  collations: string[];
  option_bits: number[];
  predicate: string | null;
  storage_options: string[] | null;
  tablespace: string | null;
  constraint_type: string | null;
}

/** One key element as CREATE INDEX spells it: `name COLLATE "C" text_pattern_ops DESC NULLS LAST`. */
function keyElement(row: IndexRow, i: number): string {
  let text = row.elements[i] ?? "?";
  const collation = row.collations[i];
  if (collation) text += ` COLLATE ${collation}`;
  const opclass = row.opclasses[i];
  if (opclass) text += ` ${opclass}`;
  if (row.can_order) {
    const bits = row.option_bits[i] ?? 0;
    const desc = (bits & 1) !== 0;
    const nullsFirst = (bits & 2) !== 0;
    if (desc) text += " DESC";
    if (desc && !nullsFirst) text += " NULLS LAST";
    if (!desc && nullsFirst) text += " NULLS FIRST";
  }
  return text;
}

export function keyElements(row: IndexRow): string[] {
  return Array.from({ length: row.key_count }, (_, i) => keyElement(row, i));
}

export function includedColumns(row: IndexRow): string[] {
  return row.elements.slice(row.key_count);
}

/** Storage parameters and tablespace: `WITH (fillfactor=70) TABLESPACE fast`, or null. */
export function storageDefinition(row: IndexRow): string | null {
  const parts: string[] = [];
  const options = [...(row.storage_options ?? [])].sort();
  if (options.length > 0) parts.push(`WITH (${options.join(", ")})`);
  if (row.tablespace) parts.push(`TABLESPACE ${row.tablespace}`);
  return parts.length > 0 ? parts.join(" ") : null;
}

export function mapIndex(row: IndexRow): IndexObject {
  return {
    table: row.table_identity,
    name: row.name,
    columns: keyElements(row),
    predicate: row.predicate,
    method: row.method,
    unique: row.is_unique ? (row.nulls_not_distinct ? "nulls not distinct" : true) : false,
    include: includedColumns(row),
    valid: row.valid,
    definition: storageDefinition(row),
  };
}

export interface IndexesRead {
  readonly indexes: Record<string, IndexObject>;
  /** Rows of indexes that back a constraint, by internal key (for the constraint reader). */
  readonly constraintIndexes: ReadonlyMap<string, IndexRow>;
}

export async function readIndexes(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
): Promise<IndexesRead> {
  const rows = await catalogQuery<IndexRow>(db, "indexes", indexesSql(serverVersionNum), [schemas]);
  const indexes: Record<string, IndexObject> = {};
  const constraintIndexes = new Map<string, IndexRow>();
  for (const row of rows) {
    if (row.constraint_type) constraintIndexes.set(row.index_key, row);
    else indexes[row.identity] = mapIndex(row);
  }
  return { indexes, constraintIndexes };
}

import type { ColumnObject } from "../snapshot/model.ts";
import { deparsedAsOf17, typeNameAsOf17 } from "./deparsed-sql.ts";
import { type CatalogLookups, type ColumnNames, columnKey } from "./lookups.sql.ts";
import {
  type OwnedSequence,
  type OwnedSequences,
  ownedSequenceAttributes,
  readOwnedSequences,
  SEQUENCE_OPTIONS,
} from "./owned-sequences.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  privilegesArray,
  quoteIdent,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";
import { type TablesRead, tableOrder } from "./tables.sql.ts";

/**
 * Columns of the tables in scope (the table reader decides which tables are), read for
 * `$2`, a list of table OIDs (see readColumns). Partitions' columns are listed with the
 * parent's positions. Defaults and generation expressions are the only deparsed values.
 * A NOT NULL left NOT VALID (PostgreSQL 18+) is `nullable: "not valid: <constraint>"`:
 * before 18 no table has such a constraint row, so the lookup (one index probe per column,
 * a quarter of the query's time on 50,000 columns) is left out there.
 */
function columnsSql(serverVersionNum: number, sliced: boolean): string {
  const notNullRows = serverVersionNum >= 180000;
  const notValidConstraint = notNullRows ? quoteIdent("nn.conname") : "NULL::text";
  const notValidJoin = notNullRows
    ? `LEFT JOIN pg_catalog.pg_constraint nn
  ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND NOT nn.convalidated
  AND nn.conkey[1] = a.attnum`
    : "";
  // One slice: a scan of pg_attribute filtered by the (hashed) list is fastest. Several: each
  // slice's tables are looked up in pg_attribute's index, or every slice would scan it whole
  // (10 scans of a million rows for 50,000 tables).
  const attributes = sliced
    ? `pg_catalog.unnest($2::oid[]) AS wanted(oid)
JOIN pg_catalog.pg_attribute a ON a.attrelid = wanted.oid`
    : "pg_catalog.pg_attribute a";
  const wanted = sliced ? "" : "a.attrelid = ANY ($2::oid[])\n  AND ";
  return /* SQL */ `
SELECT a.attrelid::int8::text AS relid,
       a.attnum,
       a.attname AS name,
       ${quoteIdent("a.attname")} AS quoted_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable,
       -- PostgreSQL 18+: a NOT NULL added NOT VALID sets attnotnull but leaves its constraint
       -- row (contype 'n') unvalidated.
       ${notValidConstraint} AS not_valid_constraint,
       a.attidentity,                      -- '' none, 'a' always, 'd' by default
       -- An identity column's sequence options that are not the defaults, in CREATE order.
       CASE WHEN a.attidentity <> '' THEN (
         SELECT ${SEQUENCE_OPTIONS}
         FROM pg_catalog.pg_depend dep
         JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid
         WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = a.attrelid
           AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
           AND dep.classid = 'pg_catalog.pg_class'::regclass
         LIMIT 1) END AS identity_options,
       a.attgenerated,                     -- '' none, 's' stored
       -- A default cannot reference a column, so it is deparsed without its table (relid 0):
       -- that opens no relation and so waits on no lock. Generation expressions need it.
       CASE WHEN a.atthasdef THEN pg_catalog.pg_get_expr(ad.adbin,
         CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END) END AS expression,
       a.attcollation::int8::text AS attcollation,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN a.attcollation::int8::text END AS collation_oid,
       d.description AS comment,
       CASE WHEN a.attacl IS NULL THEN NULL ELSE ${privilegesArray("a.attacl", null, "c.relowner")} END AS privileges
FROM ${attributes}
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
${notValidJoin}
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE ${wanted}c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND ${SCHEMA_IN_SCOPE}`;
}

/**
 * Tables whose columns are read by one query. A large database's columns are read a slice at a
 * time (10 queries for 50,000 tables), so that their rows — the largest result of all — are
 * never all in memory at once; a small one's in one query.
 */
export const TABLES_PER_COLUMN_QUERY = 5000;

interface ColumnRow {
  relid: string;
  attnum: number;
  name: string;
  quoted_name: string;
  type: string;
  nullable: boolean;
  not_valid_constraint: string | null;
  attidentity: string;
  identity_options: string | null;
  attgenerated: string;
  expression: string | null;
  attcollation: string;
  collation_oid: string | null;
  comment: string | null;
  privileges: string[] | null;
}

/** `always` / `by default`, with the sequence's options that are not the defaults: `by default (START WITH 1000)`. */
function identityOf(row: ColumnRow): string | null {
  const kind = row.attidentity === "a" ? "always" : row.attidentity === "d" ? "by default" : null;
  if (kind === null || !row.identity_options) return kind;
  return `${kind} (${row.identity_options})`;
}

/**
 * One empty list for every column without grants (nearly all of them), rather than one each:
 * a 500,000-column database holds a million of these lists until the snapshot is written.
 */
const NO_PRIVILEGES: readonly string[] = Object.freeze([]);

/**
 * `owned`: the sequences the column owns by serial or `OWNED BY` (see readOwnedSequences),
 * left out for an identity column, whose sequence is in its `identity`.
 */
export function mapColumn(
  row: ColumnRow,
  table: string,
  position: number,
  collation: string | null,
  owned?: readonly OwnedSequence[],
): ColumnObject {
  const generated = row.attgenerated !== "" ? row.expression : null;
  const { sequence, sequence_privileges } = ownedSequenceAttributes(
    row.attidentity === "" ? owned : undefined,
    row.type,
  );
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    collation,
    comment: row.comment,
    default: generated === null ? row.expression : null,
    generated,
    identity: identityOf(row),
    name: row.name,
    nullable:
      row.not_valid_constraint !== null && !row.nullable
        ? `not valid: ${row.not_valid_constraint}`
        : row.nullable,
    position,
    privileges: row.privileges === null ? NO_PRIVILEGES : normalizePrivileges(row.privileges),
    sequence,
    sequence_privileges,
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
  serverVersionNum: number,
  options: {
    /** Tables per query (TABLES_PER_COLUMN_QUERY). */
    readonly tablesPerQuery?: number;
    /** Called once the last column query is sent: reads queued after it wait less long. */
    readonly lastQuerySent?: () => void;
  } = {},
): Promise<ColumnsRead> {
  const tablesPerQuery = options.tablesPerQuery ?? TABLES_PER_COLUMN_QUERY;
  const identityOf = tables.identities;
  const order = tableOrder(tables);
  // A partition's columns are its parent's, but a partition may still have its own default,
  // NOT NULL, comment or grants. Their order is the parent's (a partition created on its own
  // and attached later may hold them in another order), so they take the root's position.
  const rootOf = (table: string): string => {
    let current = table;
    for (let depth = 0; depth < 100; depth++) {
      const parent = tables.tables[current]?.partition_of;
      if (!parent) break;
      current = parent;
    }
    return current;
  };
  const roots = new Set<string>();
  for (const oid of tables.partitions) roots.add(rootOf(identityOf.get(oid) ?? ""));
  const rootColumns = new Map<string, Map<string, ColumnObject>>();
  const partitionColumns: Array<{ key: string; table: string; name: string; attnum: number }> = [];
  const collationOf = (row: ColumnRow) =>
    row.collation_oid === null ? null : (lookups.collations.get(row.collation_oid)?.name ?? null);

  const names: ColumnNames = new Map();
  // Built in identity order (tables in order, then each table's columns by name): the
  // snapshot's order, so the record needs no re-sorting.
  const columns: Record<string, ColumnObject> = {};
  const sql = columnsSql(serverVersionNum, order.length > tablesPerQuery);
  // The columns' own sequences: one small query (a row per serial or OWNED BY column), queued
  // before the first column slice and looked up by column while the slices are mapped.
  let ownedRead: Promise<OwnedSequences> | undefined;
  if (order.length > 0) {
    ownedRead = readOwnedSequences(db, schemas);
    ownedRead.catch(() => undefined); // awaited after the first slice's rows: never unhandled
  }
  let owned: OwnedSequences = new Map();
  if (order.length === 0) options.lastQuerySent?.();
  for (let from = 0; from < order.length; from += tablesPerQuery) {
    const slice = order.slice(from, from + tablesPerQuery);
    const read = catalogQuery<ColumnRow>(db, "columns", sql, [schemas, slice]);
    if (from + tablesPerQuery >= order.length) options.lastQuerySent?.();
    const rows = await read;
    if (ownedRead !== undefined) {
      owned = await ownedRead;
      ownedRead = undefined;
    }
    const byTable = new Map<string, ColumnRow[]>();
    for (const row of rows) {
      if (!identityOf.has(row.relid)) continue;
      if (row.expression !== null) {
        row.expression = deparsedAsOf17(row.expression, serverVersionNum);
      }
      row.type = typeNameAsOf17(row.type, serverVersionNum);
      names.set(columnKey(row.relid, row.attnum), {
        name: row.quoted_name,
        collation: row.attcollation,
      });
      const list = byTable.get(row.relid);
      if (list === undefined) byTable.set(row.relid, [row]);
      else list.push(row);
    }
    for (const relid of slice) {
      const list = byTable.get(relid);
      const table = identityOf.get(relid);
      if (list === undefined || table === undefined) continue;
      // By attnum: a column's position is its rank among the live columns, so dropped
      // columns leave no gap.
      if (list.length > 1) list.sort((a, b) => a.attnum - b.attnum);
      const partition = tables.partitions.has(relid);
      const mapped = list.map(
        (row, i) =>
          [
            row,
            mapColumn(
              row,
              table,
              i + 1,
              collationOf(row),
              owned.get(columnKey(row.relid, row.attnum)),
            ),
          ] as const,
      );
      if (roots.has(table)) {
        rootColumns.set(table, new Map(mapped.map(([row, column]) => [row.quoted_name, column])));
      }
      if (mapped.length > 1) {
        mapped.sort(([a], [b]) =>
          a.quoted_name < b.quoted_name ? -1 : a.quoted_name > b.quoted_name ? 1 : 0,
        );
      }
      for (const [row, column] of mapped) {
        const key = `${table}.${row.quoted_name}`;
        columns[key] = column;
        if (partition) {
          partitionColumns.push({ key, table, name: row.quoted_name, attnum: row.attnum });
        }
      }
    }
  }
  // A partition's identity is its root's too: PostgreSQL 17+ marks the partitions' columns
  // (and refuses an identity of their own), earlier majors leave them unmarked, and the same
  // migrations must read the same on both.
  for (const { key, table, name, attnum } of partitionColumns) {
    const root = rootColumns.get(rootOf(table))?.get(name);
    const column = columns[key] as { position: number; identity: ColumnObject["identity"] };
    column.position = root?.position ?? attnum;
    if (root !== undefined) column.identity = root.identity;
  }
  return { columns, names };
}

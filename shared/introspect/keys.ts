import type { ConstraintObject, IndexObject } from "../snapshot/model.ts";
import { type ConstraintRow, fetchConstraintRows, mapConstraintRows } from "./constraints.sql.ts";
import {
  ALL_INDEXES,
  fetchIndexRows,
  type IndexRow,
  mapIndex,
  resolveIndexes,
} from "./indexes.sql.ts";
import type { CatalogLookups, ColumnNames } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";
import type { TablesRead } from "./tables.sql.ts";

/** Where index and constraint queries go, and how a started read is tracked (QueuedReads). */
export interface KeyReads {
  readonly db: Queryable;
  readonly start: <T>(read: Promise<T>) => Promise<T>;
  readonly schemas: readonly string[] | null;
  readonly serverVersionNum: number;
}

/** The index and constraint rows of one slice of tables (or of all in scope), requested. */
export interface KeyRows {
  readonly indexes: Promise<IndexRow[]>;
  readonly constraints: Promise<ConstraintRow[]>;
}

/**
 * Sends the index and constraint queries of `tables` (table OIDs), or of every table and
 * materialized view in scope when `tables` is null. They wait in the connection's queue.
 */
export function requestKeyRows(reads: KeyReads, tables: readonly string[] | null): KeyRows {
  const { db, schemas, serverVersionNum } = reads;
  return {
    indexes: reads.start(
      fetchIndexRows(
        db,
        schemas,
        serverVersionNum,
        tables === null ? ALL_INDEXES : { of: "tables", tables },
      ),
    ),
    constraints: reads.start(
      fetchConstraintRows(db, schemas, serverVersionNum, tables ?? undefined),
    ),
  };
}

export interface IndexesAndConstraints {
  readonly index: Record<string, IndexObject>;
  readonly constraint: Record<string, ConstraintObject>;
}

/** What index and constraint rows are joined with in memory. */
export interface KeyJoins {
  readonly tables: TablesRead;
  /** Tables and views (materialized views have indexes), OID → identity. */
  readonly relations: ReadonlyMap<string, string>;
  readonly names: ColumnNames;
  readonly lookups: CatalogLookups;
}

/**
 * Indexes and constraints, read together a slice of tables at a time: a key's index is part
 * of its constraint (and so not listed as an index), and both are on the same table. With
 * `slices` null, one query of each reads everything in scope (`first` may hold them, already
 * sent). Otherwise each slice's rows are mapped and dropped before the slice after next is
 * requested, so that a large database's rows (150,000 indexes and as many constraints for
 * 50,000 tables) are never all in memory at once; the indexes of materialized views are read
 * on their own. Records are built in identity order only when there is one slice.
 */
export async function readIndexesAndConstraints(
  reads: KeyReads,
  slices: readonly (readonly string[])[] | null,
  joins: KeyJoins,
  first?: KeyRows,
): Promise<IndexesAndConstraints> {
  const { tables, relations, names, lookups } = joins;
  const requests: ReadonlyArray<readonly string[] | null> = slices ?? [null];
  const otherIndexes =
    slices === null
      ? null
      : reads.start(
          fetchIndexRows(reads.db, reads.schemas, reads.serverVersionNum, {
            of: "other relations",
          }),
        );
  const relationsRead = { ...tables, identities: relations };
  const index: Record<string, IndexObject> = {};
  let constraint: Record<string, ConstraintObject> = {};
  let next = first ?? requestKeyRows(reads, requests[0] ?? null);
  for (let k = 0; k < requests.length; k++) {
    const current = next;
    if (k + 1 < requests.length) next = requestKeyRows(reads, requests[k + 1] ?? null);
    const resolved = resolveIndexes(await current.indexes, relationsRead, names, lookups);
    const read = await mapConstraintRows(
      reads.db,
      await current.constraints,
      reads.serverVersionNum,
      tables,
      names,
      resolved,
    );
    if (requests.length === 1) constraint = read.constraints;
    else Object.assign(constraint, read.constraints);
    for (const [oid, one] of resolved) {
      if (!read.backingIndexes.has(oid)) index[one.row.identity] = mapIndex(one);
    }
  }
  if (otherIndexes !== null) {
    for (const one of resolveIndexes(await otherIndexes, relationsRead, names, lookups).values()) {
      index[one.row.identity] = mapIndex(one);
    }
  }
  return { index, constraint };
}

import { columnKey } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  privilegesArray,
  qualifiedName,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

/** The smallest and largest values of a sequence's type (smallint, integer, bigint); `s` is pg_sequence. */
const TYPE_MIN =
  "CASE s.seqtypid WHEN 21 THEN -32768 WHEN 23 THEN -2147483648 ELSE -9223372036854775807 - 1 END";
const TYPE_MAX =
  "CASE s.seqtypid WHEN 21 THEN 32767 WHEN 23 THEN 2147483647 ELSE 9223372036854775807 END";

/**
 * The options of sequence `s` (pg_sequence) that are not CREATE SEQUENCE's defaults for its
 * type, in CREATE order (`START WITH 1000 INCREMENT BY 10 CACHE 20`; '' when all are the
 * defaults). The defaults: MINVALUE 1 and MAXVALUE the type's largest value ascending, the
 * type's smallest and -1 descending; START WITH the minimum ascending, the maximum descending.
 * The data type is left out: an identity sequence always has its column's, and an owned
 * sequence's is compared with its column's where its rows are mapped.
 */
export const SEQUENCE_OPTIONS = /* SQL */ `pg_catalog.concat_ws(' ',
           CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END
             THEN 'START WITH ' || s.seqstart END,
           CASE WHEN s.seqincrement <> 1 THEN 'INCREMENT BY ' || s.seqincrement END,
           CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1
               ELSE ${TYPE_MIN} END THEN 'MINVALUE ' || s.seqmin END,
           CASE WHEN s.seqmax <> CASE WHEN s.seqincrement > 0 THEN ${TYPE_MAX}
               ELSE -1 END THEN 'MAXVALUE ' || s.seqmax END,
           CASE WHEN s.seqcache <> 1 THEN 'CACHE ' || s.seqcache END,
           CASE WHEN s.seqcycle THEN 'CYCLE' END)`;

/**
 * Sequences that belong to a table column without being its identity: serial / bigserial /
 * smallserial ones and those given `ALTER SEQUENCE … OWNED BY table.column` (pg_depend
 * deptype 'a' on the column, refobjsubid its attnum). An identity column's sequence
 * (deptype 'i') is in its `identity`. OWNED BY requires the sequence to be in its table's
 * schema (and an owned sequence cannot be moved out of it), so the sequence's schema is the
 * table's.
 *
 * Every sequence is probed once in pg_depend's depender index (pg_sequence is small next to
 * pg_depend and pg_class), and only the owned ones are looked up in pg_class: the `OFFSET 0`
 * lateral subqueries keep those per-row index lookups rather than scans of pg_depend or
 * pg_class, which grow with every table, index and constraint.
 */
const OWNED_SEQUENCES_SQL = /* SQL */ `
SELECT dep.refobjid::int8::text AS relid,
       dep.refobjsubid AS attnum,
       ${qualifiedName("n.nspname", "c.relname")} AS identity,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       ${SEQUENCE_OPTIONS} AS options,
       ${privilegesArray("c.relacl", "s", "c.relowner")} AS privileges
FROM pg_catalog.pg_sequence s
CROSS JOIN LATERAL (SELECT dep.objid, dep.refobjid, dep.refobjsubid
  FROM pg_catalog.pg_depend dep
  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = s.seqrelid
    AND dep.objsubid = 0
    AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjsubid > 0
    AND dep.deptype = 'a'                 -- auto: serial, OWNED BY ('i' is an identity's)
  OFFSET 0) dep
CROSS JOIN LATERAL (SELECT c.relname, c.relnamespace, c.relacl, c.relowner
  FROM pg_catalog.pg_class c WHERE c.oid = dep.objid AND c.relkind = 'S' OFFSET 0) c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${SCHEMA_IN_SCOPE}`;

interface OwnedSequenceRow {
  relid: string;
  attnum: number;
  identity: string;
  data_type: string;
  options: string;
  privileges: string[];
}

/** A sequence a column owns (not an identity's). */
export interface OwnedSequence {
  /** `public.orders_id_seq` */
  readonly identity: string;
  /** `format_type` spelling: `integer`. */
  readonly dataType: string;
  /** Options that are not the defaults, in CREATE order, without the type; '' when none. */
  readonly options: string;
  readonly privileges: readonly string[];
}

/** Owned sequences by `columnKey(relid, attnum)` of the column that owns them. */
export type OwnedSequences = ReadonlyMap<string, readonly OwnedSequence[]>;

/** The column sequences of the schemas in scope, read by one query. */
export async function readOwnedSequences(
  db: Queryable,
  schemas: readonly string[] | null,
): Promise<OwnedSequences> {
  const rows = await catalogQuery<OwnedSequenceRow>(db, "column sequences", OWNED_SEQUENCES_SQL, [
    schemas,
  ]);
  const owned = new Map<string, OwnedSequence[]>();
  for (const row of rows) {
    const key = columnKey(row.relid, row.attnum);
    const sequence: OwnedSequence = {
      identity: row.identity,
      dataType: row.data_type,
      options: row.options,
      privileges: row.privileges,
    };
    const list = owned.get(key);
    if (list === undefined) owned.set(key, [sequence]);
    else list.push(sequence);
  }
  return owned;
}

/** What a column that owns no sequence has: one frozen object shared by all of them. */
const NO_OWNED_SEQUENCE = Object.freeze({
  sequence: null,
  sequence_privileges: Object.freeze([]) as readonly string[],
});

/**
 * A column's `sequence` and `sequence_privileges`: each owned sequence's identity with its
 * options that are not the defaults (`AS <type>` first when it is not the column's type):
 * `public.orders_id_seq (AS integer)`; several sorted by identity and joined by `, `. Their
 * privileges as a standalone sequence's are read, the union of them, sorted.
 */
export function ownedSequenceAttributes(
  owned: readonly OwnedSequence[] | undefined,
  columnType: string,
): { sequence: string | null; sequence_privileges: readonly string[] } {
  if (owned === undefined || owned.length === 0) return NO_OWNED_SEQUENCE;
  const sorted =
    owned.length === 1
      ? owned
      : [...owned].sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  const sequence = sorted
    .map(({ identity, dataType, options }) => {
      const all = [dataType === columnType ? "" : `AS ${dataType}`, options]
        .filter((part) => part !== "")
        .join(" ");
      return all === "" ? identity : `${identity} (${all})`;
    })
    .join(", ");
  return {
    sequence,
    sequence_privileges: normalizePrivileges(sorted.flatMap(({ privileges }) => privileges)),
  };
}

import type { SequenceObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  privilegesArray,
  qualifiedName,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

/**
 * Standalone sequences: their parameters from pg_sequence, never their values (last_value is
 * data). A sequence that belongs to a table column — an identity column's (pg_depend deptype
 * 'i') or a serial / `OWNED BY` one's ('a') — is part of that column and is not listed.
 *
 * On a large database nearly every sequence is a column's, so those go first: pg_sequence is
 * anti-joined (one hash) with the column-owned and extension-member sequence OIDs gathered in
 * one pass over pg_depend, rather than probing pg_depend twice per sequence. Only the
 * sequences left are then looked up in pg_class, by OID (the `OFFSET 0` lateral subquery keeps
 * that a per-row index lookup instead of a scan of all of pg_class).
 */
const SEQUENCES_SQL = /* SQL */ `
SELECT ${qualifiedName("n.nspname", "c.relname")} AS identity,
       n.nspname AS schema,
       c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqincrement::text AS increment,
       s.seqstart::text AS start,
       s.seqmin::text AS min_value,
       s.seqmax::text AS max_value,
       s.seqcache::text AS cache,
       s.seqcycle AS cycle,
       ${privilegesArray("c.relacl", "s", "c.relowner")} AS privileges,
       d.description AS comment,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner
FROM pg_catalog.pg_sequence s
CROSS JOIN LATERAL (SELECT c.oid, c.relname, c.relnamespace, c.relacl, c.relowner
  FROM pg_catalog.pg_class c WHERE c.oid = s.seqrelid AND c.relkind = 'S' OFFSET 0) c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
    WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = s.seqrelid
      AND (dep.deptype = 'e'
        OR (dep.deptype IN ('a', 'i') AND dep.refclassid = 'pg_catalog.pg_class'::regclass
          AND dep.refobjsubid > 0)))
  AND ${SCHEMA_IN_SCOPE}`;

interface SequenceRow {
  identity: string;
  schema: string;
  name: string;
  data_type: string;
  increment: string;
  start: string;
  min_value: string;
  max_value: string;
  cache: string;
  cycle: boolean;
  privileges: string[] | null;
  comment: string | null;
  owner: string;
}

export function mapSequence(row: SequenceRow): SequenceObject {
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    cache: row.cache,
    comment: row.comment,
    cycle: row.cycle,
    data_type: row.data_type,
    increment: row.increment,
    max_value: row.max_value,
    min_value: row.min_value,
    name: row.name,
    owner: row.owner,
    privileges: normalizePrivileges(row.privileges),
    schema: row.schema,
    start: row.start,
  };
}

export async function readSequences(
  db: Queryable,
  schemas: readonly string[] | null,
): Promise<Record<string, SequenceObject>> {
  const rows = await catalogQuery<SequenceRow>(db, "sequences", SEQUENCES_SQL, [schemas]);
  const sequences: Record<string, SequenceObject> = {};
  for (const row of rows) sequences[row.identity] = mapSequence(row);
  return sequences;
}

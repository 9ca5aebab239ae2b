import type { DomainObject } from "../snapshot/model.ts";
import { deparsedAsOf17, typeNameAsOf17 } from "./deparsed-sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  notExtensionMember,
  privilegesArray,
  qualifiedName,
  quoteIdent,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

/**
 * Domains. The default is deparsed from `typdefaultbin` under the session's empty search_path
 * (`typdefault` keeps the text of creation time, which depends on the search_path then). Only
 * CHECK constraints are listed: PostgreSQL 17+ also records a domain's NOT NULL as a
 * constraint row (contype 'n'), which `nullable` already says, so every major agrees.
 */
const DOMAINS_SQL = /* SQL */ `
SELECT ${qualifiedName("n.nspname", "t.typname")} AS identity,
       n.nspname AS schema,
       t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS data_type,
       CASE WHEN t.typdefaultbin IS NOT NULL THEN pg_catalog.pg_get_expr(t.typdefaultbin, 0) END AS "default",
       NOT t.typnotnull AS nullable,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
         (SELECT CASE WHEN con.nspname = 'pg_catalog' THEN ${quoteIdent("co.collname")}
                 ELSE ${qualifiedName("con.nspname", "co.collname")} END
          FROM pg_catalog.pg_collation co
          JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
          WHERE co.oid = t.typcollation) END AS collation,
       ARRAY(SELECT c.conname::text FROM pg_catalog.pg_constraint c
             WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.oid) AS constraint_names,
       ARRAY(SELECT ${quoteIdent("c.conname")} || ': ' || pg_catalog.pg_get_constraintdef(c.oid)
               || CASE WHEN c.convalidated THEN '' ELSE ' NOT VALID' END
             FROM pg_catalog.pg_constraint c
             WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.oid) AS constraint_defs,
       ${privilegesArray("t.typacl", "T", "t.typowner")} AS privileges,
       d.description AS comment,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::regclass AND d.objsubid = 0
WHERE t.typtype = 'd'
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_type", "t.oid")}`;

interface DomainRow {
  identity: string;
  schema: string;
  name: string;
  data_type: string;
  default: string | null;
  nullable: boolean;
  collation: string | null;
  constraint_names: string[];
  constraint_defs: string[];
  privileges: string[] | null;
  comment: string | null;
  owner: string;
}

/**
 * `name: CHECK (…)` per constraint, sorted by name in code-unit order (the same on every
 * server, whatever the database's collation).
 */
function constraintEntries(names: readonly string[], defs: readonly string[]): string[] {
  const entries = names.map((name, i) => ({
    name,
    // pg_get_constraintdef already ends an unvalidated CHECK with NOT VALID: say it once.
    entry: (defs[i] ?? "").replace(/( NOT VALID)+$/, " NOT VALID"),
  }));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.map((e) => e.entry);
}

export function mapDomain(row: DomainRow): DomainObject {
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    collation: row.collation,
    comment: row.comment,
    constraints: constraintEntries(row.constraint_names, row.constraint_defs),
    data_type: row.data_type,
    default: row.default,
    name: row.name,
    nullable: row.nullable,
    owner: row.owner,
    privileges: normalizePrivileges(row.privileges),
    schema: row.schema,
  };
}

export async function readDomains(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
): Promise<Record<string, DomainObject>> {
  const rows = await catalogQuery<DomainRow>(db, "domains", DOMAINS_SQL, [schemas]);
  const domains: Record<string, DomainObject> = {};
  for (const row of rows) {
    if (serverVersionNum < 170000) {
      row.data_type = typeNameAsOf17(row.data_type, serverVersionNum);
      if (row.default !== null) row.default = deparsedAsOf17(row.default, serverVersionNum);
      row.constraint_defs = row.constraint_defs.map((d) => deparsedAsOf17(d, serverVersionNum));
    }
    domains[row.identity] = mapDomain(row);
  }
  return domains;
}

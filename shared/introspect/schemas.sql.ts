import type { SchemaObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  notExtensionMember,
  privilegesArray,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

const SCHEMAS_SQL = /* SQL */ `
SELECT pg_catalog.quote_ident(n.nspname) AS identity,
       n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       d.description AS comment,
       ${privilegesArray("n.nspacl", "n", "n.nspowner")} AS privileges
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass AND d.objsubid = 0
WHERE ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_namespace", "n.oid")}
ORDER BY n.nspname`;

interface SchemaRow {
  identity: string;
  name: string;
  owner: string;
  comment: string | null;
  privileges: string[] | null;
}

export async function readSchemas(db: Queryable, schemas: readonly string[] | null) {
  const rows = await catalogQuery<SchemaRow>(db, "schemas", SCHEMAS_SQL, [schemas]);
  const out: Record<string, SchemaObject> = {};
  for (const row of rows) {
    out[row.identity] = {
      comment: row.comment,
      name: row.name,
      owner: row.owner,
      privileges: normalizePrivileges(row.privileges),
    };
  }
  return out;
}

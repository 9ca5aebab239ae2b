import type { SchemaObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  notExtensionMember,
  privilegesArray,
  quoteIdent,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

const SCHEMAS_SQL = /* SQL */ `
SELECT ${quoteIdent("n.nspname")} AS identity,
       n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       d.description AS comment,
       ${privilegesArray("n.nspacl", "n", "n.nspowner")} AS privileges,
       pg_catalog.current_setting('server_version_num')::int < 150000 AS before_15
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
  before_15: boolean;
}

/** The `public` schema's privileges as initdb leaves them before PostgreSQL 15. */
const PUBLIC_BEFORE_15 = ["OWNER:CREATE", "OWNER:USAGE", "PUBLIC:CREATE", "PUBLIC:USAGE"];

/**
 * Before PostgreSQL 15, initdb let everyone create objects in `public`; from 15 on, only its
 * owner. A `public` schema left exactly as initdb made it reads as 15+ makes it, so the same
 * migrations on 14 and 17 compare equal (docs/cross-major.md). Any other ACL is kept as is.
 */
function schemaPrivileges(row: SchemaRow): string[] {
  const privileges = normalizePrivileges(row.privileges);
  const untouchedLegacyPublic =
    row.before_15 &&
    row.name === "public" &&
    privileges.length === PUBLIC_BEFORE_15.length &&
    privileges.every((p, i) => p === PUBLIC_BEFORE_15[i]);
  return untouchedLegacyPublic ? privileges.filter((p) => p !== "PUBLIC:CREATE") : privileges;
}

export async function readSchemas(db: Queryable, schemas: readonly string[] | null) {
  const rows = await catalogQuery<SchemaRow>(db, "schemas", SCHEMAS_SQL, [schemas]);
  const out: Record<string, SchemaObject> = {};
  for (const row of rows) {
    out[row.identity] = {
      comment: row.comment,
      name: row.name,
      owner: row.owner,
      privileges: schemaPrivileges(row),
    };
  }
  return out;
}

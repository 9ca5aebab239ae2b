import type { PolicyObject } from "../snapshot/model.ts";
import { deparsedAsOf17 } from "./deparsed-sql.ts";
import { relationVanished } from "./errors.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { quoteIdent, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";

/** Row-level security policies on tables in scope; only USING and WITH CHECK are deparsed. */
const POLICIES_SQL = /* SQL */ `
SELECT pol.polrelid::int8::text AS relid,
       pol.polname AS name,
       ${quoteIdent("pol.polname")} AS quoted_name,
       pol.polcmd AS command,              -- '*' all, 'r' select, 'a' insert, 'w' update, 'd' delete
       pol.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.role = 0 THEN 'PUBLIC'
                         ELSE ${quoteIdent("pg_catalog.pg_get_userbyid(r.role)")} END
             FROM pg_catalog.unnest(pol.polroles) AS r(role)) AS roles,
       pol.polqual IS NOT NULL AS has_using,
       pol.polwithcheck IS NOT NULL AS has_with_check,
       pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using,
       pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS with_check,
       d.description AS comment
FROM pg_catalog.pg_policy pol
JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = pol.oid AND d.classoid = 'pg_catalog.pg_policy'::regclass AND d.objsubid = 0
WHERE ${SCHEMA_IN_SCOPE}`;

interface PolicyRow {
  relid: string;
  name: string;
  quoted_name: string;
  command: string;
  permissive: boolean;
  roles: string[] | null;
  has_using: boolean;
  has_with_check: boolean;
  using: string | null;
  with_check: string | null;
  comment: string | null;
}

const COMMANDS: Record<string, string> = {
  "*": "ALL",
  r: "SELECT",
  a: "INSERT",
  w: "UPDATE",
  d: "DELETE",
};

/** Plain code-unit order, the same on every machine. */
function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function readPolicies(
  db: Queryable,
  schemas: readonly string[] | null,
  /** Table OID → identity. */
  tables: ReadonlyMap<string, string>,
  serverVersionNum: number,
): Promise<Record<string, PolicyObject>> {
  const rows = await catalogQuery<PolicyRow>(db, "policies", POLICIES_SQL, [schemas]);
  const policies: Record<string, PolicyObject> = {};
  for (const row of rows) {
    const table = tables.get(row.relid);
    if (table === undefined) continue;
    // An expression that deparses as NULL: the table was dropped after the snapshot was taken.
    if ((row.has_using && row.using === null) || (row.has_with_check && row.with_check === null)) {
      throw relationVanished("policies", row.relid, `the table of policy ${row.quoted_name}`);
    }
    // Keys in sorted order: the snapshot's canonical form.
    policies[`${table}.${row.quoted_name}`] = {
      command: COMMANDS[row.command] ?? row.command,
      comment: row.comment,
      name: row.name,
      permissive: row.permissive,
      roles: sorted(row.roles ?? []),
      table,
      using: row.using === null ? null : deparsedAsOf17(row.using, serverVersionNum),
      with_check: row.with_check === null ? null : deparsedAsOf17(row.with_check, serverVersionNum),
    };
  }
  return policies;
}

/**
 * SQL pieces shared by the per-kind catalog queries. Every query binds the schema list as
 * `$1::text[]` (NULL = every non-system schema).
 */

/** In scope: not a system schema, and in the list when one is given. `n` is pg_namespace. */
export const SCHEMA_IN_SCOPE = /* SQL */ `(n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[])))`;

/** Not created by an extension (extension members are the extension's business). */
export function notExtensionMember(catalog: string, oidExpr: string): string {
  return /* SQL */ `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
    WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oidExpr} AND dep.deptype = 'e')`;
}

/**
 * Words that became keywords in PostgreSQL 16 or 17 (SQL/JSON, MERGE, SYSTEM_USER), so that
 * `quote_ident` quotes them on those majors and later but not on earlier ones. No word has
 * gone the other way between 14 and 18 (compared with `pg_get_keywords()` on each).
 */
export const LATE_KEYWORDS: readonly string[] = [
  "json",
  "json_array",
  "json_arrayagg",
  "json_exists",
  "json_object",
  "json_objectagg",
  "json_query",
  "json_scalar",
  "json_serialize",
  "json_table",
  "json_value",
  "merge_action",
  "system_user",
];

const LATE_KEYWORD_LIST = LATE_KEYWORDS.map((word) => `'${word}'`).join(", ");

/**
 * `quote_ident(expr)` as PostgreSQL 18 spells it, on every major: a name that is one of the
 * LATE_KEYWORDS is quoted even where the server does not count it a keyword, so a table named
 * `json_table` has one identity whatever the major (docs/cross-major.md).
 */
export function quoteIdent(expr: string): string {
  return `(CASE WHEN ${expr} IN (${LATE_KEYWORD_LIST}) THEN '"' || ${expr} || '"' ELSE pg_catalog.quote_ident(${expr}) END)`;
}

/** `schema.name`, each part quoted as quote_ident would (see quoteIdent). */
export function qualifiedName(schemaExpr: string, nameExpr: string): string {
  return `${quoteIdent(schemaExpr)} || '.' || ${quoteIdent(nameExpr)}`;
}

/**
 * Privileges as `grantee:PRIVILEGE` strings (`*` = WITH GRANT OPTION). A NULL ACL means the
 * owner's defaults, so it is expanded with acldefault: an explicit ACL equal to the defaults
 * compares equal. The owner appears as `OWNER`, since role names differ between environments.
 * `aclType` is acldefault's letter: 'r' relation, 'n' schema, 'f' function, 's' sequence.
 * With `aclType` null (columns), a NULL ACL is empty.
 */
export function privilegesArray(
  aclExpr: string,
  aclType: string | null,
  ownerExpr: string,
): string {
  const source =
    aclType === null
      ? aclExpr
      : `COALESCE(${aclExpr}, pg_catalog.acldefault('${aclType}', ${ownerExpr}))`;
  return /* SQL */ `ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
      WHEN a.grantee = ${ownerExpr} THEN 'OWNER'
      ELSE ${quoteIdent("pg_catalog.pg_get_userbyid(a.grantee)")} END
      || ':' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END
    FROM pg_catalog.aclexplode(${source}) a)`;
}

/**
 * PostgreSQL 17 added MAINTAIN to the owner's default privileges on tables, views and
 * materialized views; an owner can always grant it to itself again, so it says nothing about
 * drift, and leaving it out keeps 14–16 and 17+ alike (docs/cross-major.md). MAINTAIN granted
 * to other roles is kept.
 */
const OWNER_MAINTAIN = new Set(["OWNER:MAINTAIN", "OWNER:MAINTAIN*"]);

/** What `GRANT ALL` gives on a table, view or materialized view before PostgreSQL 17. */
const TABLE_PRIVILEGES = [
  "DELETE",
  "INSERT",
  "REFERENCES",
  "SELECT",
  "TRIGGER",
  "TRUNCATE",
  "UPDATE",
];

/**
 * Sorted, without duplicates (the same grant from two grantors is one privilege). MAINTAIN is
 * left out for the owner (above), and for a role that holds every other table privilege with
 * the same grant option: that is `GRANT ALL`, which includes MAINTAIN from 17 on and not
 * before, so the same migration reads alike on every major (docs/cross-major.md).
 */
export function normalizePrivileges(privileges: readonly string[] | null): string[] {
  const unique = new Set(privileges ?? []);
  for (const privilege of unique) {
    if (OWNER_MAINTAIN.has(privilege)) {
      unique.delete(privilege);
      continue;
    }
    const maintain = /^(.*):MAINTAIN(\*?)$/.exec(privilege);
    if (maintain === null) continue;
    const [, grantee, grantable] = maintain;
    if (TABLE_PRIVILEGES.every((p) => unique.has(`${grantee}:${p}${grantable}`))) {
      unique.delete(privilege);
    }
  }
  return [...unique].sort();
}

import type { ViewObject } from "../snapshot/model.ts";
import { type ColumnNames, columnKey } from "./lookups.sql.ts";
import { normalizeOption } from "./options.ts";
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
import { normalizeViewDefinition } from "./view-definition.ts";

/**
 * Views and materialized views. The query of each is deparsed once (`pg_get_viewdef`, with the
 * session's empty search_path, so every name in it is schema-qualified). pg_get_viewdef takes
 * ACCESS SHARE locks on the view and the relations it reads: behind a running migration's
 * ACCESS EXCLUSIVE lock it waits until lock_timeout, and the session names the locked relation.
 * The column names of materialized views come along, for the keys of their indexes, and the
 * server's version, for the definitions older majors print differently (view-definition.ts).
 * The columns' comments and grants come along too (their names and types are part of the
 * definition, so the columns themselves are not listed); a NULL `attacl` is no column grant.
 */
const VIEWS_SQL = /* SQL */ `
SELECT c.oid::int8::text AS oid,
       ${qualifiedName("n.nspname", "c.relname")} AS identity,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind,                          -- 'v' view, 'm' materialized view
       pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
       pg_catalog.current_setting('server_version_num')::int AS server_version_num,
       c.reloptions AS options,
       t.reloptions AS toast_options,
       d.description AS comment,
       ${privilegesArray("c.relacl", "r", "c.relowner")} AS privileges,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ARRAY(SELECT ${quoteIdent("att.attname")} || ': ' || cd.description
             FROM pg_catalog.pg_attribute att
             JOIN pg_catalog.pg_description cd
               ON cd.objoid = c.oid AND cd.classoid = 'pg_catalog.pg_class'::regclass
              AND cd.objsubid = att.attnum
             WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped
             ORDER BY att.attnum) AS column_comments,
       ARRAY(SELECT ${quoteIdent("att.attname")} || ' ' || grant_text
             FROM pg_catalog.pg_attribute att,
                  LATERAL pg_catalog.unnest(${privilegesArray("att.attacl", null, "c.relowner")}) grant_text
             WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped
               AND att.attacl IS NOT NULL) AS column_privileges,
       CASE WHEN c.relkind = 'm' THEN
         (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
                   a.attnum, ${quoteIdent("a.attname")}, a.attcollation::int8::text)
                 ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) END AS columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('v', 'm')
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_class", "c.oid")}`;

interface ViewRow {
  oid: string;
  identity: string;
  schema: string;
  name: string;
  relkind: string;
  definition: string;
  server_version_num: number;
  options: string[] | null;
  toast_options: string[] | null;
  comment: string | null;
  privileges: string[] | null;
  owner: string;
  /** `quoted_name: text`, in column order. */
  column_comments: string[] | null;
  /** `quoted_name grantee:PRIVILEGE`, in no particular order, possibly repeated. */
  column_privileges: string[] | null;
  /** Materialized views only: `[attnum, quoted name, collation OID]` per column. */
  columns: Array<[number, string, string]> | null;
}

export function mapView(row: ViewRow): ViewObject {
  const options = [
    ...(row.options ?? []),
    ...(row.toast_options ?? []).map((option) => `toast.${option}`),
  ].map(normalizeOption);
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    column_comments: row.column_comments ?? [],
    column_privileges: [...new Set(row.column_privileges ?? [])].sort(),
    comment: row.comment,
    definition: normalizeViewDefinition(row.definition, row.server_version_num),
    name: row.name,
    options: [...new Set(options)].sort(),
    owner: row.owner,
    privileges: normalizePrivileges(row.privileges),
    schema: row.schema,
  };
}

export interface ViewsRead {
  readonly views: Record<string, ViewObject>;
  readonly materializedViews: Record<string, ViewObject>;
  /** View and materialized view OID → identity (triggers and indexes name them). */
  readonly identities: ReadonlyMap<string, string>;
  /** Column names of materialized views, for their indexes' keys. */
  readonly names: ColumnNames;
}

export async function readViews(
  db: Queryable,
  schemas: readonly string[] | null,
): Promise<ViewsRead> {
  const rows = await catalogQuery<ViewRow>(db, "views", VIEWS_SQL, [schemas]);
  const views: Record<string, ViewObject> = {};
  const materializedViews: Record<string, ViewObject> = {};
  const identities = new Map<string, string>();
  const names: ColumnNames = new Map();
  for (const row of rows) {
    (row.relkind === "m" ? materializedViews : views)[row.identity] = mapView(row);
    identities.set(row.oid, row.identity);
    for (const [attnum, name, collation] of row.columns ?? []) {
      names.set(columnKey(row.oid, attnum), { name, collation });
    }
  }
  return { views, materializedViews, identities, names };
}

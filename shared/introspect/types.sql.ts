import type { TypeObject } from "../snapshot/model.ts";
import { typeNameAsOf17 } from "./deparsed-sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  privilegesArray,
  qualifiedName,
  quoteIdent,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

/** A collation's or operator class's name as SQL spells it: bare in pg_catalog (`"C"`), qualified elsewhere. */
function catalogName(nspExpr: string, nameExpr: string): string {
  return `CASE WHEN ${nspExpr} = 'pg_catalog' THEN ${quoteIdent(nameExpr)}
    ELSE ${qualifiedName(nspExpr, nameExpr)} END`;
}

/** A function OID as `regproc` prints it (qualified unless in pg_catalog), null for none. */
function procName(oidExpr: string): string {
  return `CASE WHEN ${oidExpr} <> 0 THEN ${oidExpr}::pg_catalog.regproc::text END`;
}

/**
 * User-defined types: enums, composite types (CREATE TYPE … AS, not the row types of tables
 * and views), ranges and base types. Arrays (any type some type names as its `typarray`),
 * multiranges (part of their range), shell types and extension members are left out. Only
 * catalog fields are read: nothing is deparsed.
 *
 * On a large database nearly every type is a table's row type or an array, so those go first,
 * before anything is joined: one pass over pg_depend gathers the types that are extension
 * members ('e') or internally dependent ('i') on a relation (a table's, view's… row type) or on
 * another type (an implicit array, a multirange), and a hashed `NOT IN` on the pg_type scan
 * drops them (a NOT EXISTS anti-join would be applied after the per-row checks below). That
 * pass only prefilters: the exact rules — a composite type's relation has relkind 'c'; an array
 * is a type some type names as its `typarray`, and that type is the array's `typelem` — are
 * then checked on the few rows left, by index lookups (`OFFSET 0` keeps them per-row lookups,
 * not hashes built over all of pg_class and pg_type).
 */
const TYPES_SQL = /* SQL */ `
SELECT ${qualifiedName("n.nspname", "t.typname")} AS identity,
       n.nspname AS schema,
       t.typname AS name,
       t.typtype,
       CASE WHEN t.typtype = 'e' THEN ARRAY(
         SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
         WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
       CASE WHEN t.typtype = 'c' THEN ARRAY(
         SELECT ${quoteIdent("a.attname")} || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                THEN ' COLLATE ' || (SELECT ${catalogName("con.nspname", "co.collname")}
                  FROM pg_catalog.pg_collation co
                  JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
                  WHERE co.oid = a.attcollation)
                ELSE '' END
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum) END AS attributes,
       -- ranges
       pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN NOT opc.opcdefault THEN ${catalogName("opcn.nspname", "opc.opcname")} END AS subtype_opclass,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
         THEN (SELECT ${catalogName("con.nspname", "co.collname")}
           FROM pg_catalog.pg_collation co
           JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
           WHERE co.oid = r.rngcollation) END AS range_collation,
       ${procName("r.rngcanonical")} AS canonical,
       ${procName("r.rngsubdiff")} AS subtype_diff,
       -- The multirange's name, unless it is the one CREATE TYPE picks: the range's name with
       -- its first "range" made "multirange", or "_multirange" appended, in the same schema.
       (SELECT ${qualifiedName("mtn.nspname", "mt.typname")}
        FROM pg_catalog.pg_type mt JOIN pg_catalog.pg_namespace mtn ON mtn.oid = mt.typnamespace
        WHERE mt.oid = r.rngmultitypid
          AND NOT (mt.typnamespace = t.typnamespace AND mt.typname::text = CASE
            WHEN pg_catalog.strpos(t.typname, 'range') > 0
            THEN pg_catalog.regexp_replace(t.typname::text, 'range', 'multirange')
            ELSE t.typname::text || '_multirange' END)) AS multirange,
       -- base types
       ${procName("t.typinput")} AS input,
       ${procName("t.typoutput")} AS output,
       ${procName("t.typreceive")} AS receive,
       ${procName("t.typsend")} AS send,
       ${procName("t.typmodin")} AS typmod_in,
       ${procName("t.typmodout")} AS typmod_out,
       ${procName("t.typanalyze")} AS analyze,
       ${procName("t.typsubscript")} AS subscript,
       t.typlen AS internallength,
       t.typbyval AS passedbyvalue,
       t.typalign AS alignment,
       t.typstorage AS storage,
       t.typcategory AS category,
       t.typispreferred AS preferred,
       t.typdefault AS "default",
       CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END AS element,
       t.typdelim AS delimiter,
       t.typcollation <> 0 AS collatable,
       -- all
       ${privilegesArray("t.typacl", "T", "t.typowner")} AS privileges,
       d.description AS comment,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
LEFT JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::regclass AND d.objsubid = 0
WHERE t.typtype IN ('e', 'r', 'b', 'c')
  AND t.typisdefined
  AND t.oid NOT IN (SELECT dep.objid FROM pg_catalog.pg_depend dep
    WHERE dep.classid = 'pg_catalog.pg_type'::regclass
      AND (dep.deptype = 'e' OR (dep.deptype = 'i'
        AND dep.refclassid IN ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_type'::regclass))))
  AND ${SCHEMA_IN_SCOPE}
  -- Only composite types (relkind 'c'), not the row types of tables and views.
  AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class rel
    WHERE rel.oid = t.typrelid AND rel.relkind = 'c' OFFSET 0))
  -- Not an array: an array's typelem is the type that names it as its typarray.
  AND (t.typelem = 0 OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type elem
    WHERE elem.oid = t.typelem AND elem.typarray = t.oid OFFSET 0))`;

export interface TypeRow {
  identity: string;
  schema: string;
  name: string;
  typtype: string;
  labels: string[] | null;
  attributes: string[] | null;
  subtype: string | null;
  subtype_opclass: string | null;
  range_collation: string | null;
  canonical: string | null;
  subtype_diff: string | null;
  /** Only when it is not the default name. */
  multirange: string | null;
  input: string | null;
  output: string | null;
  receive: string | null;
  send: string | null;
  typmod_in: string | null;
  typmod_out: string | null;
  analyze: string | null;
  subscript: string | null;
  internallength: number;
  passedbyvalue: boolean;
  alignment: string;
  storage: string;
  category: string;
  preferred: boolean;
  default: string | null;
  element: string | null;
  delimiter: string;
  collatable: boolean;
  privileges: string[] | null;
  comment: string | null;
  owner: string;
}

const KINDS: Record<string, string> = { e: "enum", c: "composite", r: "range", b: "base" };
const ALIGNMENT: Record<string, string> = { c: "char", s: "int2", i: "int4", d: "double" };
const STORAGE: Record<string, string> = { p: "plain", e: "external", m: "main", x: "extended" };

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * What defines a range, as CREATE TYPE … AS RANGE (…) takes it: `subtype=integer`, then the
 * options that differ from their defaults.
 */
function rangeDefinition(row: TypeRow): string {
  const parts = [`subtype=${row.subtype ?? "?"}`];
  if (row.subtype_opclass !== null) parts.push(`subtype_opclass=${row.subtype_opclass}`);
  if (row.range_collation !== null) parts.push(`collation=${row.range_collation}`);
  if (row.canonical !== null) parts.push(`canonical=${row.canonical}`);
  if (row.subtype_diff !== null) parts.push(`subtype_diff=${row.subtype_diff}`);
  if (row.multirange !== null) parts.push(`multirange_type_name=${row.multirange}`);
  return parts.join(", ");
}

/** What defines a base type, as CREATE TYPE … (…) takes it; options at their defaults left out. */
function baseDefinition(row: TypeRow): string {
  const parts = [`input=${row.input ?? "?"}`, `output=${row.output ?? "?"}`];
  const functions = ["receive", "send", "typmod_in", "typmod_out", "analyze", "subscript"] as const;
  for (const key of functions) if (row[key] !== null) parts.push(`${key}=${row[key]}`);
  parts.push(`internallength=${row.internallength < 0 ? "variable" : row.internallength}`);
  if (row.passedbyvalue) parts.push("passedbyvalue");
  parts.push(`alignment=${ALIGNMENT[row.alignment] ?? row.alignment}`);
  parts.push(`storage=${STORAGE[row.storage] ?? row.storage}`);
  if (row.category !== "U") parts.push(`category=${literal(row.category)}`);
  if (row.preferred) parts.push("preferred=true");
  if (row.default !== null) parts.push(`default=${literal(row.default)}`);
  if (row.element !== null) parts.push(`element=${row.element}`);
  if (row.delimiter !== ",") parts.push(`delimiter=${literal(row.delimiter)}`);
  if (row.collatable) parts.push("collatable=true");
  return parts.join(", ");
}

export function mapType(row: TypeRow): TypeObject {
  const kind = KINDS[row.typtype] ?? row.typtype;
  const definition =
    kind === "range" ? rangeDefinition(row) : kind === "base" ? baseDefinition(row) : null;
  // Keys in sorted order: the snapshot's canonical form, so it needs no re-sorting.
  return {
    attributes: kind === "composite" ? (row.attributes ?? []) : null,
    comment: row.comment,
    definition,
    labels: kind === "enum" ? (row.labels ?? []) : null,
    name: row.name,
    owner: row.owner,
    privileges: normalizePrivileges(row.privileges),
    schema: row.schema,
    type: kind,
  };
}

export async function readTypes(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
): Promise<Record<string, TypeObject>> {
  const rows = await catalogQuery<TypeRow>(db, "types", TYPES_SQL, [schemas]);
  const types: Record<string, TypeObject> = {};
  for (const row of rows) {
    if (serverVersionNum < 170000) {
      const asOf17 = (text: string | null) =>
        text === null ? null : typeNameAsOf17(text, serverVersionNum);
      row.attributes = row.attributes?.map((a) => typeNameAsOf17(a, serverVersionNum)) ?? null;
      row.subtype = asOf17(row.subtype);
      row.element = asOf17(row.element);
    }
    types[row.identity] = mapType(row);
  }
  return types;
}

/**
 * Identities and SQL spelling. An identity is written as `quote_ident` writes each part
 * (`public.users`, `public."Order Items"."Qty"`), so its parts can be reused in SQL as they are.
 */

/** The parts of an identity, each as written (quotes kept): `public."A.b"` → `public`, `"A.b"`. */
export function identityParts(identity: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < identity.length) {
    let end = i;
    if (identity[i] === '"') {
      end = i + 1;
      while (end < identity.length) {
        if (identity[end] === '"') {
          if (identity[end + 1] === '"') end += 2;
          else break;
        } else end += 1;
      }
      end += 1;
    } else {
      while (end < identity.length && identity[end] !== ".") end += 1;
    }
    parts.push(identity.slice(i, end));
    i = end + 1;
  }
  return parts;
}

/** The last part of an identity, as written: the object's own (quoted) name. */
export function lastPart(identity: string): string {
  const parts = identityParts(identity);
  return parts[parts.length - 1] ?? identity;
}

/** The first part of an identity, as written: the schema of a schema-scoped object. */
export function firstPart(identity: string): string {
  return identityParts(identity)[0] ?? identity;
}

/**
 * Keywords `quote_ident` quotes: every PostgreSQL 17 keyword that is not unreserved (reserved,
 * type/function-name and column-name keywords), as
 * `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'` lists them on PostgreSQL 17.
 */
const QUOTED_KEYWORDS = new Set(
  `all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
  boolean both case cast char character check coalesce collate collation column concurrently
  constraint create cross current_catalog current_date current_role current_schema current_time
  current_timestamp current_user dec decimal default deferrable desc distinct do else end except
  exists extract false fetch float for foreign freeze from full grant greatest group grouping
  having ilike in initially inner inout int integer intersect interval into is isnull join json
  json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
  json_serialize json_table json_value lateral leading least left like limit localtime
  localtimestamp merge_action national natural nchar none normalize not notnull null nullif
  numeric offset on only or order out outer overlaps overlay placing position precision primary
  real references returning right row select session_user setof similar smallint some substring
  symmetric system_user table tablesample then time timestamp to trailing treat trim true union
  unique user using values varchar variadic verbose when where window with xmlattributes
  xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
  xmltable`.split(/\s+/),
);

/**
 * Quotes a name as `quote_ident` would: left bare only when it is lower-case ASCII letters,
 * digits and underscores starting with a letter or underscore (so `$` is quoted, though the
 * parser would take it unquoted) and is not a keyword in QUOTED_KEYWORDS.
 */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal (standard_conforming_strings on, as it is by default). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

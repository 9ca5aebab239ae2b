import type { ExtensionObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { quoteIdent, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";

/** Extensions installed in a schema in scope (plpgsql lives in pg_catalog: out of scope). */
const EXTENSIONS_SQL = /* SQL */ `
SELECT ${quoteIdent("e.extname")} AS identity,
       e.extname AS name,
       e.extversion AS version,
       n.nspname AS schema
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE ${SCHEMA_IN_SCOPE}
ORDER BY e.extname`;

interface ExtensionRow {
  identity: string;
  name: string;
  version: string;
  schema: string;
}

export async function readExtensions(db: Queryable, schemas: readonly string[] | null) {
  const rows = await catalogQuery<ExtensionRow>(db, "extensions", EXTENSIONS_SQL, [schemas]);
  const out: Record<string, ExtensionObject> = {};
  for (const row of rows)
    out[row.identity] = { name: row.name, schema: row.schema, version: row.version };
  return out;
}

import type { FunctionObject, Volatility } from "../snapshot/model.ts";
import { argumentNamesAsOf17, functionBodyAsOf17, typeNameAsOf17 } from "./deparsed-sql.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import {
  normalizePrivileges,
  notExtensionMember,
  privilegesArray,
  quoteIdent,
  SCHEMA_IN_SCOPE,
} from "./sql-fragments.ts";

export interface FunctionsRead {
  readonly functions: Record<string, FunctionObject>;
  readonly procedures: Record<string, FunctionObject>;
}

/**
 * Functions (plain and window) and procedures; aggregates are left out. The identity's
 * argument types come from `proargtypes` (input arguments, and a procedure's OUT arguments,
 * as PostgreSQL identifies routines), each spelled by format_type: with the session's empty
 * search_path, every type outside pg_catalog is schema-qualified, whatever the search_path
 * was when the routine was created. Only expressions are deparsed: argument defaults and
 * SQL-standard bodies.
 */
function functionsSql(serverVersionNum: number): string {
  // SQL-standard bodies (BEGIN ATOMIC … END, RETURN …) exist from PostgreSQL 14.
  const sqlBody =
    serverVersionNum >= 140000
      ? "CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid) END"
      : "NULL::text";
  return /* SQL */ `
SELECT ${quoteIdent("n.nspname")} || '.' || ${quoteIdent("p.proname")} AS qualified,
       n.nspname AS schema,
       p.proname AS name,
       p.prokind,                          -- 'f' function, 'w' window function, 'p' procedure
       COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format_type(a.type, NULL), ', ' ORDER BY a.i)
                 FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(type, i)), '') AS arguments,
       pg_catalog.pg_get_function_arguments(p.oid) AS signature,
       CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END AS result,
       l.lanname AS language,
       p.proisstrict AS strict,
       p.proleakproof AS leakproof,
       p.proparallel AS parallel,          -- 's' safe, 'r' restricted, 'u' unsafe
       p.procost::text AS cost,
       p.proretset AS returns_set,
       p.prorows::text AS rows,
       CASE WHEN p.prosupport <> 0 THEN p.prosupport::pg_catalog.regproc::text END AS support,
       CASE WHEN p.protrftypes IS NOT NULL THEN
         (SELECT pg_catalog.string_agg('FOR TYPE ' || pg_catalog.format_type(tt.type, NULL), ', ' ORDER BY tt.i)
          FROM pg_catalog.unnest(p.protrftypes) WITH ORDINALITY AS tt(type, i)) END AS transforms,
       p.proconfig AS settings,
       p.probin AS object_file,
       p.prosrc AS source,
       ${sqlBody} AS sql_body,
       p.prosecdef AS security_definer,
       p.provolatile AS volatility,        -- 'i' immutable, 's' stable, 'v' volatile
       ${privilegesArray("p.proacl", "f", "p.proowner")} AS privileges,
       d.description AS comment,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objsubid = 0
WHERE p.prokind IN ('f', 'w', 'p')
  AND ${SCHEMA_IN_SCOPE}
  AND ${notExtensionMember("pg_catalog.pg_proc", "p.oid")}
  -- Made by PostgreSQL along with another object (a range type's constructors): part of it.
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
    WHERE dep.classid = 'pg_catalog.pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'i')`;
}

interface FunctionRow {
  qualified: string;
  schema: string;
  name: string;
  prokind: string;
  arguments: string;
  signature: string;
  result: string | null;
  language: string;
  strict: boolean;
  leakproof: boolean;
  parallel: string;
  cost: string;
  returns_set: boolean;
  rows: string;
  support: string | null;
  transforms: string | null;
  settings: string[] | null;
  object_file: string | null;
  source: string;
  sql_body: string | null;
  security_definer: boolean;
  volatility: string;
  privileges: string[] | null;
  comment: string | null;
  owner: string;
}

const VOLATILITY: Record<string, Volatility> = { i: "immutable", s: "stable", v: "volatile" };
const PARALLEL: Record<string, string> = { s: "SAFE", r: "RESTRICTED", u: "UNSAFE" };

/**
 * Settings whose value is a list of names (`search_path = app, pg_temp`): written as stored.
 * Any other value is written as a string literal (`work_mem = '64MB'`).
 */
const LIST_SETTINGS = new Set([
  "search_path",
  "temp_tablespaces",
  "session_preload_libraries",
  "shared_preload_libraries",
  "local_preload_libraries",
]);

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `search_path=app, pg_temp` → `SET search_path = app, pg_temp`. */
function settingClause(setting: string): string {
  const eq = setting.indexOf("=");
  const name = eq < 0 ? setting : setting.slice(0, eq);
  const value = eq < 0 ? "" : setting.slice(eq + 1);
  return `SET ${name} = ${LIST_SETTINGS.has(name.toLowerCase()) ? value : literal(value)}`;
}

/** A dollar quote whose tag does not occur in the body (`$function$`, `$function_1$`, …). */
export function dollarQuote(body: string): string {
  let tag = "$function$";
  for (let i = 1; body.includes(tag); i++) tag = `$function_${i}$`;
  return `${tag}${body}${tag}`;
}

function body(row: FunctionRow): string {
  if (row.sql_body !== null) return row.sql_body;
  if (row.object_file !== null) return `AS ${literal(row.object_file)}, ${literal(row.source)}`;
  if (row.language === "internal") return `AS ${literal(row.source)}`;
  return `AS ${dollarQuote(row.source)}`;
}

/**
 * The definition, laid out as `CREATE FUNCTION name` would continue (volatility and
 * SECURITY DEFINER are fields of their own, not part of it):
 *
 * ```
 * (a bigint, b text DEFAULT 'x'::text) RETURNS integer
 *  LANGUAGE plpgsql STRICT PARALLEL SAFE COST 100
 *  SET search_path = app, pg_temp
 * AS $function$…$function$
 * ```
 *
 * Procedures have no result, and none of the attributes procedures reject (strictness,
 * leakproof, parallel safety, cost, rows, support).
 */
export function functionDefinition(row: FunctionRow): string {
  const procedure = row.prokind === "p";
  const header = `(${row.signature})${procedure ? "" : ` RETURNS ${row.result ?? "void"}`}`;
  const attributes = [`LANGUAGE ${row.language}`];
  if (row.transforms !== null) attributes.push(`TRANSFORM ${row.transforms}`);
  if (!procedure) {
    if (row.prokind === "w") attributes.push("WINDOW");
    if (row.strict) attributes.push("STRICT");
    if (row.leakproof) attributes.push("LEAKPROOF");
    attributes.push(`PARALLEL ${PARALLEL[row.parallel] ?? "UNSAFE"}`);
    attributes.push(`COST ${row.cost}`);
    if (row.returns_set) attributes.push(`ROWS ${row.rows}`);
    if (row.support !== null) attributes.push(`SUPPORT ${row.support}`);
  }
  const settings = [...(row.settings ?? [])].sort().map((s) => ` ${settingClause(s)}`);
  return [header, ` ${attributes.join(" ")}`, ...settings, body(row)].join("\n");
}

export function mapFunction(row: FunctionRow): FunctionObject {
  // Keys in sorted order: the snapshot's canonical form.
  return {
    arguments: row.arguments,
    comment: row.comment,
    definition: functionDefinition(row),
    name: row.name,
    owner: row.owner,
    privileges: normalizePrivileges(row.privileges),
    schema: row.schema,
    security_definer: row.security_definer,
    volatility: VOLATILITY[row.volatility] ?? "volatile",
  };
}

export async function readFunctions(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
): Promise<FunctionsRead> {
  const rows = await catalogQuery<FunctionRow>(
    db,
    "functions and procedures",
    functionsSql(serverVersionNum),
    [schemas],
  );
  if (serverVersionNum < 170000) {
    for (const row of rows) {
      row.arguments = typeNameAsOf17(row.arguments, serverVersionNum);
      row.signature = typeNameAsOf17(
        argumentNamesAsOf17(row.signature, serverVersionNum),
        serverVersionNum,
      );
      if (row.result !== null) {
        row.result = typeNameAsOf17(
          argumentNamesAsOf17(row.result, serverVersionNum),
          serverVersionNum,
        );
      }
      if (row.sql_body !== null) row.sql_body = functionBodyAsOf17(row.sql_body, serverVersionNum);
    }
  }
  const functions: Record<string, FunctionObject> = {};
  const procedures: Record<string, FunctionObject> = {};
  for (const row of rows) {
    const identity = `${row.qualified}(${row.arguments})`;
    (row.prokind === "p" ? procedures : functions)[identity] = mapFunction(row);
  }
  return { functions, procedures };
}

import { serverErrorFields } from "../introspect/errors.ts";
import type { Queryable } from "../introspect/queryable.ts";
import { MigrationError } from "./errors.ts";
import type { SessionSetup } from "./sources/source.ts";
import { quoteIdent } from "./sql-quote.ts";

/**
 * What a migration tool does to the session before it migrates, done to the scratch database
 * the same way (Flyway, PostgreSQL):
 *
 * - the schemas it manages (`flyway.schemas`, and `flyway.defaultSchema` first when it is not
 *   among them) are created when they do not exist (`flyway.createSchemas`, default true), as
 *   Flyway's `CREATE SCHEMA "name"` does, so they are in the baseline as in the environments;
 * - before each migration, `search_path` is set to the default schema followed by the session's
 *   own `search_path` (`SELECT set_config('search_path', '"app","$user", public', false)`), as
 *   Flyway's PostgreSQL connection does, unless that `search_path` already starts with it; and
 *   only once the schema exists (a migration may create it).
 */

/** How `applyMigrations` sets `search_path` before each migration. */
export interface SearchPathSetting {
  /** The schema that must exist for the setting to be made (Flyway checks it each time). */
  readonly schema: string;
  /** The value given to `set_config('search_path', …)`. */
  readonly path: string;
}

/** A name for messages: as written when it needs no quotes, else quoted. */
export function displayIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

/** Flyway quotes the schema name with double quotes, always. */
function flywayQuote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates the schemas the tool would create (`created`: those that did not exist) and returns
 * how to set `search_path` before each migration (undefined: the session's `search_path` already
 * starts with the default schema).
 */
export async function prepareSession(
  db: Queryable,
  setup: SessionSetup,
  log: (message: string) => void,
): Promise<{ searchPath: SearchPathSetting | undefined; created: readonly string[] }> {
  const created: string[] = [];
  for (const schema of setup.createSchemas) {
    const found = await db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", [
      schema,
    ]);
    if (found.rows.length > 0) continue;
    try {
      await db.query(`CREATE SCHEMA ${flywayQuote(schema)}`);
    } catch (cause) {
      const fields = serverErrorFields(cause);
      throw new MigrationError(
        "(schema creation)",
        `creating schema ${displayIdent(schema)} before the migrations, as Flyway does (${setup.from}): ${fields ? `${fields.code ?? ""} ${fields.message}`.trim() : String(cause)}`,
        { ...(fields?.code ? { sqlstate: fields.code } : {}), cause },
      );
    }
    created.push(schema);
  }
  if (created.length > 0) {
    log(
      `created schema${created.length > 1 ? "s" : ""} ${created.map(displayIdent).join(", ")} before the migrations, as Flyway does (${setup.from})`,
    );
  }
  const schema = setup.defaultSchema;
  if (schema === null) return { searchPath: undefined, created };
  const result = await db.query("SHOW search_path");
  const original = String(
    (result.rows[0] as Record<string, unknown> | undefined)?.search_path ?? "",
  );
  if (original === schema || original.startsWith(`${schema},`)) {
    log(`search_path already starts with ${schema} (${setup.from}): left as ${original}`);
    return { searchPath: undefined, created };
  }
  const path = original.trim() === "" ? flywayQuote(schema) : `${flywayQuote(schema)},${original}`;
  log(
    `each migration runs with search_path ${path}, as Flyway sets it for its default schema ${displayIdent(schema)} (${setup.from})`,
  );
  return { searchPath: { schema, path }, created };
}

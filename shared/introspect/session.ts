import { IntrospectionError, serverErrorFields } from "./errors.ts";
import type { Queryable } from "./queryable.ts";

export interface SessionSettings {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

/**
 * Settings pinned for every catalog read, so that deparsed text does not depend on the
 * connection: an empty search_path makes every name schema-qualified, and the output styles
 * are fixed. All of them are LOCAL: they end with the transaction.
 */
function pinnedSettings(settings: SessionSettings): ReadonlyArray<readonly [string, string]> {
  return [
    ["search_path", ""],
    ["TimeZone", "UTC"],
    ["DateStyle", "ISO"],
    ["IntervalStyle", "postgres"],
    ["extra_float_digits", "3"],
    ["lock_timeout", `${settings.lockTimeoutMs}ms`],
    ["statement_timeout", `${settings.statementTimeoutMs}ms`],
    ["application_name", "pgdrift"],
    // Catalog result sets of large schemas sort in memory rather than on disk.
    ["work_mem", "64MB"],
    // Catalog queries are short: compiling them (JIT) costs more than it saves.
    ["jit", "off"],
  ];
}

/**
 * Runs `read` inside one `REPEATABLE READ, READ ONLY` transaction with the pinned settings, so
 * every catalog query sees the same instant. Takes no table locks. Always ends the transaction.
 */
export async function withCatalogSession<T>(
  db: Queryable,
  settings: SessionSettings,
  read: () => Promise<T>,
): Promise<T> {
  await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  try {
    const pinned = pinnedSettings(settings);
    const calls = pinned.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ");
    await db.query(`SELECT ${calls}`, pinned.flat());
    const result = await read();
    await db.query("COMMIT");
    return result;
  } catch (error) {
    await db.query("ROLLBACK").catch(() => undefined);
    if (error instanceof IntrospectionError && error.sqlstate === "55P03") {
      throw await nameLockHolders(db, error, settings.lockTimeoutMs);
    }
    throw error;
  }
}

/** Relations other sessions hold in ACCESS EXCLUSIVE mode in this database (a running migration). */
const LOCK_HOLDERS_SQL = /* SQL */ `
SELECT DISTINCT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS relation,
       l.pid
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.granted AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
ORDER BY 1
LIMIT 6`;

/**
 * After a lock timeout, names what was waited for: the relations another session holds
 * exclusively. Only names and process ids are reported, never the other session's query text.
 */
async function nameLockHolders(
  db: Queryable,
  error: IntrospectionError,
  lockTimeoutMs: number,
): Promise<IntrospectionError> {
  let holders: { relation: string; pid: number }[] = [];
  try {
    holders = (await db.query<{ relation: string; pid: number }>(LOCK_HOLDERS_SQL)).rows;
  } catch {
    // keep the original error
  }
  const relations = holders.slice(0, 5).map((h) => h.relation);
  const more = holders.length > 5 ? ", …" : "";
  const pids = [...new Set(holders.map((h) => h.pid))].join(", ");
  const what =
    relations.length > 0
      ? `a lock on ${relations.join(", ")}${more}, held in ACCESS EXCLUSIVE mode by another session (pid ${pids})`
      : "a lock held by another session";
  return new IntrospectionError(
    error.step,
    `reading ${error.step} waited more than ${lockTimeoutMs} ms for ${what}, probably a running migration; retry when it finishes, or raise the lock timeout`,
    { cause: error, sqlstate: "55P03", lockedObjects: relations },
  );
}

/** Runs one catalog query, turning a lock or statement timeout into an error naming the step. */
export async function catalogQuery<R>(
  db: Queryable,
  step: string,
  sql: string,
  params: readonly unknown[],
): Promise<R[]> {
  try {
    return (await db.query<R>(sql, params)).rows;
  } catch (error) {
    const fields = serverErrorFields(error);
    if (fields?.code === "55P03") {
      throw new IntrospectionError(
        step,
        `reading ${step} waited too long for a lock (lock_timeout): another session holds a conflicting lock, probably a running migration; retry when it finishes`,
        { cause: error, sqlstate: fields.code },
      );
    }
    if (fields?.code === "57014") {
      throw new IntrospectionError(step, `reading ${step} exceeded statement_timeout`, {
        cause: error,
        sqlstate: fields.code,
      });
    }
    const detail = fields ? `${fields.code}: ${fields.message}` : (error as Error).message;
    throw new IntrospectionError(step, `reading ${step} failed: ${detail}`, {
      cause: error,
      ...(fields?.code ? { sqlstate: fields.code } : {}),
    });
  }
}

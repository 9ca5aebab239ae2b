import { IntrospectionError, serverErrorFields } from "./errors.ts";
import type { Queryable, QueryResultLike } from "./queryable.ts";
import { quoteIdent } from "./sql-fragments.ts";

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
SELECT DISTINCT ${quoteIdent("n.nspname")} || '.' || ${quoteIdent("c.relname")} AS relation,
       l.pid
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.granted AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
  AND n.nspname !~ '^pg_toast'            -- TOAST tables go with their relation, named already
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

/**
 * Catalog reads started ahead of need on one connection. Their queries wait in a queue here
 * and go to the server one at a time, in the order they were asked for; the next is sent as
 * soon as the last one's rows are in, before the reader of those rows runs, so the server
 * works on one query while this process maps the rows of another. All run in the same
 * transaction. After a query fails, those queued behind it are not sent (the transaction is
 * aborted): `settle` waits for every read and throws the failure of the first query that
 * failed, the one that says what went wrong.
 */
export class QueuedReads {
  /** The connection, through the queue. */
  readonly db: Queryable;
  private readonly started: Promise<unknown>[] = [];
  private readonly waiting: Array<{
    readonly sql: string;
    readonly params: readonly unknown[] | undefined;
    readonly resolve: (result: unknown) => void;
    readonly reject: (error: unknown) => void;
  }> = [];
  private busy = false;
  private failure: { readonly error: unknown } | undefined;

  constructor(private readonly connection: Queryable) {
    this.db = {
      query: <R>(sql: string, params?: readonly unknown[]) =>
        new Promise<QueryResultLike<R>>((resolve, reject) => {
          this.waiting.push({ sql, params, resolve: resolve as (r: unknown) => void, reject });
          if (!this.busy) this.sendNext();
        }),
    };
  }

  private sendNext(): void {
    const next = this.waiting.shift();
    this.busy = next !== undefined;
    if (next === undefined) return;
    if (this.failure !== undefined) {
      next.reject(new Error("not sent: an earlier catalog query of this read failed"));
      this.sendNext();
      return;
    }
    let sent: Promise<QueryResultLike<unknown>>;
    try {
      sent = this.connection.query(next.sql, next.params);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (result) => {
        this.sendNext();
        next.resolve(result);
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.sendNext();
        next.reject(error);
      },
    );
  }

  /** Tracks a read that has started (its queries are queued); returns it. */
  start<T>(read: Promise<T>): Promise<T> {
    this.started.push(read);
    read.catch(() => undefined); // awaited later, or settled by `settle`: never unhandled
    return read;
  }

  /** Runs `body`; on failure, waits for every started read, then throws the root failure. */
  async settle<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const settled = await Promise.allSettled(this.started);
      const first = this.failure?.error;
      if (first === undefined || isFrom(error, first)) throw error;
      for (const outcome of settled) {
        if (outcome.status === "rejected" && isFrom(outcome.reason, first)) throw outcome.reason;
      }
      throw error;
    }
  }
}

/** `error` is `query` itself or wraps it (an IntrospectionError's cause). */
function isFrom(error: unknown, query: unknown): boolean {
  return error === query || (error instanceof Error && error.cause === query);
}

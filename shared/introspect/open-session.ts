import type pg from "pg";

/** An open session for introspection and the way to end it. */
export interface OpenSession {
  readonly client: pg.Client;
  close(): Promise<void>;
}

/**
 * Opens one session (a `pg.Client`, not a pool: introspection reads in one transaction) named
 * `pgdrift`, for the edges (CLI, Lambda) that own connections. A connect that outlives
 * `connectionTimeoutMillis` fails with code `ETIMEDOUT`, so callers can name it; a server that
 * goes away between queries does not crash the process (the failing query reports it).
 * `pg` is loaded on first use.
 */
export async function openSession(config: pg.ClientConfig): Promise<OpenSession> {
  const { default: pgModule } = await import("pg");
  const client = new pgModule.Client({ application_name: "pgdrift", ...config });
  client.on("error", () => undefined);
  const timeoutMs = config.connectionTimeoutMillis ?? 0;
  const started = Date.now();
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (code === undefined && timeoutMs > 0 && Date.now() - started >= timeoutMs - 100) {
      throw Object.assign(new Error("connection timeout"), { code: "ETIMEDOUT", cause: error });
    }
    throw error;
  }
  return { client, close: () => client.end() };
}

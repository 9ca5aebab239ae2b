import type pg from "pg";
import {
  type ConnectionTarget,
  describeTarget,
  isPostgresUrl,
  passwordOfUrl,
  targetFromUrl,
} from "../shared/introspect/connection-errors.ts";
import type { AuditConnection } from "../shared/report/audit.ts";
import { CliError } from "./errors.ts";

/** How long to wait for a server to accept a connection. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A database the CLI was given: the URL (secret) and what may be said about it. */
export interface DatabaseTarget {
  readonly url: string;
  readonly target: ConnectionTarget;
  /** `user@host:port/db`, no password. */
  readonly display: string;
  /** Strings that must never be printed: the password and the URL. */
  readonly secrets: readonly string[];
}

/** Checks a URL the user gave; the message names where it came from, never the URL itself. */
export function databaseTarget(url: string, where: string): DatabaseTarget {
  const target = isPostgresUrl(url) ? targetFromUrl(url) : undefined;
  if (!target) {
    throw new CliError(
      `${where}: not a PostgreSQL URL: expected postgres://user:password@host:port/database`,
    );
  }
  const password = passwordOfUrl(url);
  return {
    url,
    target,
    display: describeTarget(target),
    secrets: [url, ...(password ? [password, encodeURIComponent(password)] : [])],
  };
}

/**
 * One connection (a `pg.Client`, not a pool: introspection needs a single session), with
 * `application_name=pgdrift` and a 10 s connection timeout. `pg` is loaded on first use.
 */
export async function openConnection(
  url: string,
): Promise<AuditConnection & { client: pg.Client }> {
  const { default: pgModule } = await import("pg");
  const client = new pgModule.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "pgdrift",
  });
  // A server that goes away between queries emits 'error' on the client; without a listener
  // that would end the process. The failing query reports it instead.
  client.on("error", () => undefined);
  const started = Date.now();
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (code === undefined && Date.now() - started >= CONNECT_TIMEOUT_MS - 100) {
      throw Object.assign(new Error("connection timeout"), { code: "ETIMEDOUT", cause: error });
    }
    throw error;
  }
  return { client, close: () => client.end() };
}

import type pg from "pg";
import {
  type ConnectionTarget,
  describeTarget,
  isPostgresUrl,
  passwordOfUrl,
  targetFromUrl,
} from "../shared/introspect/connection-errors.ts";
import { openSession } from "../shared/introspect/open-session.ts";
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
  return openSession({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
}

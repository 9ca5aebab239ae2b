import type pg from "pg";
import { openSession } from "../introspect/open-session.ts";
import type { AuditConnection } from "../report/audit.ts";
import type { DatabaseLogin } from "./credentials.ts";
import type { RdsTlsOptions } from "./tls.ts";

/** How long to wait for a database to accept a connection. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface OpenDatabaseOptions {
  readonly login: DatabaseLogin;
  /** Verified TLS (the RDS CA bundle); `false` only in tests, through the handler's factory. */
  readonly tls: RdsTlsOptions | false;
  readonly connectTimeoutMs?: number;
}

function sslOptions(tls: RdsTlsOptions | false): pg.ClientConfig["ssl"] {
  if (tls === false) return false;
  return {
    ca: [...tls.ca],
    rejectUnauthorized: true,
    // Without one, pg sends the host as the server name (SNI) unless it is an IP address.
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/**
 * One session (a `pg.Client`, not a pool: introspection reads in one transaction), named
 * `pgdrift`, with a connection timeout. Settings are explicit, so no `PG*` variable of the
 * function's environment changes where it connects or whether TLS is used.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<AuditConnection> {
  const { login } = options;
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  return openSession({
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    password: login.password,
    ssl: sslOptions(options.tls),
    connectionTimeoutMillis: timeoutMs,
  });
}

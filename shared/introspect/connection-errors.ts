import { IntrospectionError, serverErrorFields } from "./errors.ts";

/**
 * Turns whatever went wrong while connecting to or reading an environment into a stable
 * code and one line a person can act on. Messages name the environment and the server
 * (`host:port`), never a password or a URL with credentials in it.
 */

/** Where a connection goes, without credentials. */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
  readonly user?: string;
}

export interface ConnectionErrorContext {
  /** Environment name, the first word of every message. */
  readonly environment: string;
  readonly target?: ConnectionTarget;
  /** Strings that must never appear in a message (the password, the full URL). */
  readonly secrets?: readonly string[];
  /** The connection timeout in use, for the timeout message. */
  readonly timeoutMs?: number;
}

export interface DescribedConnectionError {
  /** `connection_refused`, `host_not_found`, `connection_timeout`, `authentication_failed`, … */
  readonly code: string;
  readonly message: string;
  readonly sqlstate?: string;
}

const URL_PATTERN = /^postgres(?:ql)?:\/\//i;

export function isPostgresUrl(text: string): boolean {
  return URL_PATTERN.test(text);
}

/** Host, port, database and user of a `postgres://` URL; undefined when it does not parse. */
export function targetFromUrl(url: string): ConnectionTarget | undefined {
  if (!isPostgresUrl(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.searchParams.get("host") ?? decodeURIComponent(parsed.hostname);
  const port = Number(parsed.searchParams.get("port") ?? parsed.port) || 5432;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(parsed.username) || parsed.searchParams.get("user") || undefined;
  return {
    host: host.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port,
    ...(database ? { database } : {}),
    ...(user ? { user } : {}),
  };
}

/** The password of a `postgres://` URL, so callers can keep it out of messages. */
export function passwordOfUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const password = decodeURIComponent(parsed.password) || parsed.searchParams.get("password");
    return password || undefined;
  } catch {
    return undefined;
  }
}

/** `user@host:port/db` — what a message may say about a connection. */
export function describeTarget(target: ConnectionTarget | string): string {
  const t = typeof target === "string" ? targetFromUrl(target) : target;
  if (!t) return "(unparseable URL)";
  const user = t.user ? `${t.user}@` : "";
  const db = t.database ? `/${t.database}` : "";
  return `${user}${hostPort(t)}${db}`;
}

function hostPort(target: ConnectionTarget): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}

/** Removes credentials from text: `postgres://user:secret@` URLs and any listed secret. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  // Also a mistyped `postgres:/user:secret@host` (one slash) keeps its credentials hidden.
  let out = text.replace(/(postgres(?:ql)?:\/*)[^\s/@]*@/gi, "$1…@");
  out = out.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'?|"[^"]*"?|[^\s&]+)/gi, "$1…");
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join("…");
  }
  return out;
}

interface ErrorShape {
  readonly code?: string;
  readonly message: string;
  readonly address?: string;
  readonly port?: number;
  readonly hostname?: string;
}

/** The first error that carries a code: an AggregateError (happy eyeballs) wraps one per address. */
function shapeOf(error: unknown): ErrorShape {
  if (error === null || typeof error !== "object") return { message: String(error) };
  const e = error as Record<string, unknown>;
  const inner = Array.isArray(e.errors)
    ? (e.errors[0] as Record<string, unknown> | undefined)
    : undefined;
  const pick = (key: string): unknown => e[key] ?? inner?.[key];
  const code = pick("code");
  const message =
    typeof e.message === "string" && e.message ? e.message : String(pick("message") ?? error);
  const address = pick("address");
  const port = pick("port");
  const hostname = pick("hostname");
  return {
    message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof address === "string" ? { address } : {}),
    ...(typeof port === "number" ? { port } : {}),
    ...(typeof hostname === "string" ? { hostname } : {}),
  };
}

function userFromServerMessage(message: string): string | undefined {
  return /for user "([^"]+)"/.exec(message)?.[1];
}

/** Maps a connection or audit failure to `{ code, message }` (DESIGN.md: never a secret). */
export function describeConnectionError(
  error: unknown,
  context: ConnectionErrorContext,
): DescribedConnectionError {
  const env = context.environment;
  const secrets = context.secrets ?? [];
  const clean = (text: string) => scrubSecrets(text, secrets);
  const shape = shapeOf(error);
  const target = context.target;
  const where = target
    ? hostPort(target)
    : shape.address
      ? `${shape.address}${shape.port ? `:${shape.port}` : ""}`
      : "the server";

  if (error instanceof IntrospectionError) {
    if (error.sqlstate === "42501") {
      return {
        code: "permission_denied",
        message: clean(
          `${env}: permission denied while reading the catalog (${error.message}): grant the audit role CONNECT on the database and USAGE on the audited schemas`,
        ),
        sqlstate: error.sqlstate,
      };
    }
    return {
      code: "introspection_failed",
      message: clean(`${env}: introspection failed: ${error.message}`),
      ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}),
    };
  }

  const server = serverErrorFields(error);
  if (server?.code) {
    const sqlstate = server.code;
    switch (sqlstate) {
      case "28P01": {
        const user = target?.user ?? userFromServerMessage(server.message) ?? "(unknown)";
        return {
          code: "authentication_failed",
          message: clean(
            `${env}: password authentication failed for user ${user} on ${where}: check the user and password in the URL (or PGPASSWORD)`,
          ),
          sqlstate,
        };
      }
      case "28000":
        return {
          code: "authentication_failed",
          message: clean(
            `${env}: the server at ${where} rejected the login (${server.message}): check the user and the server's pg_hba.conf`,
          ),
          sqlstate,
        };
      case "3D000": {
        const database =
          target?.database ?? /database "([^"]+)"/.exec(server.message)?.[1] ?? "(unknown)";
        return {
          code: "database_not_found",
          message: clean(
            `${env}: database "${database}" does not exist on ${where}: check the database name in the URL`,
          ),
          sqlstate,
        };
      }
      case "42501":
        return {
          code: "permission_denied",
          message: clean(
            `${env}: permission denied on ${where} (${server.message}): grant the audit role CONNECT on the database and USAGE on the audited schemas`,
          ),
          sqlstate,
        };
      case "53300":
        return {
          code: "too_many_connections",
          message: clean(
            `${env}: ${where} has no free connection slots: retry later or raise max_connections`,
          ),
          sqlstate,
        };
      case "57P03":
        return {
          code: "server_unavailable",
          message: clean(
            `${env}: ${where} is not accepting connections yet (${server.message}): retry later`,
          ),
          sqlstate,
        };
      default:
        return {
          code: "audit_failed",
          message: clean(`${env}: ${sqlstate}: ${server.message}`),
          sqlstate,
        };
    }
  }

  switch (shape.code) {
    case "ECONNREFUSED":
      return {
        code: "connection_refused",
        message: `${env}: cannot connect to ${where} (connection refused): check host, port and that the server accepts TCP connections`,
      };
    case "ENOTFOUND":
    case "EAI_AGAIN": {
      const host = target?.host ?? shape.hostname ?? "(unknown)";
      return {
        code: "host_not_found",
        message: `${env}: host ${host} not found (DNS lookup failed): check the host name in the URL`,
      };
    }
    case "ETIMEDOUT":
      return timeout(env, where, context.timeoutMs);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return {
        code: "host_unreachable",
        message: `${env}: no route to ${where}: check network access (VPN, firewall, security group)`,
      };
    default:
      break;
  }
  if (/timeout expired|connection timeout|timed out/i.test(shape.message)) {
    return timeout(env, where, context.timeoutMs);
  }
  if (/Connection terminated unexpectedly/i.test(shape.message)) {
    return {
      code: "connection_closed",
      message: `${env}: ${where} closed the connection unexpectedly: if it does so on every connect, check that it is PostgreSQL and whether it requires TLS (sslmode=require in the URL)`,
    };
  }
  if (/client password must be a (non-empty )?string/i.test(shape.message)) {
    const user = target?.user ?? "(unknown)";
    return {
      code: "authentication_failed",
      message: `${env}: the server at ${where} asks for a password for user ${user} and none was given: put it in the URL or PGPASSWORD`,
    };
  }
  if (/\bSSL\b|\bTLS\b|certificate/i.test(shape.message)) {
    return {
      code: "tls_failed",
      message: clean(
        `${env}: TLS with ${where} failed (${shape.message}): check sslmode and the CA certificate`,
      ),
    };
  }
  return { code: "audit_failed", message: clean(`${env}: ${oneLine(shape.message)}`) };
}

function timeout(
  env: string,
  where: string,
  timeoutMs: number | undefined,
): DescribedConnectionError {
  const within = timeoutMs ? ` within ${Math.round(timeoutMs / 1000)} s` : "";
  return {
    code: "connection_timeout",
    message: `${env}: no answer from ${where}${within} (connection timeout): check network access (VPN, firewall, security group) and that the server is up`,
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

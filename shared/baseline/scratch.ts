import { randomBytes } from "node:crypto";
import pg from "pg";
import { serverErrorFields } from "../introspect/errors.ts";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded.ts";
import { EngineError } from "./errors.ts";
import { quoteIdent } from "./sql-quote.ts";
import { databaseOfUrl, isPostgresUrl, redactUrl, withDatabase } from "./url.ts";

/**
 * Scratch databases: where migrations are applied to build a baseline. Either an embedded
 * cluster started for the build, or a temporary database on a server the user names
 * (`--scratch-url`). Every live one is tracked, so an interrupted run can still clean up
 * (`disposeAllScratch`, wired to SIGINT/SIGTERM by the CLI).
 */

export type ScratchSpec =
  | { readonly kind: "embedded"; readonly major: number }
  | { readonly kind: "server"; readonly url: string };

export interface ScratchDatabase {
  readonly kind: ScratchSpec["kind"];
  /** Connection settings for the scratch database; credentials included: never print them. */
  readonly connection: pg.ClientConfig;
  readonly database: string;
  /** Where it runs, without credentials: `embedded PostgreSQL 17.6`, `postgresql://u@h:5432/db`. */
  readonly description: string;
  /** `17.6` */
  readonly serverVersion: string;
  /** `170006` */
  readonly serverVersionNum: number;
  /** `17`: compare it with the environments' major. */
  readonly major: number;
  /** Records a role created while applying migrations; `dispose` drops it on a user's server. */
  adoptRole(role: string): void;
  /** Drops the database (or stops the cluster) and the adopted roles; safe to call twice. */
  dispose(): Promise<void>;
}

export interface ScratchOptions {
  readonly log?: (message: string) => void;
}

/** Disposers of every scratch database not yet disposed, including those still starting. */
const live = new Set<() => Promise<void>>();

/** Wraps `dispose` so it runs once, whoever calls it first, and is forgotten when done. */
function track(dispose: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => {
    running ??= dispose().finally(() => live.delete(once));
    return running;
  };
  live.add(once);
  return once;
}

/**
 * Disposes every scratch database still alive (for a SIGINT/SIGTERM handler). Never throws:
 * failures go to `log`, with what to clean up by hand.
 */
export async function disposeAllScratch(log?: (message: string) => void): Promise<void> {
  const results = await Promise.allSettled([...live].map((dispose) => dispose()));
  for (const result of results) {
    if (result.status === "rejected") {
      log?.(result.reason instanceof Error ? result.reason.message : String(result.reason));
    }
  }
}

/** How many scratch databases are alive (tests, diagnostics). */
export function liveScratchCount(): number {
  return live.size;
}

function messageOf(error: unknown): string {
  const fields = serverErrorFields(error);
  if (fields) return `${fields.code} ${fields.message}`;
  return error instanceof Error ? error.message : String(error);
}

interface ServerVersion {
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  readonly major: number;
}

async function readServerVersion(client: pg.Client): Promise<ServerVersion> {
  const { rows } = await client.query<{ version: string; num: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num",
  );
  const row = rows[0];
  const serverVersionNum = Number.parseInt(row?.num ?? "", 10);
  return {
    serverVersion: (row?.version ?? "").split(" ")[0] ?? "",
    serverVersionNum,
    major: Math.floor(serverVersionNum / 10_000),
  };
}

/** How long connecting to a scratch server may take before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 15_000;

/** A client whose socket errors surface on the next query instead of crashing the process. */
function client(config: pg.ClientConfig): pg.Client {
  const created = new pg.Client({ connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...config });
  created.on("error", () => undefined);
  return created;
}

const EMBEDDED_DATABASE = "pgdrift_baseline";

/** Starts an embedded cluster of `major` with an empty `pgdrift_baseline` database. */
export async function startEmbeddedScratch(
  major: number,
  options: ScratchOptions = {},
): Promise<ScratchDatabase> {
  const log = options.log ?? (() => undefined);
  log(`starting embedded PostgreSQL ${major}`);
  const starting = startEmbeddedPostgres({ major });
  const dispose = track(async () => {
    const server = await starting.catch(() => undefined);
    await server?.stop();
  });
  let server: EmbeddedPostgres;
  let version: ServerVersion;
  try {
    server = await starting;
    const admin = client(server.connection("postgres"));
    try {
      await admin.connect();
      await admin.query(`CREATE DATABASE ${quoteIdent(EMBEDDED_DATABASE)}`);
      version = await readServerVersion(admin);
      const { rows } = await admin.query<{ data_directory: string }>("SHOW data_directory");
      log(
        `started embedded PostgreSQL ${version.serverVersion} (data directory ${rows[0]?.data_directory ?? "?"})`,
      );
    } finally {
      await admin.end().catch(() => undefined);
    }
  } catch (error) {
    await dispose();
    if (error instanceof EngineError) throw error;
    throw new EngineError(
      "scratch_setup_failed",
      `could not prepare the embedded PostgreSQL ${major} scratch database: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return {
    kind: "embedded",
    connection: {
      ...server.connection(EMBEDDED_DATABASE),
      application_name: "pgdrift",
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    },
    database: EMBEDDED_DATABASE,
    description: `embedded PostgreSQL ${version.serverVersion}`,
    ...version,
    // the cluster, roles included, is thrown away as a whole
    adoptRole: () => undefined,
    dispose,
  };
}

async function dropServerScratch(
  url: string,
  database: string,
  roles: readonly string[],
  serverVersionNum: number,
  log: (message: string) => void,
): Promise<void> {
  const where = redactUrl(url);
  const admin = client({ connectionString: url, application_name: "pgdrift" });
  try {
    await admin.connect();
    if (serverVersionNum >= 130_000) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    } else {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [database],
      );
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
    }
    log(`dropped scratch database ${database} on ${where}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    const roleNote = roles.length > 0 ? ` and the roles ${roles.map(quoteIdent).join(", ")}` : "";
    throw new EngineError(
      "scratch_drop_failed",
      `could not drop scratch database ${database} on ${where} (${messageOf(error)}); drop it by hand: DROP DATABASE ${quoteIdent(database)}${roleNote}`,
      { cause: error },
    );
  }
  const leftover: string[] = [];
  for (const role of roles) {
    try {
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    } catch (error) {
      leftover.push(`${quoteIdent(role)} (${messageOf(error)})`);
    }
  }
  await admin.end().catch(() => undefined);
  if (leftover.length > 0) {
    throw new EngineError(
      "scratch_drop_failed",
      `could not drop roles created for the baseline on ${where}: ${leftover.join(", ")}; drop them by hand`,
    );
  }
  if (roles.length > 0) log(`dropped ${roles.length} role(s) created for the baseline`);
}

/**
 * Creates `pgdrift_scratch_<random>` on the server `url` names (its database is only used to
 * connect). The user needs CREATEDB, and CREATEROLE when migrations name missing roles.
 * `dispose` drops the database (WITH (FORCE) from PostgreSQL 13) and the adopted roles.
 */
export async function createServerScratch(
  url: string,
  options: ScratchOptions = {},
): Promise<ScratchDatabase> {
  const log = options.log ?? (() => undefined);
  if (!isPostgresUrl(url)) {
    throw new EngineError(
      "invalid_scratch_url",
      `--scratch-url must be a postgresql:// URL, got ${redactUrl(url)}`,
    );
  }
  let maintenanceUrl: string;
  try {
    maintenanceUrl = databaseOfUrl(url) === undefined ? withDatabase(url, "postgres") : url;
  } catch {
    throw new EngineError(
      "invalid_scratch_url",
      `--scratch-url is not a valid URL: ${redactUrl(url)}`,
    );
  }
  const where = redactUrl(maintenanceUrl);
  const database = `pgdrift_scratch_${randomBytes(6).toString("hex")}`;
  const roles: string[] = [];

  const admin = client({ connectionString: maintenanceUrl, application_name: "pgdrift" });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new EngineError(
      "scratch_server_unreachable",
      `could not connect to the scratch server ${where}: ${messageOf(error)}`,
      { cause: error },
    );
  }

  let version: ServerVersion = { serverVersion: "", serverVersionNum: 0, major: 0 };
  let creating: Promise<unknown> = Promise.resolve();
  let disposing = false;
  const dispose = track(async () => {
    disposing = true;
    await creating.catch(() => undefined);
    await dropServerScratch(maintenanceUrl, database, roles, version.serverVersionNum, log);
  });
  try {
    version = await readServerVersion(admin);
    if (disposing) throw new Error("interrupted");
    // template0: the user's template1 may hold objects no migration created
    creating = admin.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE template0`);
    await creating;
    log(`created scratch database ${database} on ${where} (PostgreSQL ${version.serverVersion})`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    await dispose().catch(() => undefined);
    const privilege =
      serverErrorFields(error)?.code === "42501" ? "; the user needs the CREATEDB privilege" : "";
    throw new EngineError(
      "scratch_create_failed",
      `could not create a scratch database on ${where}: ${messageOf(error)}${privilege}`,
      { cause: error },
    );
  }
  await admin.end().catch(() => undefined);

  return {
    kind: "server",
    connection: {
      connectionString: withDatabase(maintenanceUrl, database),
      application_name: "pgdrift",
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    },
    database,
    description: redactUrl(withDatabase(maintenanceUrl, database)),
    ...version,
    adoptRole: (role) => {
      if (!roles.includes(role)) roles.push(role);
    },
    dispose,
  };
}

/** Provisions the scratch database a build asked for. */
export function provisionScratch(
  spec: ScratchSpec,
  options: ScratchOptions = {},
): Promise<ScratchDatabase> {
  return spec.kind === "embedded"
    ? startEmbeddedScratch(spec.major, options)
    : createServerScratch(spec.url, options);
}

/**
 * The bench database: a fresh database on an embedded PostgreSQL (or on a server given by URL),
 * filled with the generated schema, and the cleanup that removes it all again.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startEmbeddedPostgres } from "../shared/baseline/embedded.ts";
import { timed } from "./measure.ts";
import { type BenchSchemaOptions, generateSchemaBatches, type SchemaBatch } from "./schema.ts";

const BENCH_DATABASE = "pgdrift_bench";

export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** Steps run once, last added first, in a `finally` or on SIGINT/SIGTERM; never throws. */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];
  private running: Promise<void> | undefined;
  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        await step().catch((error: Error) => progress(`cleanup: ${error.message}`));
      }
    })();
    return this.running;
  }
}

export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export interface BenchDatabase {
  /** URL of the bench database, password included: never print it. */
  readonly url: string;
  /** `embedded` or `--url`. */
  readonly label: string;
  /** `15.18` */
  readonly serverVersion: string;
  readonly serverMajor: number;
  readonly buildMs: number;
  readonly transactions: number;
  readonly connections: number;
}

export interface OpenOptions extends BenchSchemaOptions {
  /** A server where a temporary database may be created and dropped; else embedded. */
  readonly url?: string | undefined;
  /** Major of the embedded server. */
  readonly major: number;
  /** Concurrent connections building the schema on the embedded server. */
  readonly connections: number;
}

async function embeddedServerDatabase(major: number, cleanup: Cleanup): Promise<string> {
  progress(`starting an embedded PostgreSQL ${major}`);
  // One transaction per schema creates ~3,500 relations at 500 tables (tables, indexes,
  // sequences, TOAST), each holding a lock until commit: room for several such transactions.
  const server = await startEmbeddedPostgres({
    major,
    settings: { max_locks_per_transaction: "1024" },
  });
  cleanup.add(() => server.stop());
  await withClient(server.url(), (admin) => admin.query(`CREATE DATABASE ${BENCH_DATABASE}`));
  return server.url(BENCH_DATABASE);
}

async function givenServerDatabase(url: string, cleanup: Cleanup): Promise<string> {
  const name = `${BENCH_DATABASE}_${randomBytes(4).toString("hex")}`;
  await withClient(url, (admin) => admin.query(`CREATE DATABASE ${name}`)).catch((error: Error) => {
    throw new Error(
      `could not create a temporary database on the --url server (${error.message}); the bench needs a role with CREATEDB`,
    );
  });
  cleanup.add(() =>
    withClient(url, async (admin) => {
      await admin
        .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        .catch(() => admin.query(`DROP DATABASE IF EXISTS ${name}`));
    }),
  );
  return withDatabase(url, name);
}

/** Runs the batches on `connections` connections, each batch one transaction; returns ms. */
async function buildSchema(
  url: string,
  batches: readonly SchemaBatch[],
  connections: number,
): Promise<number> {
  const queue = [...batches];
  const worker = () =>
    withClient(url, async (client) => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        try {
          await client.query(batch.sql);
        } catch (error) {
          queue.length = 0; // the other connections stop after their current batch
          const code = (error as { code?: string }).code;
          const hint =
            code === "53200"
              ? " (out of lock slots: raise max_locks_per_transaction or pass more --schemas)"
              : "";
          throw new Error(
            `building schema ${batch.schema} failed: ${(error as Error).message}${hint}`,
          );
        }
      }
    });
  const { ms } = await timed(() => Promise.all(Array.from({ length: connections }, worker)));
  return ms;
}

/**
 * Creates the bench database and its schema, then ANALYZEs it so the catalogs carry statistics
 * (as a live database's do) before anything is timed.
 */
export async function openBenchDatabase(
  options: OpenOptions,
  cleanup: Cleanup,
): Promise<BenchDatabase> {
  const url = options.url
    ? await givenServerDatabase(options.url, cleanup)
    : await embeddedServerDatabase(options.major, cleanup);
  const batches = generateSchemaBatches(options);
  // On a server of someone else's, one transaction at a time: its lock table is the default.
  const connections = options.url ? 1 : Math.max(1, Math.min(options.connections, batches.length));
  progress(
    `building ${options.tables.toLocaleString("en-US")} tables in ${options.schemas} schemas`,
  );
  const buildMs = await buildSchema(url, batches, connections);
  progress(`schema built in ${(buildMs / 1000).toFixed(2)} s; ANALYZE`);
  const server = await withClient(url, async (client) => {
    const { rows } = await client.query<{ v: string; n: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n",
    );
    await client.query("ANALYZE");
    return rows[0];
  });
  return {
    url,
    label: options.url ? "--url" : "embedded",
    serverVersion: server?.v.split(" ")[0] ?? "?",
    serverMajor: Math.floor(Number(server?.n ?? 0) / 10_000),
    buildMs,
    transactions: batches.length,
    connections,
  };
}

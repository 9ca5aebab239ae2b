import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { buildBaseline } from "../shared/baseline/build.ts";
import { DEFAULT_PG_MAJOR, startEmbeddedPostgres } from "../shared/baseline/embedded.ts";
import type { Report } from "../shared/report/model.ts";
import { renderJson } from "../shared/report/render-json.ts";
import { renderMarkdown } from "../shared/report/render-markdown.ts";
import { renderText } from "../shared/report/render-text.ts";
import { parseCommandArgs, stringValue } from "./args.ts";
import { parseMajor } from "./commands/baseline.ts";
import { CliError } from "./errors.ts";
import { DEMO_HELP } from "./help.ts";
import { onInterrupt } from "./interrupt.ts";
import { type Log, useColor, writeUserFile } from "./io.ts";
import { runAudit } from "./run-audit.ts";

/**
 * examples/shop in the package root: the first folder up from this module that holds
 * package.json (cli/ in the sources, dist/chunks/ in the bundle).
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const SHOP_DIR = join(packageRoot(), "examples", "shop");

/** How messages and the report name the example folder, wherever pgdrift is installed. */
const SHOP_LABEL = "examples/shop";

export const DEFAULT_DEMO_OUT = "pgdrift-demo-report";

/** How each demo environment is made: the migrations it got, then its drift script. */
const ENVIRONMENTS = [
  { name: "staging", migrationsThrough: undefined, drift: "staging.sql" },
  { name: "production", migrationsThrough: "003_billing.sql", drift: "production.sql" },
] as const;

async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
}

/** The history rows dbmate writes as it applies each migration (`001_users.sql` → `001`). */
function dbmateHistory(migrations: readonly string[]): string {
  const versions = migrations.map((file) => `('${/^\d+/.exec(file)?.[0] ?? file}')`);
  return `CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(128) PRIMARY KEY);
INSERT INTO public.schema_migrations (version) VALUES ${versions.join(", ")};`;
}

/** Creates `name` on the cluster and replays what happened to it. */
async function createEnvironment(
  admin: pg.ClientConfig,
  name: string,
  migrations: readonly string[],
  drift: string,
): Promise<void> {
  const server = new pg.Client(admin);
  await server.connect();
  try {
    await server.query(`CREATE DATABASE ${name}`);
  } finally {
    await server.end();
  }
  const client = new pg.Client({ ...admin, database: name });
  await client.connect();
  try {
    for (const file of migrations) {
      await client.query(await readFile(join(SHOP_DIR, "migrations", file), "utf8"));
    }
    await client.query(dbmateHistory(migrations));
    await client.query(await readFile(join(SHOP_DIR, "drift", drift), "utf8"));
  } finally {
    await client.end();
  }
}

export async function demoCommand(argv: readonly string[], log: Log): Promise<number> {
  const args = parseCommandArgs("demo", argv, {
    out: { type: "string" },
    "pg-version": { type: "string" },
  });
  if (args.values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const outDir = stringValue(args, "out") ?? DEFAULT_DEMO_OUT;
  const pgVersion = stringValue(args, "pg-version");
  const major = pgVersion === undefined ? DEFAULT_PG_MAJOR : parseMajor(pgVersion, "--pg-version");
  const migrationsDir = join(SHOP_DIR, "migrations");
  const migrations = await migrationFiles(migrationsDir);

  log(`starting embedded PostgreSQL ${major}…`);
  // Registered before the cluster is up: an interrupt while initdb runs waits for it, then stops it.
  const starting = startEmbeddedPostgres({ major });
  const unregister = onInterrupt(async () => {
    await (await starting.catch(() => undefined))?.stop();
  });
  let server: Awaited<typeof starting>;
  try {
    server = await starting;
  } catch (error) {
    unregister();
    throw error;
  }
  let report: Report;
  try {
    log(`building the baseline from ${SHOP_LABEL}/migrations…`);
    // With the schema after each of the last two migrations, an environment one migration
    // behind is compared with where it stands, and that migration is reported as pending.
    const baseline = await buildBaseline({
      migrationsDir,
      scratch: { kind: "server", url: server.url() },
      checkpoints: 2,
      createdAt: new Date().toISOString(),
    });
    for (const env of ENVIRONMENTS) {
      const through = env.migrationsThrough;
      const applied =
        through === undefined ? migrations : migrations.filter((file) => file <= through);
      log(
        `creating ${env.name}: ${applied.length} of ${migrations.length} migrations, then drift/${env.drift}`,
      );
      await createEnvironment(server.connection(), env.name, applied, env.drift);
    }
    report = await runAudit({
      baseline,
      baselineLocation: `${SHOP_LABEL}/migrations`,
      targets: ENVIRONMENTS.map((env) => ({ name: env.name, url: server.url(env.name) })),
      diffOptions: {},
      trigger: "demo",
      log,
    });
  } finally {
    unregister();
    await server.stop();
  }
  process.stdout.write(renderText(report, { color: useColor() }));
  await writeUserFile(join(outDir, "report.json"), renderJson(report), "the JSON report");
  await writeUserFile(join(outDir, "report.md"), renderMarkdown(report), "the markdown report");
  log(`reports written to ${join(outDir, "report.json")} and ${join(outDir, "report.md")}`);
  if (report.summary.error > 0) return 2;
  const undrifted = report.environments
    .filter((env) => env.status !== "drift")
    .map((env) => env.name);
  if (undrifted.length > 0) {
    throw new CliError(
      `the demo found no drift in ${undrifted.join(", ")}, though examples/shop/drift stages some: please report this bug`,
    );
  }
  log("this is a demo: the drift above is what it is meant to show (exit code 0)");
  return 0;
}

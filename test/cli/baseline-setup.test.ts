import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { parseSnapshot } from "../../shared/snapshot/snapshot.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";
import { lines, runCli, tempDir } from "./support.ts";

/** golang-migrate migrations that need Supabase's roles, auth.users, auth.uid() and pgcrypto. */
const FIXTURE = join(import.meta.dirname, "../fixtures/migrations/platform-setup");
const MIGRATIONS = join(FIXTURE, "migrations");
const SETUP = join(FIXTURE, "setup/supabase.sql");
const BROKEN = join(FIXTURE, "setup/broken.sql");
const PLATFORM_ROLES = ["anon", "authenticated", "service_role"];

const databases: TestDatabase[] = [];

/** Roles are the server's: drop those the environments' setup created, after their databases. */
afterEach(async () => {
  for (const db of databases.splice(0)) await db.drop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    for (const role of PLATFORM_ROLES) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

/** An environment as Supabase would hold it: the platform's objects, then the migrations. */
async function environment(prefix: string): Promise<TestDatabase> {
  const sql = [
    readFileSync(SETUP, "utf8"),
    readFileSync(join(MIGRATIONS, "1_profiles.up.sql"), "utf8"),
    readFileSync(join(MIGRATIONS, "2_access.up.sql"), "utf8"),
    `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
     INSERT INTO schema_migrations VALUES (2, false);`,
  ].join("\n");
  const db = await createTestDatabase(prefix, sql);
  databases.push(db);
  return db;
}

function build(out: string, ...extra: string[]) {
  return runCli([
    "baseline",
    "build",
    "--migrations",
    MIGRATIONS,
    "--scratch-url",
    adminUrl(),
    ...extra,
    "--out",
    out,
  ]);
}

async function roleExists(role: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}

describe("pgdrift baseline build --setup", () => {
  it("fails without the setup file: the migrations need what the platform provides", async () => {
    const out = join(tempDir(), "baseline.json");
    const result = await build(out);
    expect(result.code).toBe(2);
    const last = lines(result.stderr).at(-1) ?? "";
    expect(last).toMatch(
      /^pgdrift: migration 1_profiles\.up\.sql line \d+: 3F000 schema "auth" does not exist — hint: .*stub them in a setup file: --setup FILE, or migrations\.setup in the config\)$/,
    );
    expect(() => readFileSync(out)).toThrow();
  });

  it("runs the setup file first; its objects are in the snapshot, the file is not a migration", async () => {
    const out = join(tempDir(), "baseline.json");
    const result = await build(out, "--setup", SETUP);
    expect(result.code, result.stderr).toBe(0);
    const checksum = /setup file .*supabase\.sql: (sha256:[0-9a-f]{64}) \(runs before/.exec(
      result.stderr,
    )?.[1];
    expect(checksum).toBeDefined();
    expect(result.stderr).toContain(`ran setup file ${SETUP} (6 statements) before the migrations`);
    const log = lines(result.stderr);
    const ran = log.findIndex((line) => line.startsWith("ran setup file"));
    const applying = log.findIndex((line) => line.startsWith("applying 1_profiles.up.sql"));
    expect(ran).toBeGreaterThanOrEqual(0);
    expect(applying).toBeGreaterThan(ran);

    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    expect(snapshot.source.kind === "migrations" && snapshot.source.format).toBe("golang-migrate");
    const files = snapshot.source.kind === "migrations" ? snapshot.source.migrations : [];
    expect(files.map((m) => m.file)).toEqual(["1_profiles.up.sql", "2_access.up.sql"]);
    expect(JSON.stringify(snapshot.source)).not.toContain("supabase");
    expect(Object.keys(snapshot.objects.table).sort()).toEqual(["auth.users", "public.profiles"]);
    expect(Object.keys(snapshot.objects.function).sort()).toEqual([
      "auth.uid()",
      "public.hash_key(text)",
    ]);
    expect(snapshot.objects.extension.pgcrypto?.schema).toBe("extensions");
    expect(snapshot.objects.table["public.profiles"]?.privileges).toContain("authenticated:SELECT");
    // The roles the setup created on the scratch server were dropped with the scratch database.
    for (const role of PLATFORM_ROLES) expect(await roleExists(role)).toBe(false);

    // An environment that has the platform's objects and the migrations is clean, its history
    // table included (the setup file is never a pending or unknown migration).
    const env = await environment("setup_env");
    const audit = await runCli(["audit", "--baseline", out, "--env", `supabase=${env.url}`]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/^supabase {2}CLEAN/m);
  });

  it("runs several setup files in the order given", async () => {
    const dir = tempDir();
    const roles = join(dir, "roles.sql");
    writeFileSync(roles, "CREATE SCHEMA auth;\n");
    const rest = join(dir, "rest.sql");
    writeFileSync(
      rest,
      readFileSync(SETUP, "utf8").replace("CREATE SCHEMA IF NOT EXISTS auth;", ""),
    );
    const out = join(dir, "baseline.json");
    const result = await build(out, "--setup", roles, "--setup", rest);
    expect(result.code, result.stderr).toBe(0);
    const ran = lines(result.stderr).filter((line) => line.startsWith("ran setup file"));
    expect(ran).toEqual([
      `ran setup file ${roles} (1 statement) before the migrations`,
      `ran setup file ${rest} (5 statements) before the migrations`,
    ]);
  });

  it("names the setup file, line and SQLSTATE when it fails, and says it is not a migration", async () => {
    const out = join(tempDir(), "baseline.json");
    const result = await build(out, "--setup", BROKEN);
    expect(result.code).toBe(2);
    expect(lines(result.stderr).at(-1)).toBe(
      `pgdrift: setup file ${BROKEN} line 4: 42P01 relation "auth.user" does not exist — hint: this is a setup file (--setup, or migrations.setup in the config), run before the migrations, not a migration`,
    );
    expect(() => readFileSync(out)).toThrow();
  });

  it("refuses a missing setup file in one line, before any database is started", async () => {
    const dir = tempDir();
    const out = join(dir, "baseline.json");
    const missing = join(dir, "nope.sql");
    const result = await build(out, "--setup", missing);
    expect(result.code).toBe(2);
    expect(lines(result.stderr).at(-1)).toBe(
      `pgdrift: cannot read setup file ${missing} (--setup): no such file`,
    );
    expect(result.stderr).not.toMatch(/scratch database|embedded PostgreSQL|applying/);
  });
});

describe("pgdrift audit with migrations.setup in the config", () => {
  function writeConfig(dir: string, migrations: Record<string, unknown>): void {
    const config = {
      migrations: { dir: relative(dir, MIGRATIONS), ...migrations },
      schemas: ["public"],
      environments: [{ name: "supabase", urlEnv: "SUPABASE_URL" }],
    };
    writeFileSync(join(dir, "pgdrift.config.json"), JSON.stringify(config));
  }

  it("builds the baseline with the setup file (relative to the config) and audits clean", async () => {
    const dir = tempDir();
    writeConfig(dir, { setup: relative(dir, SETUP) });
    const env = await environment("setup_cfg");
    const result = await runCli(["audit"], { cwd: dir, env: { SUPABASE_URL: env.url } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `ran setup file ${relative(dir, SETUP)} (6 statements) before the migrations`,
    );
    expect(result.stdout).toMatch(/^supabase {2}CLEAN/m);
  });

  it("names the config key when a setup file is missing", async () => {
    const dir = tempDir();
    writeConfig(dir, { setup: ["setup/missing.sql"] });
    const result = await runCli(["audit"], { cwd: dir, env: { SUPABASE_URL: "postgres://x@h/d" } });
    expect(result.code).toBe(2);
    expect(lines(result.stderr).at(-1)).toBe(
      "pgdrift: cannot read setup file setup/missing.sql (migrations.setup in pgdrift.config.json): no such file",
    );
  });
});

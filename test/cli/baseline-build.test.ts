// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flyway placeholders are written ${name}, literally
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../shared/report/model.ts";
import { parseSnapshot } from "../../shared/snapshot/snapshot.ts";
import { adminUrl, createTestDatabase } from "../support/db.ts";
import { runCli, tempDir } from "./support.ts";

/** A Flyway folder whose migration needs a user placeholder. */
function flywayFolder(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, "V1__accounts.sql"),
    "CREATE TABLE ${flyway:defaultSchema}.accounts (id bigint PRIMARY KEY);\nCOMMENT ON TABLE accounts IS 'owned by ${team}';\n",
  );
  return dir;
}

describe("pgdrift baseline build --placeholder", () => {
  it("gives Flyway placeholders their values, and records the tool's checksum", async () => {
    const dir = flywayFolder();
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--format",
      "flyway",
      "--scratch-url",
      adminUrl(),
      "--placeholder",
      "team=payments",
      "--out",
      out,
    ]);
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    expect(snapshot.objects.table["public.accounts"]?.comment).toBe("owned by payments");
    expect(snapshot.source.kind === "migrations" && snapshot.source.migrations).toEqual([
      expect.objectContaining({
        file: "V1__accounts.sql",
        version: "1",
        kind: "versioned",
        description: "accounts",
        toolChecksum: expect.any(Number),
      }),
    ]);
  });

  it("names the placeholder and the file when a value is missing, and writes nothing", async () => {
    const dir = flywayFolder();
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--format",
      "flyway",
      "--scratch-url",
      adminUrl(),
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("V1__accounts.sql");
    expect(result.stderr).toContain("team");
    expect(() => readFileSync(out)).toThrow();
  });

  it("refuses a --placeholder that is not NAME=VALUE", async () => {
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      "m",
      "--out",
      "b.json",
      "--placeholder",
      "team",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "pgdrift: --placeholder team is not NAME=VALUE: use e.g. --placeholder flyway:user=app",
    );
  });
});

describe("pgdrift baseline build --checkpoints", () => {
  it("stores the schema at the last N versions, the head as the snapshot itself", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1_accounts.up.sql"), "CREATE TABLE accounts (id bigint);\n");
    writeFileSync(join(dir, "2_name.up.sql"), "ALTER TABLE accounts ADD name text;\n");
    writeFileSync(join(dir, "3_email.up.sql"), "ALTER TABLE accounts ADD email text;\n");
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--scratch-url",
      adminUrl(),
      "--checkpoints",
      "2",
      "--out",
      out,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("checkpoints stored at version(s) 2");
    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    expect(snapshot.checkpoints?.map((c) => c.version)).toEqual(["2"]);
    expect(Object.keys(snapshot.checkpoints?.[0]?.objects.column ?? {})).toEqual([
      "public.accounts.id",
      "public.accounts.name",
    ]);
    expect(Object.keys(snapshot.objects.column)).toContain("public.accounts.email");

    // an environment at version 2, as golang-migrate leaves it: compared with the checkpoint
    const env = await createTestDatabase(
      "cli_checkpoint",
      `CREATE TABLE accounts (id bigint);
       ALTER TABLE accounts ADD name text;
       CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);
       INSERT INTO schema_migrations VALUES (2, false);`,
    );
    try {
      const audit = await runCli(["audit", "--baseline", out, "--env", `behind=${env.url}`]);
      expect(audit.code).toBe(1);
      expect(audit.stdout).toMatch(/^behind {2}DRIFT {2}1 finding: 1 medium/m);
      expect(audit.stdout).toContain("compared with baseline version 2 (checkpoint)");
      expect(audit.stdout).toMatch(
        /- migration +3 +not found; brings column public\.accounts\.email/,
      );
    } finally {
      await env.drop();
    }
  });

  it("refuses --checkpoints that is not a positive count", async () => {
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      "m",
      "--out",
      "b.json",
      "--checkpoints",
      "0",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "pgdrift: --checkpoints 0 is not a count of migration versions: use e.g. --checkpoints 3",
    );
  });

  it("refuses a folder with Flyway repeatable migrations, and writes nothing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "V1__accounts.sql"), "CREATE TABLE accounts (id bigint);\n");
    writeFileSync(join(dir, "V2__name.sql"), "ALTER TABLE accounts ADD name text;\n");
    writeFileSync(
      join(dir, "R__view.sql"),
      "CREATE OR REPLACE VIEW v AS SELECT id FROM accounts;\n",
    );
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--format",
      "flyway",
      "--scratch-url",
      adminUrl(),
      "--checkpoints",
      "2",
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--checkpoints cannot be used with repeatable migrations (R__view.sql)",
    );
    expect(() => readFileSync(out)).toThrow();
  });
});

describe("pgdrift baseline build in a git repository", () => {
  it("records when each migration was first committed, and audits age pending ones by it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1_users.up.sql"), "CREATE TABLE users (id bigint PRIMARY KEY);\n");
    writeFileSync(join(dir, "2_orders.up.sql"), "CREATE TABLE orders (id bigint PRIMARY KEY);\n");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: dir,
        env: {
          ...process.env,
          GIT_COMMITTER_DATE: "2026-01-05T10:00:00Z",
          GIT_AUTHOR_DATE: "2026-01-05T10:00:00Z",
        },
      });
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "migrations");
    const out = join(dir, "baseline.json");
    const build = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--scratch-url",
      adminUrl(),
      "--out",
      out,
    ]);
    expect(build.code, build.stderr).toBe(0);
    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    const records = snapshot.source.kind === "migrations" ? snapshot.source.migrations : [];
    expect(records.map((m) => [m.file, m.committedAt])).toEqual([
      ["1_users.up.sql", "2026-01-05T10:00:00+00:00"],
      ["2_orders.up.sql", "2026-01-05T10:00:00+00:00"],
    ]);

    // An environment one migration behind, as golang-migrate records it.
    const env = await createTestDatabase(
      "commit_age",
      `CREATE TABLE users (id bigint PRIMARY KEY);
       CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);
       INSERT INTO schema_migrations VALUES (1, false);`,
    );
    try {
      const audit = await runCli([
        "audit",
        "--baseline",
        out,
        "--env",
        `behind=${env.url}`,
        "--format",
        "json",
      ]);
      expect(audit.code, audit.stderr).toBe(1);
      const report = JSON.parse(audit.stdout) as Report;
      const pending = report.environments[0]?.findings.find((f) => f.kind === "migration");
      expect(pending).toMatchObject({ object: "2", change: "missing", severity: "high" });
      expect(pending?.evidence).toMatchObject({ ageFrom: "commit", overdue: true });
    } finally {
      await env.drop();
    }
  });
});

describe("pgdrift baseline build of a Flyway project (baseline migration, schema settings)", () => {
  it("builds B2 then V3 in the default schema, and audits databases built either way as clean", async () => {
    const dir = tempDir();
    const conf = join(tempDir(), "flyway.conf");
    writeFileSync(conf, "flyway.defaultSchema=app\n");
    writeFileSync(
      join(dir, "V1__accounts.sql"),
      "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
    );
    writeFileSync(join(dir, "V2__name.sql"), "ALTER TABLE accounts ADD name text;\n");
    writeFileSync(
      join(dir, "B2__baseline.sql"),
      "CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n",
    );
    writeFileSync(join(dir, "V3__orders.sql"), "CREATE TABLE orders (id bigint PRIMARY KEY);\n");
    const out = join(dir, "baseline.json");
    const build = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--flyway-config",
      conf,
      "--scratch-url",
      adminUrl(),
      "--out",
      out,
    ]);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toContain(`read Flyway settings from ${conf}: defaultSchema app`);
    expect(build.stderr).toContain(
      `created schema app before the migrations, as Flyway does (flyway.defaultSchema in ${conf})`,
    );
    expect(build.stderr).toContain("applying B2__baseline.sql (1/2)");
    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    expect(Object.keys(snapshot.objects.table).sort()).toEqual(["app.accounts", "app.orders"]);
    const records = snapshot.source.kind === "migrations" ? snapshot.source.migrations : [];
    const checksum = (file: string) => records.find((m) => m.file === file)?.toolChecksum;

    const history = `CREATE TABLE app.flyway_schema_history (
        installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
        type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int,
        installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
        execution_time int NOT NULL, success boolean NOT NULL);`;
    const row = (rank: number, version: string, type: string, file: string) =>
      `INSERT INTO app.flyway_schema_history VALUES (${rank}, '${version}', 'd', '${type}', '${file}', ${checksum(file)}, 'deploy', now(), 1, true);`;
    const old = await createTestDatabase(
      "flyway_old",
      `CREATE SCHEMA app; SET search_path = app;
       CREATE TABLE accounts (id bigint PRIMARY KEY); ALTER TABLE accounts ADD name text;
       CREATE TABLE orders (id bigint PRIMARY KEY); ${history}
       ${row(1, "1", "SQL", "V1__accounts.sql")} ${row(2, "2", "SQL", "V2__name.sql")}
       ${row(3, "3", "SQL", "V3__orders.sql")}`,
    );
    const fresh = await createTestDatabase(
      "flyway_b",
      `CREATE SCHEMA app; SET search_path = app;
       CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
       CREATE TABLE orders (id bigint PRIMARY KEY); ${history}
       ${row(1, "2", "SQL_BASELINE", "B2__baseline.sql")} ${row(2, "3", "SQL", "V3__orders.sql")}`,
    );
    try {
      const audit = await runCli([
        "audit",
        "--baseline",
        out,
        "--env",
        `old=${old.url}`,
        "--env",
        `fresh=${fresh.url}`,
      ]);
      expect(audit.code, audit.stdout + audit.stderr).toBe(0);
      expect(audit.stdout).toMatch(/^old {2}CLEAN/m);
      expect(audit.stdout).toMatch(/^fresh {2}CLEAN/m);
    } finally {
      await old.drop();
      await fresh.drop();
    }
  });
});

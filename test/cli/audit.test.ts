import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../shared/report/model.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import { adminUrl, createTestDatabase, type TestDatabase, urlFor } from "../support/db.ts";
import { closedPort, runCli, tempDir } from "./support.ts";

const SHOP = new URL("../../examples/shop/", import.meta.url);
const MIGRATIONS_DIR = fileURLToPath(new URL("migrations/", SHOP));
const SCHEMA = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(join(MIGRATIONS_DIR, f), "utf8"))
  .join("\n");
const STAGING_DRIFT = readFileSync(new URL("drift/staging.sql", SHOP), "utf8");

const ADMIN_PASSWORD = () => decodeURIComponent(new URL(adminUrl()).password);

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe("pgdrift audit", () => {
  const dir = tempDir();
  const baseline = join(dir, "shop.baseline.json");
  let head: TestDatabase;
  let staging: TestDatabase;

  beforeAll(async () => {
    const built = await runCli([
      "baseline",
      "build",
      "--migrations",
      MIGRATIONS_DIR,
      "--scratch-url",
      adminUrl(),
      "--out",
      baseline,
    ]);
    expect(built.code, built.stderr).toBe(0);
    head = await createTestDatabase("cli_head", SCHEMA);
    staging = await createTestDatabase("cli_staging", `${SCHEMA}\n${STAGING_DRIFT}`);
  });

  afterAll(async () => {
    await head?.drop();
    await staging?.drop();
  });

  const audit = (...args: string[]) =>
    runCli(["audit", "--baseline", baseline, ...args], { cwd: dir });

  it("builds a baseline file that names its migrations and no credentials", () => {
    const text = readFileSync(baseline, "utf8");
    const snapshot = JSON.parse(text);
    expect(snapshot.source.kind).toBe("migrations");
    expect(snapshot.source.migrations.map((m: { file: string }) => m.file)).toEqual([
      "001_users.sql",
      "002_orders.sql",
      "003_billing.sql",
      "004_payments_transaction_ref.sql",
    ]);
    expect(text).not.toContain(ADMIN_PASSWORD());
  });

  it("exits 0 for an environment that matches the baseline", async () => {
    const result = await audit("--env", `head=${head.url}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^head {2}CLEAN {2}no drift/m);
    expect(result.stdout).toMatch(/1 environment: 1 clean · no findings\n$/);
  });

  it("exits 1 on drift, and 0 under --fail-on critical when the drift is only medium", async () => {
    const drift = await audit("--env", `staging=${staging.url}`);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/^staging {2}DRIFT {2}2 findings: 2 medium/m);
    expect(drift.stdout).toMatch(
      /\+ column +public\.users\.last_login +found timestamp without time zone/,
    );
    expect(drift.stdout).toMatch(
      /\+ index +public\.idx_user_orders +found btree \(user_id, status\)/,
    );
    expect((await audit("--env", `staging=${staging.url}`, "--fail-on", "critical")).code).toBe(0);
    expect((await audit("--env", `staging=${staging.url}`, "--fail-on", "none")).code).toBe(0);
  });

  it("reports an unreachable environment as an error and exits 2", async () => {
    const port = await closedPort();
    const result = await audit("--env", `staging=postgresql://app:pw@127.0.0.1:${port}/shop`);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      `staging  ERROR  connection_refused: cannot connect to 127.0.0.1:${port} (connection refused): check host, port and that the server accepts TCP connections`,
    );
  });

  it("reports a wrong password without ever printing it", async () => {
    const secret = "Wr0ng-Pa55word-7731";
    const out = join(dir, "wrong-password.json");
    const result = await audit(
      "--env",
      `production=${withPassword(urlFor(head.name), secret)}`,
      "--format",
      "json",
      "--out",
      out,
    );
    expect(result.code).toBe(2);
    const text = readFileSync(out, "utf8");
    const report = JSON.parse(text) as Report;
    expect(report.environments[0]?.status).toBe("error");
    expect(report.environments[0]?.error?.code).toBe("authentication_failed");
    expect(report.environments[0]?.error?.message).toMatch(
      /^production: password authentication failed for user /,
    );
    for (const output of [result.stdout, result.stderr, text]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(ADMIN_PASSWORD());
    }
  });

  it("reports a missing database", async () => {
    const result = await audit("--env", `qa=${urlFor("no_such_db_cli")}`);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /^qa {2}ERROR {2}database_not_found: database "no_such_db_cli" does not exist on 127\.0\.0\.1:\d+/m,
    );
  });

  it("still audits the other environments when one fails, and exits 2", async () => {
    const port = await closedPort();
    const result = await audit(
      "--env",
      `down=postgresql://app@127.0.0.1:${port}/shop`,
      "--env",
      `staging=${staging.url}`,
      "--env",
      `head=${head.url}`,
      "--format",
      "json",
      "--fail-on",
      "none",
    );
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as Report;
    expect(validateJsonSchema(report)).toEqual([]);
    expect(report.environments.map((e) => [e.name, e.status, e.error?.code ?? null])).toEqual([
      ["down", "error", "connection_refused"],
      ["staging", "drift", null],
      ["head", "clean", null],
    ]);
    expect(report.summary).toMatchObject({
      environments: 3,
      clean: 1,
      drift: 1,
      error: 1,
      findings: 2,
    });
    expect(report.baseline.location).toBe(baseline);
  });

  it("reads environments from the config, with URLs from environment variables", async () => {
    const configDir = tempDir();
    writeFileSync(
      join(configDir, "pgdrift.config.json"),
      JSON.stringify({
        baseline,
        failOn: "critical",
        environments: [
          { name: "staging", urlEnv: "PGDRIFT_TEST_STAGING_URL" },
          { name: "prod", urlEnv: "PGDRIFT_TEST_UNSET_URL" },
        ],
      }),
    );
    const both = await runCli(["audit", "--format", "json"], {
      cwd: configDir,
      env: { PGDRIFT_TEST_STAGING_URL: staging.url },
    });
    expect(both.code).toBe(2);
    const report = JSON.parse(both.stdout) as Report;
    expect(report.environments.map((e) => [e.name, e.status])).toEqual([
      ["staging", "drift"],
      ["prod", "error"],
    ]);
    expect(report.environments[1]?.error).toEqual({
      code: "missing_url",
      message:
        "prod: environment variable PGDRIFT_TEST_UNSET_URL is not set: export it, or pass --env prod=URL",
    });

    // --env with a config name replaces its URL; failOn comes from the config (critical).
    const fixed = await runCli(["audit", "--env", `prod=${head.url}`], {
      cwd: configDir,
      env: { PGDRIFT_TEST_STAGING_URL: staging.url },
    });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^prod {2}CLEAN/m);
  });

  it("leaves environments configured for AWS only to AWS, unless --env names them", async () => {
    const configDir = tempDir();
    const awsOnly = {
      name: "prod",
      aws: {
        host: "db.example.com",
        database: "shop",
        secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift-prod-AbCdEf",
      },
    };
    writeFileSync(
      join(configDir, "pgdrift.config.json"),
      JSON.stringify({ baseline, environments: [awsOnly] }),
    );
    const none = await runCli(["audit"], { cwd: configDir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("not audited from here (no url or urlEnv, AWS only): prod");
    expect(none.stderr).toMatch(/^pgdrift: no environments to audit/m);

    const named = await runCli(["audit", "--env", `prod=${head.url}`], { cwd: configDir });
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^prod {2}CLEAN/m);
  });

  it("hides the findings an --ignore-file names, and counts them", async () => {
    const dir = tempDir();
    const rules = join(dir, "pgdrift.ignore.json");
    writeFileSync(
      rules,
      JSON.stringify([
        { object: "public.users.last_login", reason: "being added to a migration" },
        {
          kind: "index",
          object: "public.idx_user_orders",
          reason: "hand-made",
          expires: "2099-01-01",
        },
      ]),
    );
    const result = await runCli([
      "audit",
      "--baseline",
      baseline,
      "--env",
      `staging=${staging.url}`,
      "--ignore-file",
      rules,
      "--format",
      "json",
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.environments[0]?.status).toBe("clean");
    expect(report.environments[0]?.summary.ignored).toBe(2);

    writeFileSync(rules, JSON.stringify([{ object: "public.users.last_login" }]));
    const bad = await runCli([
      "audit",
      "--baseline",
      baseline,
      "--env",
      `staging=${staging.url}`,
      "--ignore-file",
      rules,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pgdrift: .*pgdrift\.ignore\.json: ignore\[0\]/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("names an invalid config file and key", async () => {
    const configDir = tempDir();
    writeFileSync(
      join(configDir, "pgdrift.config.json"),
      JSON.stringify({ baseline, failOn: "sometimes" }),
    );
    const result = await runCli(["audit", "--env", `head=${head.url}`], { cwd: configDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^pgdrift: pgdrift\.config\.json: failOn: /);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

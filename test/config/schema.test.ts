import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/errors.ts";
import { parseConfig } from "../../shared/config/load.ts";
import { CHANGE_NAMES, KIND_NAMES, SEVERITY_NAMES } from "../../shared/config/schema.ts";
import { CHANGES, FINDING_KINDS, SEVERITIES } from "../../shared/diff/finding.ts";
import type { IgnoreRule } from "../../shared/diff/ignore.ts";
import type { SeverityOverride } from "../../shared/diff/severity.ts";

const FILE = "pgdrift.config.json";

function errorOf(config: unknown): ConfigError {
  const text = typeof config === "string" ? config : JSON.stringify(config, null, 2);
  try {
    parseConfig(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const prod = { name: "prod", urlEnv: "PROD_DATABASE_URL" };

describe("parseConfig", () => {
  it("never echoes a value that carries credentials, not even in part", () => {
    const password = "Xk9pQ2mR7vL4nT8wZ3yB6cF1hJ5sD0gA2e";
    const error = errorOf({
      environments: [{ name: "prod", urlEnv: `postgresql://audit_reader:${password}@prod-db/app` }],
    });
    expect(error.message).toContain("a value with credentials (not shown)");
    expect(error.message).not.toContain(password.slice(0, 8));
  });

  it("accepts a complete config and keeps every field", () => {
    const input = {
      $schema: "./node_modules/pgdrift/config.schema.json",
      baseline: "s3://drift-baselines/app/baseline.json",
      migrations: { dir: "db/migrations", format: "flyway" },
      pgVersion: 16,
      schemas: ["public", "billing"],
      compareOwners: false,
      failOn: "high",
      environments: [
        prod,
        { name: "staging.eu-1", url: "postgresql://app@db/app", schemas: ["public"] },
      ],
      ignore: [{ object: "public.legacy_*", reason: "being removed", expires: "2030-01-31" }],
      severity: [{ kind: "index", change: "unexpected", severity: "low" }],
    };

    const config = parseConfig(JSON.stringify(input), FILE);

    expect(config).toEqual(input);
  });

  it("accepts migrations.setup as one path or a list of paths", () => {
    for (const setup of ["db/setup.sql", ["db/roles.sql", "db/auth.sql"]]) {
      const config = parseConfig(JSON.stringify({ migrations: { dir: "m", setup } }), FILE);
      expect(config.migrations?.setup).toEqual(setup);
    }
  });

  it("gives rules and overrides that diffSnapshots accepts as they are", () => {
    const config = parseConfig(
      JSON.stringify({
        ignore: [{ kind: "table", reason: "r" }],
        severity: [{ severity: "info" }],
      }),
      FILE,
    );

    const ignore: readonly IgnoreRule[] = config.ignore ?? [];
    const severity: readonly SeverityOverride[] = config.severity ?? [];

    expect([ignore.length, severity.length]).toEqual([1, 1]);
  });

  it("keeps its copies of the finding vocabularies equal to shared/diff's", () => {
    expect([KIND_NAMES, CHANGE_NAMES, SEVERITY_NAMES]).toEqual([
      FINDING_KINDS,
      CHANGES,
      SEVERITIES,
    ]);
  });

  it("accepts an empty object", () => {
    expect(parseConfig("{}", FILE)).toEqual({});
  });

  it.each<[string, unknown, string, string | undefined]>([
    [
      "an unknown top-level key",
      { enviroments: [] },
      'pgdrift.config.json: unknown key "enviroments" at the top level (did you mean "environments"?)',
      "enviroments",
    ],
    [
      "an unknown nested key",
      { environments: [{ ...prod, host: "db" }] },
      'pgdrift.config.json: unknown key "host" in environments[0] (expected one of: name, url, urlEnv, schemas, aws)',
      "environments[0].host",
    ],
    [
      "a name with a space",
      { environments: [prod, { name: "prod east", urlEnv: "EAST_URL" }] },
      `pgdrift.config.json: environments[1].name: expected letters, digits, '.', '_' or '-', got "prod east"`,
      "environments[1].name",
    ],
    [
      "both url and urlEnv",
      { environments: [{ name: "prod", url: "postgresql://db/app", urlEnv: "PROD_URL" }] },
      'pgdrift.config.json: environments[0]: environment "prod" needs exactly one of "url" or "urlEnv" (prefer "urlEnv": it keeps the password out of the file)',
      "environments[0]",
    ],
    [
      "neither url nor urlEnv",
      { environments: [{ name: "prod" }] },
      'pgdrift.config.json: environments[0]: environment "prod" needs exactly one of "url" or "urlEnv" (prefer "urlEnv": it keeps the password out of the file)',
      "environments[0]",
    ],
    [
      "a duplicate environment name",
      { environments: [prod, { name: "prod", urlEnv: "OTHER" }] },
      'pgdrift.config.json: environments[1].name: duplicate environment name "prod" (names must be unique)',
      "environments[1].name",
    ],
    [
      "a URL given as urlEnv, password hidden",
      { environments: [{ name: "prod", urlEnv: "postgres://app:s3cret@db/app" }] },
      `pgdrift.config.json: environments[0].urlEnv: expected the name of an environment variable (letters, digits and '_', not starting with a digit), got a value with credentials (not shown)`,
      "environments[0].urlEnv",
    ],
    [
      "a PostgreSQL version out of range",
      { pgVersion: 9 },
      "pgdrift.config.json: pgVersion: expected a PostgreSQL major version, an integer from 10 to 30, got 9",
      "pgVersion",
    ],
    [
      "a PostgreSQL version as a string",
      { pgVersion: "16" },
      'pgdrift.config.json: pgVersion: expected a PostgreSQL major version, an integer from 10 to 30, got "16"',
      "pgVersion",
    ],
    [
      "an unknown failOn",
      { failOn: "severe" },
      'pgdrift.config.json: failOn: expected one of critical, high, medium, low, info, none, got "severe"',
      "failOn",
    ],
    [
      "a migrations block without dir",
      { migrations: { format: "sql" } },
      "pgdrift.config.json: migrations.dir: missing; expected the migrations folder (a non-empty string)",
      "migrations.dir",
    ],
    [
      "an unknown migration format",
      { migrations: { dir: "m", format: "liquibase" } },
      'pgdrift.config.json: migrations.format: expected one of auto, sql, flyway, golang-migrate, dbmate, prisma, node-pg-migrate, got "liquibase"',
      "migrations.format",
    ],
    [
      "an empty list of setup files",
      { migrations: { dir: "m", setup: [] } },
      'pgdrift.config.json: migrations.setup: expected a setup SQL file path, or a non-empty list of them, like "db/setup.sql", got a list',
      "migrations.setup",
    ],
    [
      "a setup file that is not a path",
      { migrations: { dir: "m", setup: ["db/setup.sql", 3] } },
      'pgdrift.config.json: migrations.setup: expected a setup SQL file path, or a non-empty list of them, like "db/setup.sql", got a list',
      "migrations.setup",
    ],
    [
      "migrations given as a string",
      { migrations: "db/migrations" },
      'pgdrift.config.json: migrations: expected an object like { "dir": "migrations" }, got "db/migrations"',
      "migrations",
    ],
    [
      "an empty schema list",
      { schemas: [] },
      'pgdrift.config.json: schemas: expected a non-empty list of schema names, like ["public"], got a list',
      "schemas",
    ],
    [
      "an S3 baseline without a key",
      { baseline: "s3://bucket" },
      'pgdrift.config.json: baseline: expected an S3 URI with a bucket and a key, like s3://bucket/baseline.json, got "s3://bucket"',
      "baseline",
    ],
    [
      "an ignore rule without a reason",
      { ignore: [{ kind: "index" }] },
      "pgdrift.config.json: ignore[0].reason: missing; expected why the findings are ignored (a non-empty string)",
      "ignore[0].reason",
    ],
    [
      "an ignore rule that selects nothing",
      { ignore: [{ reason: "noise" }] },
      'pgdrift.config.json: ignore[0]: an ignore rule must set at least one of "id", "kind", "object", "table", "attribute" or "change" (it would hide everything)',
      "ignore[0]",
    ],
    [
      "an expiry that is not a date",
      { ignore: [{ kind: "index", reason: "r", expires: "next week" }] },
      'pgdrift.config.json: ignore[0].expires: expected a date as YYYY-MM-DD, got "next week"',
      "ignore[0].expires",
    ],
    [
      "an expiry that is not a calendar day",
      { ignore: [{ kind: "index", reason: "r", expires: "2025-02-30" }] },
      'pgdrift.config.json: ignore[0].expires: expected a real calendar date as YYYY-MM-DD, got "2025-02-30"',
      "ignore[0].expires",
    ],
    [
      "a malformed finding id",
      { ignore: [{ id: "abc", reason: "r" }] },
      'pgdrift.config.json: ignore[0].id: expected a finding id (16 hexadecimal digits), got "abc"',
      "ignore[0].id",
    ],
    [
      "an unknown finding kind",
      { severity: [{ kind: "tables", severity: "low" }] },
      'pgdrift.config.json: severity[0].kind: expected one of schema, extension, table, column, index, constraint, view, materialized_view, sequence, function, procedure, trigger, type, domain, policy, migration, got "tables"',
      "severity[0].kind",
    ],
    [
      "an override without severity",
      { severity: [{ kind: "index" }] },
      "pgdrift.config.json: severity[0].severity: missing; expected one of critical, high, medium, low, info",
      "severity[0].severity",
    ],
    [
      "a list at the top level",
      [],
      "pgdrift.config.json: expected a JSON object at the top level, got a list",
      undefined,
    ],
  ])("rejects %s with one line naming the key", (_case, input, message, key) => {
    const error = errorOf(input);

    expect(error.message).toBe(message);
    expect(error.key).toBe(key);
    expect(error.path).toBe(FILE);
  });

  it.each([
    [
      '{\n  "failOn": "high",\n}',
      "line 3, column 1: expected a double-quoted property name, found '}'",
    ],
    [
      '{\n  "failOn" "high"\n}',
      "line 2, column 12: expected ':' after a property name, found '\"'",
    ],
    ['{\n  "compareOwners": tru\n}', "line 2, column 20: expected a value, found 't'"],
    ["", "line 1, column 1: expected a value, found the end of the file"],
    ['{"a": 1} x', "line 1, column 10: unexpected text after the JSON value, found 'x'"],
  ])("names the line and column of invalid JSON: %j", (text, where) => {
    const error = errorOf(text);

    expect(error.message).toBe(`pgdrift.config.json: invalid JSON at ${where}`);
    expect(error.key).toBeUndefined();
  });

  it("accepts a byte order mark before the JSON", () => {
    expect(parseConfig('\uFEFF{"failOn": "none"}', FILE)).toEqual({ failOn: "none" });
  });
});

describe("history", () => {
  it("accepts false, or where the table is and when a pending migration is overdue", () => {
    expect(
      parseConfig(JSON.stringify({ history: false, environments: [prod] }), FILE).history,
    ).toBe(false);
    const history = { schema: "app", table: "app.flyway_schema_history", pendingAgeDays: 3 };
    expect(parseConfig(JSON.stringify({ history, environments: [prod] }), FILE).history).toEqual(
      history,
    );
  });

  it("names the key of a bad value", () => {
    expect(errorOf({ history: { pendingAgeDays: -1 }, environments: [prod] }).message).toContain(
      "history.pendingAgeDays",
    );
    expect(errorOf({ history: true, environments: [prod] }).message).toContain("history");
  });
});

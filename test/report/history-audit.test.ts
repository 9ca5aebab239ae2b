import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import { auditEnvironment } from "../../shared/report/audit.ts";
import type { AuditHistoryOptions } from "../../shared/report/history.ts";
import { historyOptions } from "../../shared/report/history.ts";
import type { MigrationRecord, Snapshot } from "../../shared/snapshot/model.ts";
import { createSnapshot } from "../../shared/snapshot/snapshot.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const NOW = new Date("2026-11-25T00:00:00Z");

/** golang-migrate's files: the environment applied the first, not the second. */
const MIGRATIONS: MigrationRecord[] = ["1_users", "2_orders"].map((name, i) => ({
  file: `${name}.up.sql`,
  version: String(i + 1),
  checksum: `sha256:${String(i).repeat(64)}`,
  kind: "versioned",
  description: name.slice(2),
  toolChecksum: null,
  timestamp: null,
}));

/** The schema, and golang-migrate's table as its postgres driver writes it. */
const ENVIRONMENT_SQL = `
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null);
INSERT INTO schema_migrations (version, dirty) VALUES (1, false);
DO $$ BEGIN CREATE ROLE pgdrift_history_blind NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT SELECT ON users TO pgdrift_history_blind;
`;

describe("auditEnvironment and the migration history", () => {
  let env: TestDatabase;
  let baseline: Snapshot;

  beforeAll(async () => {
    env = await createTestDatabase("history_audit", ENVIRONMENT_SQL);
    // The baseline's schema is the environment's (no schema drift): only the history differs.
    const { objects, serverVersion, serverVersionNum } = await introspect(env.client);
    const { schema_migrations: _history, ...tables } = objects.table;
    baseline = createSnapshot({
      createdAt: NOW.toISOString(),
      source: {
        kind: "migrations",
        serverVersion,
        serverVersionNum,
        format: "golang-migrate",
        migrations: MIGRATIONS,
      },
      scope: { schemas: null },
      objects: { ...objects, table: tables },
    });
  });
  afterAll(async () => {
    await env?.drop();
  });

  const audit = (history?: AuditHistoryOptions, role?: string) =>
    auditEnvironment({
      name: "staging",
      connect: async () => {
        if (role) await env.exec(`SET ROLE ${role}`);
        return { client: env.client, close: async () => env.exec("RESET ROLE") };
      },
      baseline,
      diffOptions: {},
      now: NOW,
      ...(history ? { history } : {}),
    });

  it("reports the migration the environment has not applied, with the table it read", async () => {
    const report = await audit();
    expect(report.status).toBe("drift");
    expect(report.findings.map((f) => [f.kind, f.object, f.change, f.severity])).toEqual([
      ["migration", "2", "missing", "medium"],
    ]);
    expect(report.notes).toEqual([
      "migration history read from public.schema_migrations: 1 entry compared with the baseline's 2 migrations",
    ]);
  });

  it("says so when there is no history table where it looked, and still compares the schema", async () => {
    const report = await audit(historyOptions({ table: "elsewhere.schema_migrations" }));
    expect(report.status).toBe("clean");
    expect(report.notes?.[0]).toMatch(
      /^no golang-migrate history table found \(looked for schema_migrations in schema elsewhere\): applied and pending migrations were not compared, only the schema$/,
    );
  });

  it("reads nothing when the config says history: false", async () => {
    const report = await audit(historyOptions(false));
    expect(report.status).toBe("clean");
    expect(report.notes ?? []).toEqual([]);
  });

  it("is an error naming the GRANT when the role may not read the table, never clean", async () => {
    const report = await audit(undefined, "pgdrift_history_blind");
    expect(report.status).toBe("error");
    expect(report.error?.code).toBe("history_unreadable");
    expect(report.error?.message).toContain(
      "GRANT SELECT ON public.schema_migrations TO pgdrift_history_blind;",
    );
  });
});

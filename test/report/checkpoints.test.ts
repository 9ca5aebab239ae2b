import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { auditEnvironment } from "../../shared/report/audit.ts";
import { buildReport, reportBaseline } from "../../shared/report/build.ts";
import { appliedPosition, headVersion } from "../../shared/report/checkpoints.ts";
import type { EnvironmentReport } from "../../shared/report/model.ts";
import { renderMarkdown } from "../../shared/report/render-markdown.ts";
import { renderText } from "../../shared/report/render-text.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import { emptyObjects, type Snapshot } from "../../shared/snapshot/model.ts";
import {
  createSnapshot,
  parseSnapshot,
  serializeSnapshot,
  writeSnapshotFile,
} from "../../shared/snapshot/snapshot.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";

const NOW = new Date("2026-11-25T00:00:00Z");

/** golang-migrate files: four versions, each bringing something. */
const FILES: Record<string, string> = {
  "1_billing.up.sql":
    "CREATE SCHEMA billing;\nCREATE TABLE billing.payments (id bigint PRIMARY KEY, amount numeric NOT NULL);\n",
  "1_billing.down.sql": "DROP SCHEMA billing CASCADE;\n",
  "2_customers.up.sql":
    "CREATE TABLE billing.customers (id bigint PRIMARY KEY, name text NOT NULL);\n",
  "3_transaction_ref.up.sql": "ALTER TABLE billing.payments ADD COLUMN transaction_ref text;\n",
  "4_payment_customer.up.sql":
    "ALTER TABLE billing.payments ADD COLUMN customer_id bigint REFERENCES billing.customers (id);\nCREATE INDEX payments_customer_id_idx ON billing.payments (customer_id);\n",
};
const UP = Object.keys(FILES)
  .filter((f) => f.endsWith(".up.sql"))
  .sort();

/** The schema of the first `applied` migrations, and golang-migrate's table as it writes it. */
function environmentSql(applied: number, history: boolean): string {
  const schema = UP.slice(0, applied)
    .map((f) => FILES[f])
    .join("\n");
  if (!history) return schema;
  return `${schema}
CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null);
TRUNCATE schema_migrations;
INSERT INTO schema_migrations (version, dirty) VALUES (${applied}, false);`;
}

describe("checkpointed baselines and version-aware audits", () => {
  let dir: string;
  let baseline: Snapshot;
  const envs: TestDatabase[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pgdrift-checkpoints-"));
    const migrations = join(dir, "migrations");
    await mkdir(migrations);
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(migrations, name), text);
    baseline = await buildBaseline({
      migrationsDir: migrations,
      format: "golang-migrate",
      scratch: { kind: "server", url: adminUrl() },
      createdAt: NOW.toISOString(),
      checkpoints: 3,
    });
  });
  afterAll(async () => {
    for (const env of envs) await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function audit(applied: number, history = true): Promise<EnvironmentReport> {
    const env = await createTestDatabase("checkpoints", environmentSql(applied, history));
    envs.push(env);
    return auditEnvironment({
      name: `at_${applied}`,
      connect: async () => ({ client: env.client, close: async () => undefined }),
      baseline,
      diffOptions: {},
      now: NOW,
    });
  }

  it("stores the schemas at the last versions before the head, the head as the snapshot", () => {
    expect(baseline.checkpoints?.map((c) => c.version)).toEqual(["2", "3"]);
    const [two, three] = baseline.checkpoints ?? [];
    expect(Object.keys(two?.objects.column ?? {})).not.toContain(
      "billing.payments.transaction_ref",
    );
    expect(Object.keys(three?.objects.column ?? {})).toContain("billing.payments.transaction_ref");
    expect(Object.keys(three?.objects.column ?? {})).not.toContain("billing.payments.customer_id");
    expect(Object.keys(baseline.objects.column)).toContain("billing.payments.customer_id");
  });

  it("compares an environment two migrations behind with its checkpoint: the pending migrations once, with what each brings", async () => {
    const report = await audit(2);
    expect(report.comparedWith).toEqual({ version: "2", checkpoint: true });
    expect(report.findings.filter((f) => f.kind !== "migration")).toEqual([]);
    const pending = report.findings.map((f) => [f.kind, f.object, f.change]);
    expect(pending).toEqual([
      ["migration", "3", "missing"],
      ["migration", "4", "missing"],
    ]);
    const brings = Object.fromEntries(report.findings.map((f) => [f.object, f.evidence?.brings]));
    expect(brings).toEqual({
      "3": ["column billing.payments.transaction_ref"],
      "4": [
        "column billing.payments.customer_id",
        "constraint billing.payments.payments_customer_id_fkey",
        "index billing.payments_customer_id_idx",
      ],
    });
    expect(report.findings[0]?.message).toBe(
      "golang-migrate migration 3 (transaction_ref) is not applied: the database is at version 2 — it brings column billing.payments.transaction_ref",
    );
    expect(report.notes).toContain(
      "applied up to version 2: compared with the baseline's checkpoint at that version",
    );
  });

  it("compares an environment at the head with the head", async () => {
    const report = await audit(4);
    expect(report.status).toBe("clean");
    expect(report.comparedWith).toEqual({ version: "4", checkpoint: false });
  });

  it("falls back to the head, and says so, at a version outside the checkpoints", async () => {
    const report = await audit(1);
    expect(report.comparedWith).toEqual({ version: "4", checkpoint: false });
    expect(report.notes).toContain(
      "at version 1, which is not a checkpoint of the baseline (2, 3): compared with the head (version 4)",
    );
    const objects = report.findings.map((f) => `${f.kind} ${f.object} ${f.change}`);
    expect(objects).toContain("table billing.customers missing");
    expect(objects).toContain("migration 2 missing");
    // 2's schema before it (version 1) is not stored: nothing to say what it brings
    expect(report.findings.find((f) => f.object === "2")?.evidence?.brings).toBeUndefined();
    expect(report.findings.find((f) => f.object === "3")?.evidence?.brings).toEqual([
      "column billing.payments.transaction_ref",
    ]);
  });

  it("compares with the head when there is no history table, and says so", async () => {
    const report = await audit(2, false);
    expect(report.comparedWith).toEqual({ version: "4", checkpoint: false });
    expect(report.notes).toContain("no migration history read: compared with the head (version 4)");
    expect(report.findings.map((f) => `${f.kind} ${f.object} ${f.change}`)).toContain(
      "column billing.payments.transaction_ref missing",
    );
  });

  it("shows the version compared with in every renderer, and the JSON Schema accepts it", async () => {
    const env = await audit(2);
    const report = buildReport({
      runId: "r1",
      trigger: "cli",
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      baseline: reportBaseline(baseline),
      environments: [env],
    });
    expect(validateJsonSchema(JSON.parse(JSON.stringify(report)))).toEqual([]);
    expect(renderText(report, { color: false })).toContain(
      "compared with baseline version 2 (checkpoint)",
    );
    expect(renderMarkdown(report)).toContain("> compared with baseline version 2 (checkpoint)");
    expect(renderMarkdown(report)).toContain("(brings column billing.payments.transaction_ref)");
    expect(renderText(report, { color: false })).toMatch(
      /- migration +3 +not found; brings column billing\.payments\.transaction_ref\n/,
    );
  });

  it("round-trips checkpoints through the file writer and the parser", async () => {
    const file = join(dir, "baseline.json");
    writeSnapshotFile(file, {
      createdAt: baseline.createdAt,
      source: baseline.source,
      scope: baseline.scope,
      objects: baseline.objects,
      checkpoints: (baseline.checkpoints ?? []).map(({ version, objects }) => ({
        version,
        objects,
      })),
    });
    const text = await readFile(file, "utf8");
    expect(text).toBe(serializeSnapshot(baseline));
    // one object per line in checkpoints too, as in the head's objects
    expect(text).toMatch(/^ {10}"billing\.payments\.transaction_ref":\{"collation":null,/m);
    const parsed = parseSnapshot(text, file);
    expect(parsed).toEqual(baseline);
  });

  it("writes no checkpoints field, byte for byte the earlier form, when there are none", () => {
    const { checkpoints: _stored, ...head } = baseline;
    const text = serializeSnapshot(head);
    expect(text.startsWith('{\n  "createdAt"')).toBe(true);
    expect(text).not.toContain('"checkpoints"');
    expect(parseSnapshot(text, "head.json")).toEqual(head);
  });

  it("refuses a tampered checkpoint, naming it", () => {
    const data = JSON.parse(serializeSnapshot(baseline));
    data.checkpoints[1].objects.column["billing.payments.transaction_ref"].type = "integer";
    expect(() => parseSnapshot(JSON.stringify(data), "baseline.json")).toThrow(
      /^baseline\.json: digest mismatch in the checkpoint at version 3: /,
    );
  });
});

describe("appliedPosition and headVersion", () => {
  const record = (version: string, kind: "versioned" | "repeatable" = "versioned") => ({
    file: `${version}.sql`,
    version,
    checksum: `sha256:${"0".repeat(64)}`,
    kind,
  });
  const pending = (version: string) => ({
    kind: "migration" as const,
    object: version,
    change: "missing" as const,
    expected: null,
    actual: null,
    message: "",
    evidence: { file: `${version}.sql` },
  });
  const migrations = ["1", "2", "3"].map((v) => record(v));

  it("is the last of the unbroken run of applied migrations", () => {
    expect(appliedPosition(migrations, [pending("3")])).toEqual({ version: "2", inOrder: true });
    expect(appliedPosition(migrations, [])).toEqual({ version: "3", inOrder: true });
    expect(
      appliedPosition(
        migrations,
        migrations.map((m) => pending(m.version)),
      ),
    ).toEqual({
      version: null,
      inOrder: true,
    });
  });

  it("is out of order when a later migration is applied past a pending one", () => {
    expect(appliedPosition(migrations, [pending("2")])).toEqual({ version: "1", inOrder: false });
  });

  it("counts a failed migration as not applied", () => {
    const failed = { ...pending("2"), change: "changed" as const, attribute: "status" };
    expect(appliedPosition(migrations, [failed, pending("3")])).toEqual({
      version: "1",
      inOrder: true,
    });
  });

  it("names the last versioned migration as the head, not a repeatable one", () => {
    const snapshot = createSnapshot({
      createdAt: NOW.toISOString(),
      source: {
        kind: "migrations",
        serverVersion: "17.0",
        serverVersionNum: 170000,
        format: "flyway",
        migrations: [record("1"), record("2"), record("views", "repeatable")],
      },
      scope: { schemas: null },
      objects: emptyObjects(),
    });
    expect(headVersion(snapshot)).toBe("2");
  });
});

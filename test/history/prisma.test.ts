import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Migration } from "../../shared/baseline/sources/source.ts";
import { compareHistory } from "../../shared/history/compare.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { history, NOW, removeRepositories, repository, summary } from "./support.ts";

/** prisma-engines' `_prisma_migrations` for PostgreSQL. */
function createPrismaTable(schema: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS "${schema}";
CREATE TABLE "${schema}"."_prisma_migrations" (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;
}

type Outcome = "finished" | "failed" | "rolled_back";

/**
 * The statements `prisma migrate deploy` runs for one migration: record it as started, then
 * finished (or its failed step's logs), and `prisma migrate resolve --rolled-back` afterwards.
 */
async function apply(
  db: TestDatabase,
  schema: string,
  name: string,
  checksum: string,
  outcome: Outcome = "finished",
): Promise<string> {
  const table = `"${schema}"."_prisma_migrations"`;
  const id = randomUUID();
  await db.client.query(
    `INSERT INTO ${table} (id, checksum, started_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 0)`,
    [id, checksum, name],
  );
  if (outcome === "finished") {
    await db.client.query(
      `UPDATE ${table} SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
      [id],
    );
    return id;
  }
  await db.client.query(`UPDATE ${table} SET logs = $1 WHERE id = $2`, [
    'Database error code: 42P07\n\nrelation "orders" already exists',
    id,
  ]);
  if (outcome === "rolled_back")
    await db.client.query(`UPDATE ${table} SET rolled_back_at = now() WHERE id = $1`, [id]);
  return id;
}

const FIRST = "20260101090000_init";
const SECOND = "20260105090000_orders";
const THIRD = "20260118120000_transaction_ref";
const SECOND_SQL = "-- CreateTable\r\nCREATE TABLE orders (id bigint PRIMARY KEY);\r\n";

let db: TestDatabase;
let migrations: readonly Migration[];
const checksumOf = (name: string) =>
  migrations.find((m) => m.version === name)?.toolChecksum as string;

beforeAll(async () => {
  db = await createTestDatabase("history_prisma");
  ({ migrations } = await repository("prisma", {
    [`${FIRST}/migration.sql`]: "-- CreateTable\nCREATE TABLE users (id bigint PRIMARY KEY);\n",
    // checked out with CRLF line endings
    [`${SECOND}/migration.sql`]: SECOND_SQL,
    [`${THIRD}/migration.sql`]: "ALTER TABLE orders ADD COLUMN transaction_ref text;\n",
    "migration_lock.toml": 'provider = "postgresql"\n',
  }));
});

afterAll(async () => {
  await db?.drop();
  await removeRepositories();
});

describe("Prisma history", () => {
  it("reports pending migrations as not yet applied, overdue by their timestamp", async () => {
    await db.exec(createPrismaTable("behind"));
    await apply(db, "behind", FIRST, checksumOf(FIRST));
    const entries = await history(db.client, "prisma", { schema: "behind" });
    expect(entries.map((e) => [e.version, e.status, e.checksum])).toEqual([
      [FIRST, "success", checksumOf(FIRST)],
    ]);
    expect(entries[0]?.installedOn).toMatch(/Z$/);
    const findings = compareHistory(migrations, entries, { format: "prisma", now: NOW });
    expect(summary(findings)).toEqual([
      [SECOND, "missing"],
      [THIRD, "missing"],
    ]);
    expect(findings[0]?.message).toBe(
      `Prisma migration ${SECOND} has not yet been applied; 14 days old, more than the 7 days allowed`,
    );
    expect(findings[0]?.remediation).toBe("`prisma migrate deploy`");
    expect(findings[0]?.evidence).toEqual({
      file: `${SECOND}/migration.sql`,
      timestamp: "2026-01-05T09:00:00.000Z",
      ageFrom: "timestamp",
      ageDays: 14,
      overdue: true,
      outOfOrder: false,
    });
    expect(findings[1]?.evidence).toMatchObject({ ageDays: 1, overdue: false });
    // a configurable age
    const lenient = compareHistory(migrations, entries, {
      format: "prisma",
      now: NOW,
      pendingAgeDays: 30,
    });
    expect(lenient[0]?.evidence).toMatchObject({ overdue: false });
  });

  it("reports an edited, a failed and an unknown migration", async () => {
    await db.exec(createPrismaTable("drift"));
    const edited = createHash("sha256")
      .update("-- CreateTable\nCREATE TABLE users ();\n")
      .digest("hex");
    await apply(db, "drift", FIRST, edited);
    await apply(db, "drift", SECOND, checksumOf(SECOND));
    await apply(db, "drift", THIRD, checksumOf(THIRD), "failed");
    await apply(db, "drift", "20260110000000_last_login", "ab".repeat(32));
    const findings = compareHistory(
      migrations,
      await history(db.client, "prisma", { schema: "drift" }),
      {
        format: "prisma",
        now: NOW,
      },
    );
    expect(summary(findings)).toEqual([
      [FIRST, "changed", "checksum"],
      [THIRD, "changed", "status"],
      ["20260110000000_last_login", "unexpected"],
    ]);
    const [checksum, failed, unknown] = findings;
    expect(checksum).toMatchObject({ expected: checksumOf(FIRST), actual: edited });
    expect(checksum?.message).toContain("was modified after it was applied");
    expect(failed).toMatchObject({ expected: "applied", actual: "failed" });
    expect(failed?.message).toContain("failed: `prisma migrate deploy` applies no new migration");
    expect(failed?.remediation).toContain(`prisma migrate resolve --rolled-back ${THIRD}`);
    expect(unknown?.message).toContain("not found locally");
  });

  it("treats a rolled-back attempt as not applied, and a later successful one as applied", async () => {
    await db.exec(createPrismaTable("rolled"));
    await apply(db, "rolled", FIRST, checksumOf(FIRST));
    await apply(db, "rolled", SECOND, checksumOf(SECOND), "rolled_back");
    await apply(db, "rolled", SECOND, checksumOf(SECOND));
    await apply(db, "rolled", THIRD, checksumOf(THIRD), "rolled_back");
    const entries = await history(db.client, "prisma", { schema: "rolled" });
    expect(entries.map((e) => e.status)).toEqual([
      "success",
      "rolled_back",
      "success",
      "rolled_back",
    ]);
    const findings = compareHistory(migrations, entries, { format: "prisma", now: NOW });
    expect(summary(findings)).toEqual([[THIRD, "missing"]]);
    expect(findings[0]?.message).toContain(
      "has not yet been applied (its earlier attempt was rolled back at",
    );
  });

  it("matches checksums as Prisma does: unpadded old rows, and line endings when the script is given", async () => {
    await db.exec(createPrismaTable("checksums"));
    const unpadded = [...Buffer.from(checksumOf(FIRST), "hex")].map((b) => b.toString(16)).join("");
    const lf = createHash("sha256").update(SECOND_SQL.replaceAll("\r\n", "\n")).digest("hex");
    await apply(db, "checksums", FIRST, unpadded);
    // applied from a checkout with LF line endings
    await apply(db, "checksums", SECOND, lf);
    await apply(db, "checksums", THIRD, checksumOf(THIRD));
    const entries = await history(db.client, "prisma", { schema: "checksums" });
    // without the script, only the bytes' checksum is known: the LF row differs
    expect(summary(compareHistory(migrations, entries, { format: "prisma", now: NOW }))).toEqual([
      [SECOND, "changed", "checksum"],
    ]);
    const scripts = { [`${SECOND}/migration.sql`]: SECOND_SQL };
    expect(compareHistory(migrations, entries, { format: "prisma", now: NOW, scripts })).toEqual(
      [],
    );
  });
});

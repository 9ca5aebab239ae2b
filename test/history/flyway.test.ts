import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Migration } from "../../shared/baseline/sources/source.ts";
import { compareHistory } from "../../shared/history/compare.ts";
import { findHistoryTable } from "../../shared/history/find.ts";
import { readHistory } from "../../shared/history/read.ts";
import { HistoryError } from "../../shared/history/types.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { history, NOW, rejection, removeRepositories, repository, summary } from "./support.ts";

/** Flyway's createMetaDataTable.sql for PostgreSQL. */
function createFlywayTable(schema: string, table = "flyway_schema_history"): string {
  return `
CREATE SCHEMA IF NOT EXISTS "${schema}";
CREATE TABLE "${schema}"."${table}" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "${schema}"."${table}" ADD CONSTRAINT "${table}_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "${table}_s_idx" ON "${schema}"."${table}" ("success");`;
}

type Row = [
  rank: number,
  version: string | null,
  description: string,
  type: string,
  script: string,
  checksum: number | null,
  success: boolean,
];

/** The row Flyway's JdbcTableSchemaHistory writes after each migration (installed_on defaults). */
async function addRows(
  db: TestDatabase,
  schema: string,
  rows: Row[],
  table = "flyway_schema_history",
) {
  for (const [rank, version, description, type, script, checksum, success] of rows) {
    await db.client.query(
      `INSERT INTO "${schema}"."${table}" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [rank, version, description, type, script, checksum, "deploy", 12, success],
    );
  }
}

/** The row of an applied migration, as Flyway writes it. */
function applied(rank: number, m: Migration, success = true): Row {
  const repeatable = m.kind === "repeatable";
  return [
    rank,
    repeatable ? null : m.version,
    m.description,
    "SQL",
    m.file,
    m.toolChecksum as number,
    success,
  ];
}

/** The same row with another checksum. */
function withChecksum(row: Row, checksum: number): Row {
  const copy = [...row] as Row;
  copy[5] = checksum;
  return copy;
}

let db: TestDatabase;
let migrations: readonly Migration[];
const byFile = (file: string) => migrations.find((m) => m.file === file) as Migration;

beforeAll(async () => {
  db = await createTestDatabase("history_flyway");
  ({ migrations } = await repository("flyway", {
    "V1__init.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    "V1.1__add_email.sql": "ALTER TABLE users ADD COLUMN email text;\n",
    "V2__orders.sql": "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    "V3__transaction_ref.sql": "ALTER TABLE orders ADD COLUMN transaction_ref text;\n",
    "R__user_view.sql": "CREATE OR REPLACE VIEW user_ids AS SELECT id FROM users;\n",
  }));
});

afterAll(async () => {
  await db?.drop();
  await removeRepositories();
});

const compare = (schema: string) =>
  history(db.client, "flyway", { schema }).then((entries) =>
    compareHistory(migrations, entries, { format: "flyway", now: NOW }),
  );

describe("Flyway history", () => {
  it("reads flyway_schema_history as Flyway wrote it; a fully migrated database has no finding", async () => {
    await db.exec(createFlywayTable("clean"));
    await addRows(db, "clean", [
      [0, null, "<< Flyway Schema Creation >>", "SCHEMA", '"clean"', null, true],
      ...migrations.map((m, i) => applied(i + 1, m)),
    ]);
    const table = await findHistoryTable(db.client, "flyway", { schema: "clean" });
    expect(table?.name).toBe("clean.flyway_schema_history");
    const entries = await readHistory(db.client, table as NonNullable<typeof table>, "flyway");
    // the SCHEMA marker is not a migration
    expect(entries.map((e) => [e.version, e.kind, e.status, e.row])).toEqual([
      ["1", "versioned", "success", "installed_rank 1"],
      ["1.1", "versioned", "success", "installed_rank 2"],
      ["2", "versioned", "success", "installed_rank 3"],
      ["3", "versioned", "success", "installed_rank 4"],
      ["user view", "repeatable", "success", "installed_rank 5"],
    ]);
    expect(entries[0]?.checksum).toBe(byFile("V1__init.sql").toolChecksum);
    expect(entries[0]?.installedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(compareHistory(migrations, entries, { format: "flyway", now: NOW })).toEqual([]);
  });

  it("reports pending, edited, failed and unknown migrations in Flyway's words", async () => {
    await db.exec(createFlywayTable("drift"));
    const edited = withChecksum(applied(2, byFile("V1.1__add_email.sql")), 123456);
    await addRows(db, "drift", [
      applied(1, byFile("V1__init.sql")),
      edited,
      applied(3, byFile("V2__orders.sql"), false),
      [4, "2.5", "hotfix last login", "SQL", "V2.5__hotfix_last_login.sql", 42, true],
    ]);
    const findings = await compare("drift");
    expect(summary(findings)).toEqual([
      ["1.1", "changed", "checksum"],
      ["2", "changed", "status"],
      ["3", "missing"],
      ["user view", "missing"],
      ["2.5", "unexpected"],
    ]);
    const [checksum, failed, pending, , unknown] = findings;
    expect(checksum?.message).toContain("Migration checksum mismatch for migration version 1.1");
    expect(checksum?.expected).toBe(byFile("V1.1__add_email.sql").toolChecksum);
    expect(checksum?.actual).toBe(123456);
    expect(failed).toMatchObject({ expected: "applied", actual: "failed" });
    expect(failed?.message).toContain("Detected failed migration to version 2");
    expect(failed?.remediation).toContain("flyway repair");
    // V3 is above every applied version: plainly pending, though the unknown 2.5 is applied
    expect(pending?.message).toContain("Flyway migration 3 (transaction ref) is Pending:");
    expect(pending?.remediation).toBe("`flyway migrate`");
    expect(pending?.evidence).toMatchObject({ file: "V3__transaction_ref.sql", outOfOrder: false });
    expect(unknown?.message).toContain("Applied migration not resolved locally: 2.5");
    expect(unknown?.evidence).toMatchObject({ row: "installed_rank 4", status: "success" });
  });

  it("says out of order for a pending version below the highest applied one", async () => {
    await db.exec(createFlywayTable("ooo"));
    await addRows(db, "ooo", [
      applied(1, byFile("V1__init.sql")),
      applied(2, byFile("V2__orders.sql")),
      applied(3, byFile("V3__transaction_ref.sql")),
      applied(4, byFile("R__user_view.sql")),
    ]);
    const [finding, ...rest] = await compare("ooo");
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ object: "1.1", change: "missing" });
    expect(finding?.message).toContain("version 1.1 is lower than the highest applied version 3");
    expect(finding?.remediation).toContain("-outOfOrder=true");
    // Flyway versions have no timestamp: the age is unknown unless a commit date is given
    expect(finding?.evidence).toMatchObject({ ageDays: null, overdue: false, outOfOrder: true });
  });

  it("counts versions at or below a BASELINE row as applied; DELETE rows cancel", async () => {
    await db.exec(createFlywayTable("based"));
    await addRows(db, "based", [
      [1, "1.1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", null, true],
      applied(2, byFile("V2__orders.sql")),
      applied(3, byFile("V3__transaction_ref.sql")),
      applied(4, byFile("R__user_view.sql")),
      // `flyway repair` marking version 3 deleted
      [5, "3", "transaction ref", "DELETE", "V3__transaction_ref.sql", null, true],
    ]);
    const findings = await compareHistory(
      migrations,
      await history(db.client, "flyway", { schema: "based" }),
      {
        format: "flyway",
        now: NOW,
        commitDates: { "V3__transaction_ref.sql": "2026-01-02T10:00:00Z" },
      },
    );
    expect(summary(findings)).toEqual([["3", "missing"]]);
    expect(findings[0]?.evidence).toMatchObject({
      ageFrom: "commit",
      ageDays: 17,
      overdue: true,
      outOfOrder: false,
    });
  });

  it("reports a repeatable migration whose checksum changed as one Flyway will re-apply", async () => {
    await db.exec(createFlywayTable("outdated"));
    const view = byFile("R__user_view.sql");
    await addRows(db, "outdated", [
      ...migrations.filter((m) => m.kind === "versioned").map((m, i) => applied(i + 1, m)),
      withChecksum(applied(5, view), 1),
      // re-applied later with another checksum: the latest row counts
      withChecksum(applied(6, view), 2),
    ]);
    const findings = await compare("outdated");
    expect(summary(findings)).toEqual([["user view", "changed", "checksum"]]);
    expect(findings[0]).toMatchObject({ expected: view.toolChecksum, actual: 2 });
    expect(findings[0]?.message).toContain("is Outdated");
    expect(findings[0]?.message).toContain("will re-apply it");
    expect(findings[0]?.evidence).toMatchObject({ reapply: true });
  });

  it("finds the legacy schema_version table", async () => {
    await db.exec(createFlywayTable("legacy", "schema_version"));
    await addRows(
      db,
      "legacy",
      migrations.map((m, i) => applied(i + 1, m)),
      "schema_version",
    );
    const table = await findHistoryTable(db.client, "flyway", { schema: "legacy" });
    expect(table?.name).toBe("legacy.schema_version");
    const entries = await readHistory(db.client, table as NonNullable<typeof table>, "flyway");
    expect(compareHistory(migrations, entries, { format: "flyway", now: NOW })).toEqual([]);
  });

  it("refuses a version Flyway cannot parse, naming the table and the row", async () => {
    await db.exec(createFlywayTable("bad"));
    await addRows(db, "bad", [
      applied(1, byFile("V1__init.sql")),
      [2, "2.x", "hand edit", "SQL", "V2.x__hand_edit.sql", 7, true],
    ]);
    const error = await rejection(history(db.client, "flyway", { schema: "bad" }));
    expect(error).toBeInstanceOf(HistoryError);
    expect((error as HistoryError).message).toContain(
      "bad.flyway_schema_history, row installed_rank 2",
    );
    expect((error as HistoryError).message).toContain('version "2.x" is not a Flyway version');
    expect((error as HistoryError).row).toBe("installed_rank 2");
  });
});

describe("Flyway history with a baseline migration (B…) in the repository", () => {
  const V = (n: number) => `CREATE TABLE t${n} (id int);\n`;
  const B5 = "CREATE TABLE t1 (id int);\nCREATE TABLE t5 (id int);\n";
  let kept: readonly Migration[];
  let consolidated: readonly Migration[];
  const file = (list: readonly Migration[], name: string) =>
    list.find((m) => m.file === name) as Migration;
  const baselineRow = (rank: number, m: Migration, checksum = m.toolChecksum as number): Row => [
    rank,
    m.version,
    m.description,
    "SQL_BASELINE",
    m.file,
    checksum,
    true,
  ];

  beforeAll(async () => {
    // V1–V5 kept for older databases beside B5; and the same project with V1–V5 deleted
    ({ migrations: kept } = await repository("flyway", {
      "V1__a.sql": V(1),
      "V2__b.sql": V(2),
      "V3__c.sql": V(3),
      "V4__d.sql": V(4),
      "V5__e.sql": V(5),
      "B5__baseline.sql": B5,
      "V6__f.sql": V(6),
      "R__view.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    }));
    ({ migrations: consolidated } = await repository("flyway", {
      "B5__baseline.sql": B5,
      "V6__f.sql": V(6),
      "R__view.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    }));
  });

  const compareIn = async (schema: string, list: readonly Migration[]) =>
    compareHistory(list, await history(db.client, "flyway", { schema }), {
      format: "flyway",
      now: NOW,
    });

  it("a database migrated before B5 (V1–V6 applied) has no finding, and its V rows are checked", async () => {
    await db.exec(createFlywayTable("b_old"));
    const rows = ["V1__a.sql", "V2__b.sql", "V3__c.sql", "V4__d.sql", "V5__e.sql", "V6__f.sql"]
      .map((name, i) => applied(i + 1, file(kept, name)))
      .concat([applied(7, file(kept, "R__view.sql"))]);
    await addRows(db, "b_old", rows);
    expect(await compareIn("b_old", kept)).toEqual([]);
    // the same database once V1–V5 were deleted: B5 stands for them, not unknown
    expect(await compareIn("b_old", consolidated)).toEqual([]);

    await db.exec(createFlywayTable("b_old_edited"));
    await addRows(db, "b_old_edited", [
      ...rows.slice(0, 2),
      withChecksum(rows[2] as Row, 99),
      ...rows.slice(3),
    ]);
    expect(summary(await compareIn("b_old_edited", kept))).toEqual([["3", "changed", "checksum"]]);
  });

  it("a database started from B5 (its SQL_BASELINE row, then V6) has no finding", async () => {
    await db.exec(createFlywayTable("b_new"));
    await addRows(db, "b_new", [
      [0, null, "<< Flyway Schema Creation >>", "SCHEMA", '"b_new"', null, true],
      baselineRow(1, file(kept, "B5__baseline.sql")),
      applied(2, file(kept, "V6__f.sql")),
      applied(3, file(kept, "R__view.sql")),
    ]);
    expect(await compareIn("b_new", kept)).toEqual([]);
    expect(await compareIn("b_new", consolidated)).toEqual([]);
  });

  it("reports an edited baseline migration against its SQL_BASELINE row", async () => {
    await db.exec(createFlywayTable("b_edited"));
    await addRows(db, "b_edited", [
      baselineRow(1, file(kept, "B5__baseline.sql"), 4711),
      applied(2, file(kept, "V6__f.sql")),
    ]);
    const findings = await compareIn("b_edited", consolidated);
    expect(summary(findings)).toEqual([
      ["5", "changed", "checksum"],
      ["view", "missing"],
    ]);
    expect(findings[0]).toMatchObject({
      expected: file(consolidated, "B5__baseline.sql").toolChecksum,
      actual: 4711,
      evidence: { file: "B5__baseline.sql" },
    });
  });

  it("an empty history is pending B5, V6 and the repeatable: not V1–V5, which B5 replaces", async () => {
    await db.exec(createFlywayTable("b_empty"));
    expect(summary(await compareIn("b_empty", kept))).toEqual([
      ["5", "missing"],
      ["6", "missing"],
      ["view", "missing"],
    ]);
    const [pending] = await compareIn("b_empty", kept);
    expect(pending?.evidence).toMatchObject({ file: "B5__baseline.sql" });
  });

  it("a database migrated to V3 before B5 existed is pending V4–V6: Flyway ignores B5 there", async () => {
    await db.exec(createFlywayTable("b_behind"));
    await addRows(db, "b_behind", [
      applied(1, file(kept, "V1__a.sql")),
      applied(2, file(kept, "V2__b.sql")),
      applied(3, file(kept, "V3__c.sql")),
    ]);
    expect(summary(await compareIn("b_behind", kept))).toEqual([
      ["4", "missing"],
      ["5", "missing"],
      ["6", "missing"],
      ["view", "missing"],
    ]);
  });
});

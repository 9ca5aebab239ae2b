import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Migration } from "../../shared/baseline/sources/source.ts";
import { compareHistory } from "../../shared/history/compare.ts";
import { findHistoryTable } from "../../shared/history/find.ts";
import { HistoryError } from "../../shared/history/types.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { history, NOW, rejection, removeRepositories, repository, summary } from "./support.ts";

/** golang-migrate's postgres driver: its table, and SetVersion (in one transaction). */
const golangTable = (schema: string) =>
  `CREATE SCHEMA IF NOT EXISTS "${schema}";
   CREATE TABLE IF NOT EXISTS "${schema}"."schema_migrations" (version bigint not null primary key, dirty boolean not null);`;
async function setVersion(db: TestDatabase, schema: string, version: number, dirty: boolean) {
  await db.exec("BEGIN");
  await db.exec(`TRUNCATE "${schema}"."schema_migrations"`);
  await db.client.query(
    `INSERT INTO "${schema}"."schema_migrations" (version, dirty) VALUES ($1, $2)`,
    [version, dirty],
  );
  await db.exec("COMMIT");
}

/** dbmate's postgres driver: its table, and the row it inserts after each migration. */
const dbmateTable = (schema: string) =>
  `CREATE SCHEMA IF NOT EXISTS "${schema}";
   create table if not exists "${schema}"."schema_migrations" (version varchar(128) primary key);`;
async function dbmateApplied(db: TestDatabase, schema: string, version: string) {
  await db.client.query(`insert into "${schema}"."schema_migrations" (version) values ($1)`, [
    version,
  ]);
}

/** node-pg-migrate's runner: its table, and the row it inserts after each migration. */
const pgmigrationsTable = (schema: string) =>
  `CREATE SCHEMA IF NOT EXISTS "${schema}";
   CREATE TABLE "${schema}"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);`;
async function pgmigrationsRun(db: TestDatabase, schema: string, name: string) {
  await db.exec(`INSERT INTO "${schema}"."pgmigrations" (name, run_on) VALUES ('${name}', NOW());`);
}

let db: TestDatabase;
let golang: readonly Migration[];
let dbmate: readonly Migration[];
let npm: readonly Migration[];

beforeAll(async () => {
  db = await createTestDatabase("history_tools");
  ({ migrations: golang } = await repository("golang-migrate", {
    "20260101090000_users.up.sql": "CREATE TABLE users (id bigint);",
    "20260101090000_users.down.sql": "DROP TABLE users;",
    "20260105090000_orders.up.sql": "CREATE TABLE orders (id bigint);",
    "20260118120000_transaction_ref.up.sql": "ALTER TABLE orders ADD transaction_ref text;",
  }));
  ({ migrations: dbmate } = await repository("dbmate", {
    "20260101090000_users.sql": "-- migrate:up\nCREATE TABLE users (id bigint);\n-- migrate:down\n",
    "20260105090000_orders.sql": "-- migrate:up\nCREATE TABLE orders (id bigint);\n",
    "20260118120000_ref.sql": "-- migrate:up\nALTER TABLE orders ADD transaction_ref text;\n",
  }));
  ({ migrations: npm } = await repository("node-pg-migrate", {
    "1767258000000_users.sql": "-- Up Migration\nCREATE TABLE users (id bigint);\n",
    "1767603600000_orders.sql": "-- Up Migration\nCREATE TABLE orders (id bigint);\n",
    "1768737600000_ref.sql": "-- Up Migration\nALTER TABLE orders ADD transaction_ref text;\n",
  }));
});

afterAll(async () => {
  await db?.drop();
  await removeRepositories();
});

describe("golang-migrate history", () => {
  it("counts every version up to the current one as applied; later ones are pending", async () => {
    await db.exec(golangTable("go_behind"));
    await setVersion(db, "go_behind", 20260101090000, false);
    const entries = await history(db.client, "golang-migrate", { schema: "go_behind" });
    expect(entries).toMatchObject([
      { version: "20260101090000", effect: "up_to", status: "success" },
    ]);
    const findings = compareHistory(golang, entries, { format: "golang-migrate", now: NOW });
    expect(summary(findings)).toEqual([
      ["20260105090000", "missing"],
      ["20260118120000", "missing"],
    ]);
    expect(findings[0]?.message).toContain(
      "is not applied: the database is at version 20260101090000",
    );
    expect(findings.map((f) => f.evidence?.overdue)).toEqual([true, false]);
  });

  it("reports a dirty version, and a current version no file has", async () => {
    await db.exec(golangTable("go_dirty"));
    await setVersion(db, "go_dirty", 20260105090000, true);
    const dirty = compareHistory(
      golang,
      await history(db.client, "golang-migrate", { schema: "go_dirty" }),
      { format: "golang-migrate", now: NOW },
    );
    expect(summary(dirty)).toEqual([
      ["20260105090000", "changed", "status"],
      ["20260118120000", "missing"],
    ]);
    expect(dirty[0]).toMatchObject({ expected: "applied", actual: "dirty" });
    expect(dirty[0]?.message).toContain("Dirty database version 20260105090000");
    expect(dirty[0]?.remediation).toContain("`migrate force 20260105090000`");
    expect(dirty[0]?.remediation).toContain("`migrate force 20260101090000` if you reverted them");

    await setVersion(db, "go_dirty", 20260120000000, false);
    const ahead = compareHistory(
      golang,
      await history(db.client, "golang-migrate", { schema: "go_dirty" }),
      { format: "golang-migrate", now: NOW },
    );
    expect(summary(ahead)).toEqual([["20260120000000", "unexpected"]]);
    expect(ahead[0]?.message).toContain("no migration found for version 20260120000000");
  });

  it("refuses a version golang-migrate cannot parse, naming the table and the row", async () => {
    // a table of golang-migrate's shape whose version column was made text by hand
    await db.exec(`CREATE SCHEMA go_text;
      CREATE TABLE go_text.schema_migrations (version text primary key, dirty boolean not null);
      INSERT INTO go_text.schema_migrations VALUES ('v2', false);`);
    const error = await rejection(history(db.client, "golang-migrate", { schema: "go_text" }));
    expect(error).toBeInstanceOf(HistoryError);
    expect((error as Error).message).toBe(
      'migration history go_text.schema_migrations, row version v2: version "v2" is not a golang-migrate version (an unsigned integer)',
    );
  });
});

describe("dbmate history", () => {
  it("reads one row per applied version: pending (out of order) and unknown versions", async () => {
    await db.exec(dbmateTable("dbm"));
    for (const version of ["20260101090000", "20260118120000", "20260110000000"])
      await dbmateApplied(db, "dbm", version);
    const findings = compareHistory(dbmate, await history(db.client, "dbmate", { schema: "dbm" }), {
      format: "dbmate",
      now: NOW,
    });
    expect(summary(findings)).toEqual([
      ["20260105090000", "missing"],
      ["20260110000000", "unexpected"],
    ]);
    expect(findings[0]?.message).toContain("out of order: 20260118120000 is already applied");
    expect(findings[0]?.evidence).toMatchObject({ overdue: true, outOfOrder: true });
    expect(findings[1]?.message).toContain("dbmate: version 20260110000000 is applied");
  });

  it("tells golang-migrate's schema_migrations from dbmate's by their columns", async () => {
    // go_behind holds golang-migrate's table, dbm dbmate's: neither is the configured schema
    expect((await findHistoryTable(db.client, "dbmate"))?.name).toBe("dbm.schema_migrations");
    expect((await findHistoryTable(db.client, "golang-migrate"))?.name).toBe(
      "go_behind.schema_migrations",
    );
    const error = await rejection(
      findHistoryTable(db.client, "dbmate", {
        table: { schema: "go_dirty", table: "schema_migrations" },
      }),
    );
    expect((error as Error).message).toContain(
      "go_dirty.schema_migrations is not dbmate's history table: it has a dirty column",
    );
  });
});

describe("node-pg-migrate history", () => {
  it("reads pgmigrations: a migration not run before a run one, and an unknown one", async () => {
    await db.exec(pgmigrationsTable("npm"));
    for (const name of ["1767258000000_users", "1768737600000_ref", "1768000000000_hotfix"])
      await pgmigrationsRun(db, "npm", name);
    const entries = await history(db.client, "node-pg-migrate", { schema: "npm" });
    expect(entries.map((e) => [e.version, e.row])).toEqual([
      ["1767258000000_users", "id 1"],
      ["1768737600000_ref", "id 2"],
      ["1768000000000_hotfix", "id 3"],
    ]);
    const findings = compareHistory(npm, entries, { format: "node-pg-migrate", now: NOW });
    expect(summary(findings)).toEqual([
      ["1767603600000_orders", "missing"],
      ["1768000000000_hotfix", "unexpected"],
    ]);
    expect(findings[0]?.message).toContain(
      "Not run migration 1767603600000_orders is preceding already run migration 1768737600000_ref",
    );
    expect(findings[0]?.evidence).toMatchObject({ ageDays: 14, overdue: true });
  });
});

describe("finding the history table", () => {
  it("returns null when there is none, and for plain SQL", async () => {
    const empty = await createTestDatabase("history_none");
    try {
      expect(await findHistoryTable(empty.client, "flyway")).toBeNull();
      expect(await findHistoryTable(empty.client, "prisma", { schema: "app" })).toBeNull();
      expect(await findHistoryTable(db.client, "sql")).toBeNull();
    } finally {
      await empty.drop();
    }
  });

  it("prefers the configured schema, then public, and a table named in the config", async () => {
    await db.exec(`${pgmigrationsTable("public")} ${pgmigrationsTable("zz_app")}
      CREATE TABLE zz_app.migrations_log (id serial, name varchar(255) NOT NULL, run_on timestamp NOT NULL);`);
    expect((await findHistoryTable(db.client, "node-pg-migrate"))?.name).toBe(
      "public.pgmigrations",
    );
    expect((await findHistoryTable(db.client, "node-pg-migrate", { schema: "zz_app" }))?.name).toBe(
      "zz_app.pgmigrations",
    );
    const named = await findHistoryTable(db.client, "node-pg-migrate", {
      table: { table: "migrations_log" },
    });
    expect(named?.name).toBe("zz_app.migrations_log");
  });

  it("names the GRANT a role without SELECT on the table needs, in a read-only session that stays usable", async () => {
    await db.exec(`DO $$ BEGIN CREATE ROLE pgdrift_history_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      GRANT USAGE ON SCHEMA dbm TO pgdrift_history_reader;`);
    await db.exec(
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE pgdrift_history_reader",
    );
    try {
      const error = await rejection(findHistoryTable(db.client, "dbmate", { schema: "dbm" }));
      expect(error).toBeInstanceOf(HistoryError);
      expect((error as HistoryError).grant).toBe(
        "GRANT SELECT ON dbm.schema_migrations TO pgdrift_history_reader;",
      );
      expect((error as Error).message).toContain(
        "role pgdrift_history_reader may not read dbm.schema_migrations",
      );
      // no failed statement: the session can go on reading the catalog
      const other = await rejection(
        findHistoryTable(db.client, "golang-migrate", { schema: "go_dirty" }),
      );
      expect((other as HistoryError).grant).toBe(
        "GRANT USAGE ON SCHEMA go_dirty TO pgdrift_history_reader; GRANT SELECT ON go_dirty.schema_migrations TO pgdrift_history_reader;",
      );
    } finally {
      await db.exec("ROLLBACK");
    }
  });
});

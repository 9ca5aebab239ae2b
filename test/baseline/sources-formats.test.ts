import { createHash } from "node:crypto";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateSource } from "../../shared/baseline/sources/dbmate.ts";
import { golangMigrateSource } from "../../shared/baseline/sources/golang-migrate.ts";
import { nodePgMigrateSource } from "../../shared/baseline/sources/node-pg-migrate.ts";
import { prismaChecksumMatches, prismaSource } from "../../shared/baseline/sources/prisma.ts";
import { versionTimestamp } from "../../shared/baseline/sources/timestamps.ts";
import { sourceError, temporaryFolders } from "./folders.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");

const folder = temporaryFolders("formats");

describe("version timestamps", () => {
  it("parses YYYYMMDDhhmmss and YYYYMMDDhhmmssSSS as UTC, epoch milliseconds on request", () => {
    expect(versionTimestamp("20240102090000")).toBe("2024-01-02T09:00:00.000Z");
    expect(versionTimestamp("20240301080000123")).toBe("2024-03-01T08:00:00.123Z");
    expect(versionTimestamp("1704186000000", { epochMillis: true })).toBe(
      "2024-01-02T09:00:00.000Z",
    );
    expect(versionTimestamp("1704186000000")).toBeNull();
  });

  it("refuses what only looks like one", () => {
    for (const version of [
      "20241301090000",
      "20240230090000",
      "20240102250000",
      "1",
      "0042",
      "2024010209000x",
    ]) {
      expect(versionTimestamp(version)).toBeNull();
    }
  });
});

describe("golang-migrate source", () => {
  it("reads the .up.sql files in numeric version order, ignoring .down.sql", async () => {
    const migrations = await golangMigrateSource.read(join(FIXTURES, "golang-migrate-basic"));
    expect(
      migrations.map((m) => [m.file, m.version, m.description, m.timestamp, m.toolChecksum]),
    ).toEqual([
      [
        "20240102090000_create_users.up.sql",
        "20240102090000",
        "create_users",
        "2024-01-02T09:00:00.000Z",
        null,
      ],
      [
        "20240215143000_add_orders.up.sql",
        "20240215143000",
        "add_orders",
        "2024-02-15T14:30:00.000Z",
        null,
      ],
      [
        "20240301080000_users_last_login.up.sql",
        "20240301080000",
        "users_last_login",
        "2024-03-01T08:00:00.000Z",
        null,
      ],
    ]);
    expect(migrations[2]?.sql).toBe("ALTER TABLE users ADD COLUMN last_login timestamptz;\n");
  });

  it("orders numerically and knows the version as the unsigned integer it stores", async () => {
    const dir = await folder({
      "10_ten.up.sql": "SELECT 10;",
      "9_nine.up.sql": "SELECT 9;",
      "0001_one.up.sql": "SELECT 1;",
      "0001_one.down.sql": "SELECT -1;",
    });
    const migrations = await golangMigrateSource.read(dir);
    expect(migrations.map((m) => [m.file, m.version])).toEqual([
      ["0001_one.up.sql", "1"],
      ["9_nine.up.sql", "9"],
      ["10_ten.up.sql", "10"],
    ]);
  });

  it("refuses a duplicate version, an invalid name, a version too large, an empty folder", async () => {
    const duplicate = await folder({ "1_a.up.sql": "SELECT 1;", "001_b.up.sql": "SELECT 1;" });
    expect((await sourceError(golangMigrateSource.read(duplicate))).message).toBe(
      `two migrations in ${duplicate} have version 1: 001_b.up.sql and 1_a.up.sql; give each migration its own version`,
    );
    const invalid = await folder({ "1_a.up.sql": "SELECT 1;", "2_b.sql": "SELECT 1;" });
    const error = await sourceError(golangMigrateSource.read(invalid));
    expect(error.path).toBe(join(invalid, "2_b.sql"));
    expect(error.message).toBe(
      "invalid golang-migrate migration name 2_b.sql: expected <version>_<name>.up.sql, the version an unsigned integer (and its .down.sql)",
    );
    const huge = await folder({ "18446744073709551616_a.up.sql": "SELECT 1;" });
    expect((await sourceError(golangMigrateSource.read(huge))).message).toMatch(
      /does not fit an unsigned 64-bit integer$/,
    );
    const none = await folder({ "1_a.down.sql": "SELECT 1;" });
    expect((await sourceError(golangMigrateSource.read(none))).message).toBe(
      `no migrations found in ${none} (looked for <version>_<name>.up.sql, the version an unsigned integer)`,
    );
  });
});

describe("dbmate source", () => {
  it("applies only the up section, honours transaction:false", async () => {
    const dir = join(FIXTURES, "dbmate-basic");
    const migrations = await dbmateSource.read(dir);
    expect(
      migrations.map((m) => [m.file, m.version, m.description, m.timestamp, m.transaction]),
    ).toEqual([
      [
        "20240102090000_create_users.sql",
        "20240102090000",
        "create_users",
        "2024-01-02T09:00:00.000Z",
        undefined,
      ],
      [
        "20240215143000_add_orders.sql",
        "20240215143000",
        "add_orders",
        "2024-02-15T14:30:00.000Z",
        undefined,
      ],
      [
        "20240301080000_orders_user_index.sql",
        "20240301080000",
        "orders_user_index",
        "2024-03-01T08:00:00.000Z",
        false,
      ],
    ]);
    const orders = await readFile(join(dir, "20240215143000_add_orders.sql"), "utf8");
    expect(migrations[1]?.sql).toBe(orders.slice(0, orders.indexOf("-- migrate:down")));
    expect(migrations[1]?.sql).not.toContain("never_applied");
  });

  it("keeps the version as written, orders by file name", async () => {
    const dir = await folder({
      "002_b.sql": "-- migrate:up\nSELECT 2;\n",
      "001.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
    });
    expect((await dbmateSource.read(dir)).map((m) => [m.file, m.version, m.description])).toEqual([
      ["001.sql", "001", ""],
      ["002_b.sql", "002", "b"],
    ]);
  });

  it("refuses an empty up section, naming the file and the directive's line", async () => {
    const dir = await folder({
      "1_a.sql":
        "-- a comment\n\n-- migrate:up\n-- nothing yet\n\n-- migrate:down\nDROP TABLE x;\n",
    });
    const error = await sourceError(dbmateSource.read(dir));
    expect(error.path).toBe(join(dir, "1_a.sql"));
    expect(error.message).toBe(
      "migration 1_a.sql line 3: the -- migrate:up section is empty: dbmate would apply nothing and still record the version",
    );
  });

  it("refuses what dbmate refuses: no up section, SQL before it, down before up", async () => {
    const cases: [string, string][] = [
      [
        "SELECT 1;\n",
        "migration 1_a.sql: no -- migrate:up section (dbmate requires each migration to define an up block with '-- migrate:up')",
      ],
      [
        "SELECT 0;\n-- migrate:up\nSELECT 1;\n",
        "migration 1_a.sql line 1: SQL before -- migrate:up (dbmate does not support statements preceding the '-- migrate:up' block)",
      ],
      [
        "-- migrate:down\nSELECT 0;\n-- migrate:up\nSELECT 1;\n",
        "migration 1_a.sql line 1: -- migrate:down comes before -- migrate:up (dbmate requires '-- migrate:up' to appear before '-- migrate:down')",
      ],
    ];
    for (const [text, message] of cases) {
      const dir = await folder({ "1_a.sql": text });
      expect((await sourceError(dbmateSource.read(dir))).message).toBe(message);
    }
  });

  it("refuses two files with the same version", async () => {
    const dir = await folder({
      "20240101000000_a.sql": "-- migrate:up\nSELECT 1;\n",
      "20240101000000_b.sql": "-- migrate:up\nSELECT 1;\n",
    });
    expect((await sourceError(dbmateSource.read(dir))).message).toBe(
      `two migrations in ${dir} have version 20240101000000: 20240101000000_a.sql and 20240101000000_b.sql; give each migration its own version`,
    );
  });
});

describe("Prisma source", () => {
  it("reads one folder per migration, known by the folder name", async () => {
    const dir = join(FIXTURES, "prisma-basic");
    const messages: string[] = [];
    const migrations = await prismaSource.read(dir, { log: (m) => messages.push(m) });
    expect(migrations.map((m) => [m.file, m.version, m.description, m.timestamp])).toEqual([
      [
        "20240102090000_init/migration.sql",
        "20240102090000_init",
        "init",
        "2024-01-02T09:00:00.000Z",
      ],
      [
        "20240215143000_add_orders/migration.sql",
        "20240215143000_add_orders",
        "add_orders",
        "2024-02-15T14:30:00.000Z",
      ],
      [
        "20240301080000_orders_status_index/migration.sql",
        "20240301080000_orders_status_index",
        "orders_status_index",
        "2024-03-01T08:00:00.000Z",
      ],
    ]);
    expect(messages).toEqual([]);
  });

  it("stores Prisma's checksum: sha256 of the script as is, CRLF, BOM and trailing spaces included", async () => {
    const script = Buffer.from('\uFEFFCREATE TABLE "T" ("id" INTEGER);  \r\n-- café\t\r\n', "utf8");
    const dir = await folder({ "20240101000000_t/migration.sql": script });
    const [migration] = await prismaSource.read(dir);
    // Prisma hashes the file's text without normalizing it (prisma-engines checksum.rs
    // render_checksum: Sha256 of the script, lowercase zero-padded hex), so the stored value is
    // the sha256 of the bytes on disk; computed here with `sha256sum` when the test was written.
    const expected = "08dbad48e1201df9e7d53014be1014c6d34c835c86c48889a2de457fc349b5f4";
    expect(createHash("sha256").update(script).digest("hex")).toBe(expected);
    expect(migration?.toolChecksum).toBe(expected);
    expect(migration?.checksum).toBe(`sha256:${expected}`);
  });

  it("matches a stored checksum as Prisma does, across line endings", () => {
    const crlf = "CREATE TABLE t ();\r\nSELECT 1;\r\n";
    const lf = "CREATE TABLE t ();\nSELECT 1;\n";
    const hex = (text: string) => createHash("sha256").update(text).digest("hex");
    expect(prismaChecksumMatches(crlf, hex(lf))).toBe(true);
    expect(prismaChecksumMatches(lf, hex(crlf))).toBe(true);
    expect(prismaChecksumMatches(lf, hex(`${lf} `))).toBe(false);
    // rows written before prisma-engines fixed issue 1887 hold hex without zero padding
    let script = lf;
    while (
      !createHash("sha256")
        .update(script)
        .digest()
        .some((byte) => byte < 16)
    )
      script += "\n";
    const unpadded = [...createHash("sha256").update(script).digest()]
      .map((byte) => byte.toString(16))
      .join("");
    expect(unpadded.length).toBeLessThan(64);
    expect(prismaChecksumMatches(script, unpadded)).toBe(true);
    expect(prismaChecksumMatches(script, hex(script))).toBe(true);
  });

  it("refuses a migration folder without migration.sql and a folder with no migrations", async () => {
    const dir = await folder({
      "20240101000000_a/migration.sql": "SELECT 1;",
      "20240102000000_b/notes.txt": "",
    });
    const error = await sourceError(prismaSource.read(dir));
    expect(error.path).toBe(join(dir, "20240102000000_b"));
    expect(error.message).toBe(
      `Prisma migration folder 20240102000000_b has no migration.sql: every folder in ${dir} is a migration (<timestamp>_<name>/migration.sql folders)`,
    );
    const none = await folder({ "migration_lock.toml": 'provider = "postgresql"\n' });
    expect((await sourceError(prismaSource.read(none))).message).toBe(
      `no migrations found in ${none} (looked for <timestamp>_<name>/migration.sql folders)`,
    );
  });

  it("refuses a migration.sql that cannot be read", async () => {
    const dir = await folder({});
    await mkdir(join(dir, "20240101000000_a"));
    await symlink(join(dir, "gone.sql"), join(dir, "20240101000000_a", "migration.sql"));
    const error = await sourceError(prismaSource.read(dir));
    expect(error.message).toBe(
      `cannot read migration ${join(dir, "20240101000000_a", "migration.sql")}: it does not exist`,
    );
  });
});

describe("node-pg-migrate source", () => {
  it("orders by the numeric prefix (epoch ms or UTC digits), the up section only", async () => {
    const dir = join(FIXTURES, "node-pg-migrate-basic");
    const migrations = await nodePgMigrateSource.read(dir);
    expect(migrations.map((m) => [m.file, m.version, m.description, m.timestamp])).toEqual([
      [
        "1704186000000_create-users.sql",
        "1704186000000_create-users",
        "create-users",
        "2024-01-02T09:00:00.000Z",
      ],
      [
        "1708007400000_add-orders.sql",
        "1708007400000_add-orders",
        "add-orders",
        "2024-02-15T14:30:00.000Z",
      ],
      [
        "20240301080000123_orders-created-at.sql",
        "20240301080000123_orders-created-at",
        "orders-created-at",
        "2024-03-01T08:00:00.123Z",
      ],
    ]);
    const last = migrations[2]?.sql ?? "";
    // the comment line before the marker is not applied (its line break keeps line numbers);
    // the blank line before -- Down Migration belongs to the marker's match, as in node-pg-migrate
    expect(last).toBe(
      "\n-- Up Migration\nALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n",
    );
    expect(last).not.toContain("DROP COLUMN");
  });

  it("applies the whole file when it has no up marker, as node-pg-migrate does", async () => {
    const dir = await folder({
      "1_a.sql": "CREATE TABLE a ();\n",
      "2_b.sql": "-- Down Migration\nDROP TABLE a;\n-- up migration\nCREATE TABLE b ();\n",
    });
    const messages: string[] = [];
    const [a, b] = await nodePgMigrateSource.read(dir, { log: (m) => messages.push(m) });
    expect(a?.sql).toBe("CREATE TABLE a ();\n");
    expect(b?.sql).toBe("\n\n-- up migration\nCREATE TABLE b ();\n");
    expect(messages).toEqual([]);
  });

  it("refuses JavaScript migrations, naming the file", async () => {
    const dir = await folder({ "1_a.sql": "SELECT 1;", "2_b.js": "exports.up = () => {};" });
    const error = await sourceError(nodePgMigrateSource.read(dir));
    expect(error.path).toBe(join(dir, "2_b.js"));
    expect(error.message).toMatch(
      /^migration 2_b\.js is JavaScript\/TypeScript: pgdrift applies SQL and cannot run it;/,
    );
  });

  it("refuses a SQL file without a numeric prefix", async () => {
    const dir = await folder({ "1_a.sql": "SELECT 1;", "init.sql": "SELECT 1;" });
    expect((await sourceError(nodePgMigrateSource.read(dir))).message).toBe(
      "invalid node-pg-migrate migration name init.sql: expected <timestamp>_<name>.sql (node-pg-migrate orders migrations by that number)",
    );
  });
});

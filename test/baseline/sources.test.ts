import { createHash } from "node:crypto";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../shared/baseline/sources/index.ts";
import { plainSqlSource } from "../../shared/baseline/sources/plain-sql.ts";
import { sourceError, temporaryFolders } from "./folders.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");
const BASIC = join(FIXTURES, "basic");

const tempFolder = temporaryFolders("sources");

describe("plain SQL source", () => {
  it("reads the top-level .sql files in order, with versions and checksums of the bytes", async () => {
    const migrations = await plainSqlSource.read(BASIC);
    expect(migrations.map((m) => [m.file, m.version])).toEqual([
      ["001_schema.sql", "001_schema"],
      ["002_orders.sql", "002_orders"],
      ["003_orders_index.sql", "003_orders_index"],
      ["004_grants.sql", "004_grants"],
    ]);
    for (const migration of migrations) {
      const bytes = await readFile(join(BASIC, migration.file));
      expect(migration.checksum).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    }
  });

  it("strips the byte order mark from the text but not from the checksum", async () => {
    const [first] = await plainSqlSource.read(BASIC);
    const bytes = await readFile(join(BASIC, "001_schema.sql"));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(first?.sql.startsWith("-- 001: the app schema")).toBe(true);
    expect(first?.sql).toBe(bytes.subarray(3).toString("utf8"));
    expect(first?.checksum).not.toBe(
      `sha256:${createHash("sha256").update(bytes.subarray(3)).digest("hex")}`,
    );
  });

  it("says which entries it ignored", async () => {
    const messages: string[] = [];
    await plainSqlSource.read(BASIC, { log: (message) => messages.push(message) });
    expect(messages).toEqual([
      `ignored 2 entries in ${BASIC} (not a top-level .sql file): README.md, drafts/`,
    ]);
  });

  it("orders by the bytes of the file names, not numerically or by locale", async () => {
    const dir = await tempFolder({
      "b.sql": "SELECT 1;",
      "a9.sql": "SELECT 1;",
      "ä.sql": "SELECT 1;",
      "B.sql": "SELECT 1;",
      "a10.sql": "SELECT 1;",
      "\u{ff21}.sql": "SELECT 1;",
      "\u{1f600}.sql": "SELECT 1;",
    });
    const migrations = await plainSqlSource.read(dir);
    // UTF-16 order would put U+FF21 after U+1F600 (a surrogate pair starts with 0xD83D)
    expect(migrations.map((m) => m.file)).toEqual([
      "B.sql",
      "a10.sql",
      "a9.sql",
      "b.sql",
      "ä.sql",
      "\u{ff21}.sql",
      "\u{1f600}.sql",
    ]);
  });

  it("refuses a folder that does not exist", async () => {
    const missing = join(tmpdir(), "pgdrift-no-such-folder-1f3a");
    const error = await sourceError(plainSqlSource.read(missing));
    expect(error.message).toBe(`migrations folder ${missing} cannot be read: it does not exist`);
    expect(error.path).toBe(missing);
  });

  it("refuses a file given as the folder", async () => {
    const file = join(BASIC, "002_orders.sql");
    const error = await sourceError(plainSqlSource.read(file));
    expect(error.message).toBe(`migrations folder ${file} is not a folder`);
  });

  it("refuses a folder without .sql files", async () => {
    const dir = await tempFolder({ "README.md": "nothing here", "001_init.SQL.bak": "x" });
    const error = await sourceError(plainSqlSource.read(dir));
    expect(error.message).toBe(`no migrations found in ${dir} (looked for *.sql)`);
  });

  it("refuses a .sql file that cannot be read, naming it", async () => {
    const dir = await tempFolder({ "001_ok.sql": "SELECT 1;" });
    await symlink(join(dir, "gone.sql"), join(dir, "002_broken.sql"));
    const error = await sourceError(plainSqlSource.read(dir));
    expect(error.path).toBe(join(dir, "002_broken.sql"));
    expect(error.message).toBe(
      `cannot read migration ${join(dir, "002_broken.sql")}: it does not exist`,
    );
  });

  it("refuses a file that is not UTF-8", async () => {
    const dir = await tempFolder({ "001_latin1.sql": Buffer.from([0x2d, 0x2d, 0x20, 0xe9, 0x0a]) });
    const error = await sourceError(plainSqlSource.read(dir));
    expect(error.message).toBe(
      `migration ${join(dir, "001_latin1.sql")} is not valid UTF-8: save it as UTF-8`,
    );
  });

  it("ignores sub-folders even when they are named *.sql", async () => {
    const dir = await tempFolder({ "001_a.sql": "SELECT 1;" });
    await mkdir(join(dir, "002_folder.sql"));
    const migrations = await plainSqlSource.read(dir);
    expect(migrations.map((m) => m.file)).toEqual(["001_a.sql"]);
  });
});

describe("readMigrations", () => {
  it("reads auto and sql folders as plain SQL", async () => {
    const auto = await readMigrations(BASIC);
    const sql = await readMigrations(BASIC, "sql");
    expect(auto.format).toBe("sql");
    expect(sql.format).toBe("sql");
    expect(auto.migrations).toEqual(sql.migrations);
    expect(auto.migrations).toHaveLength(4);
  });

  it("reads a folder as the format it is given, even when auto would read it otherwise", async () => {
    const dir = await tempFolder({ "V1__init.sql": "CREATE TABLE t (id int);" });
    expect((await readMigrations(dir)).format).toBe("flyway");
    const set = await readMigrations(dir, "sql");
    expect(set.format).toBe("sql");
    expect(set.migrations.map((m) => m.version)).toEqual(["V1__init"]);
  });

  it("refuses as plain SQL a file with another tool's up/down sections: its down section would run", async () => {
    const folder = join(FIXTURES, "node-pg-migrate-basic");
    const error = await sourceError(readMigrations(folder, "sql"));
    expect(error.message).toMatch(
      /^\S+node-pg-migrate-basic\/\d+_[\w-]+\.sql line \d+: an up\/down section marker of node-pg-migrate \(-- Up Migration \/ -- Down Migration\): use --format node-pg-migrate; as plain SQL its down section would be applied too$/,
    );
    for (const [text, tool] of [
      ["-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n", "dbmate"],
      ["-- +goose Up\nCREATE TABLE t ();\n", "goose"],
      ["-- +migrate Up\nCREATE TABLE t ();\n", "sql-migrate"],
    ] as const) {
      const dir = await tempFolder({
        "001_ok.sql": "SELECT 1;",
        "002_t.sql": `SELECT 2;\n${text}`,
      });
      const refused = await sourceError(readMigrations(dir, "sql"));
      expect(refused.message).toContain(`002_t.sql line 2: an up/down section marker of ${tool}`);
    }
  });

  it("refuses an unknown format", async () => {
    const error = await sourceError(readMigrations(BASIC, "liquibase" as "sql"));
    expect(error.message).toBe(
      'unknown migration format "liquibase": use one of auto, sql, flyway, golang-migrate, dbmate, prisma, node-pg-migrate',
    );
  });
});

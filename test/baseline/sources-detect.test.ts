import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat } from "../../shared/baseline/sources/detect.ts";
import { readMigrations } from "../../shared/baseline/sources/index.ts";
import { sourceError, temporaryFolders } from "./folders.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");

const folder = temporaryFolders("detect");

describe("--format auto", () => {
  it("recognises each fixture folder", async () => {
    const cases = {
      "flyway-basic": "flyway",
      "golang-migrate-basic": "golang-migrate",
      "dbmate-basic": "dbmate",
      "prisma-basic": "prisma",
      "node-pg-migrate-basic": "node-pg-migrate",
      basic: "sql",
    };
    for (const [fixture, format] of Object.entries(cases)) {
      const messages: string[] = [];
      const set = await readMigrations(join(FIXTURES, fixture), "auto", {
        log: (m) => messages.push(m),
      });
      expect([fixture, set.format]).toEqual([fixture, format]);
      expect(messages[0]).toBe(`recognised ${join(FIXTURES, fixture)} as ${format} migrations`);
      expect(set.migrations.length).toBeGreaterThan(0);
    }
  });

  it("recognises each layout by its own marks", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ "sql/V1__init.sql": "SELECT 1;" }, "flyway"],
      [{ "R__views.sql": "SELECT 1;" }, "flyway"],
      [{ "1_init.up.sql": "SELECT 1;" }, "golang-migrate"],
      [{ "1_init.sql": "-- migrate:up\nSELECT 1;\n" }, "dbmate"],
      // Saved by an editor that writes a byte order mark, with Windows line endings.
      [{ "1_init.sql": "\uFEFF-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n" }, "dbmate"],
      [{ "20240101000000_init/migration.sql": "SELECT 1;" }, "prisma"],
      [{ "migration_lock.toml": "" }, "prisma"],
      [{ "1700000000000_init.sql": "-- Up Migration\nSELECT 1;\n" }, "node-pg-migrate"],
      [{ "1700000000000_init.js": "exports.up = () => {};" }, "node-pg-migrate"],
      [{ "001_init.sql": "SELECT 1;", "V_notes.txt": "" }, "sql"],
    ];
    for (const [files, format] of cases) {
      expect([Object.keys(files), await detectFormat(await folder(files))]).toEqual([
        Object.keys(files),
        format,
      ]);
    }
  });

  it("refuses a folder holding two tools' migrations, naming what it found", async () => {
    const dir = await folder({
      "V1__init.sql": "SELECT 1;",
      "2_orders.up.sql": "SELECT 1;",
    });
    const error = await sourceError(detectFormat(dir));
    expect(error.path).toBe(dir);
    expect(error.message).toBe(
      `cannot tell which migration tool ${dir} belongs to: it holds files of flyway (V1__init.sql), golang-migrate (2_orders.up.sql); name the format with --format`,
    );
  });

  it("refuses a folder with no recognizable migrations, saying what it looked for", async () => {
    const dir = await folder({ "README.md": "", "seed.csv": "" });
    const error = await sourceError(readMigrations(dir));
    expect(error.message).toBe(
      `no migrations found in ${dir} (looked for Flyway V<version>__<description>.sql, golang-migrate <version>_<name>.up.sql, dbmate files with -- migrate:up, Prisma <timestamp>_<name>/migration.sql, node-pg-migrate <timestamp>_<name>.sql with -- Up Migration, or plain *.sql files)`,
    );
  });

  it("points at a migrations sub-folder when given the project's folder", async () => {
    const dir = await folder({
      "schema.prisma": 'datasource db { provider = "postgresql" }',
      "migrations/20240101000000_init/migration.sql": "CREATE TABLE t (id int);",
      "migrations/migration_lock.toml": 'provider = "postgresql"',
    });
    const error = await sourceError(readMigrations(dir));
    expect(error.message).toMatch(/\); did you mean --migrations \S+\/migrations\?$/);
    expect((await readMigrations(join(dir, "migrations"))).format).toBe("prisma");
  });

  it("refuses a missing folder with the folder's own error", async () => {
    const missing = join(tmpdir(), "pgdrift-no-such-folder-9c1d");
    const error = await sourceError(readMigrations(missing));
    expect(error.message).toBe(`migrations folder ${missing} cannot be read: it does not exist`);
  });
});

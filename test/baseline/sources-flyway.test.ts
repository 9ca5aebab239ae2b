// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flyway placeholders are written ${name}, literally
import { symlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { detectFormat } from "../../shared/baseline/sources/detect.ts";
import { flywaySource } from "../../shared/baseline/sources/flyway.ts";
import { parseFlywayConf, parseFlywayToml } from "../../shared/baseline/sources/flyway-conf.ts";
import {
  compareFlywayVersions,
  flywayChecksum,
  parseFlywayVersion,
  replacePlaceholders,
} from "../../shared/baseline/sources/flyway-text.ts";
import { readMigrations } from "../../shared/baseline/sources/index.ts";
import { sourceError, temporaryFolders } from "./folders.ts";

const FIXTURE = join(import.meta.dirname, "../fixtures/migrations/flyway-basic");
const NOW = new Date(2025, 0, 2, 3, 4, 5);

const folder = temporaryFolders("flyway");

/**
 * Flyway's checksum, computed independently of pgdrift's code: split the text into lines the
 * way java.io.BufferedReader.readLine() does (a line ends at LF, CR, or CR LF, the terminator
 * is dropped, and a final terminator does not start an empty line), drop a byte order mark from
 * the first line (BomFilter), CRC-32 the lines' UTF-8 bytes one after another
 * (java.util.zip.CRC32, which is zlib's CRC-32) and cast to a Java int (`| 0`).
 */
function javaLines(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || c === "\r") {
      lines.push(current);
      current = "";
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else current += c;
  }
  if (current !== "") lines.push(current);
  return lines;
}

function expectedFlywayChecksum(bytes: Buffer): number {
  const lines = javaLines(bytes.toString("utf8"));
  if (lines[0]?.startsWith("\uFEFF")) lines[0] = lines[0].slice(1);
  let crc = 0;
  for (const line of lines) crc = zlibCrc32(Buffer.from(line, "utf8"), crc);
  return crc | 0;
}

describe("Flyway version ordering", () => {
  const order = (versions: string[]) =>
    versions
      .map((v) => parseFlywayVersion(v))
      .map((v) => {
        expect(v).not.toBeNull();
        return v as NonNullable<typeof v>;
      })
      .sort(compareFlywayVersions)
      .map((v) => v.text);

  it("compares part by part, numerically", () => {
    expect(order(["1.10", "2", "1.9", "1.2.3", "1", "10", "1.1"])).toEqual([
      "1",
      "1.1",
      "1.2.3",
      "1.9",
      "1.10",
      "2",
      "10",
    ]);
  });

  it("reads underscores as dots and keeps the text Flyway stores", () => {
    expect(parseFlywayVersion("1_1")?.text).toBe("1.1");
    expect(parseFlywayVersion("2024_01_02")?.text).toBe("2024.01.02");
    const [a, b] = [parseFlywayVersion("1_1"), parseFlywayVersion("1.1")];
    expect(compareFlywayVersions(a as NonNullable<typeof a>, b as NonNullable<typeof b>)).toBe(0);
  });

  it("treats trailing zero parts as absent (1.0 is 1) and compares beyond 64 bits", () => {
    const [a, b] = [parseFlywayVersion("1.0.0"), parseFlywayVersion("1")];
    expect(compareFlywayVersions(a as NonNullable<typeof a>, b as NonNullable<typeof b>)).toBe(0);
    expect(order(["18446744073709551617", "18446744073709551616"])).toEqual([
      "18446744073709551616",
      "18446744073709551617",
    ]);
  });

  it("refuses what is not a version", () => {
    for (const raw of ["", "1..2", "1.a", "v1", "1-2", "1."]) {
      expect(parseFlywayVersion(raw)).toBeNull();
    }
  });
});

describe("Flyway checksum parity", () => {
  // A UTF-8 BOM, CRLF line endings, trailing spaces and tabs, a blank line, non-ASCII text.
  const crlf = Buffer.from(
    "\uFEFFCREATE TABLE t (\r\n  id int  \r\n);\t \r\n\r\n-- café\r\n",
    "utf8",
  );

  it("matches the CRC-32 Flyway computes over its lines", () => {
    const expected = expectedFlywayChecksum(crlf);
    // The same value java.util.zip.CRC32 gives when fed the lines as Flyway's
    // ChecksumCalculator reads them (checked with a JVM when this test was written).
    expect(expected).toBe(-1038782835);
    expect(flywayChecksum(crlf.toString("utf8"))).toBe(expected);
  });

  it("ignores line endings and the BOM, not trailing whitespace", () => {
    const lf = "CREATE TABLE t (\n  id int  \n);\t \n\n-- café\n";
    const cr = "CREATE TABLE t (\r  id int  \r);\t \r\r-- café";
    expect(flywayChecksum(lf)).toBe(-1038782835);
    expect(flywayChecksum(cr)).toBe(-1038782835);
    const trimmed = "CREATE TABLE t (\n  id int\n);\n\n-- café\n";
    expect(flywayChecksum(trimmed)).toBe(expectedFlywayChecksum(Buffer.from(trimmed)));
    expect(flywayChecksum(trimmed)).toBe(-913837721);
    expect(flywayChecksum("")).toBe(0);
  });

  it("is stored by the source as Flyway stores it: on the raw file for versioned migrations", async () => {
    const dir = await folder({
      "V1__init.sql": crlf,
      "V2__schema.sql": "CREATE SCHEMA ${flyway:defaultSchema}_extra;\n",
    });
    const [v1, v2] = await flywaySource.read(dir, { now: NOW });
    expect(v1?.toolChecksum).toBe(-1038782835);
    expect(v2?.sql).toBe("CREATE SCHEMA public_extra;\n");
    // versioned: placeholders are not replaced before checksumming
    expect(v2?.toolChecksum).toBe(
      expectedFlywayChecksum(Buffer.from("CREATE SCHEMA ${flyway:defaultSchema}_extra;\n")),
    );
  });

  it("checksums repeatable migrations after placeholder replacement", async () => {
    const text = "GRANT SELECT ON accounts TO ${reader};\r\n";
    const dir = await folder({ "V1__a.sql": "SELECT 1;", "R__grants.sql": text });
    const read = (reader: string) =>
      flywaySource.read(dir, { placeholders: { reader }, now: NOW }).then((m) => m[1]);
    const alice = await read("alice");
    expect(alice?.kind).toBe("repeatable");
    expect(alice?.toolChecksum).toBe(
      expectedFlywayChecksum(Buffer.from("GRANT SELECT ON accounts TO alice;\r\n")),
    );
    expect((await read("bob"))?.toolChecksum).not.toBe(alice?.toolChecksum);
    const off = await flywaySource.read(dir, { placeholderReplacement: false });
    expect(off[1]?.sql).toBe(text);
    expect(off[1]?.toolChecksum).toBe(expectedFlywayChecksum(Buffer.from(text)));
  });
});

describe("Flyway placeholders", () => {
  const values = new Map([
    ["schema", "app"],
    ["empty", ""],
  ]);

  it("replaces everywhere, inserting values verbatim", () => {
    expect(replacePlaceholders("-- ${schema}\nSELECT '${schema}.${empty}x'", values)).toEqual({
      ok: true,
      text: "-- app\nSELECT 'app.x'",
    });
    expect(replacePlaceholders("${schema}", new Map([["schema", "${schema}"]]))).toEqual({
      ok: true,
      text: "${schema}",
    });
  });

  it("leaves $${name} alone, as Flyway's reader skips the character after a lone $", () => {
    expect(replacePlaceholders("$$${schema}$x", values)).toEqual({
      ok: true,
      text: "$$app$x",
    });
    expect(replacePlaceholders("$${schema}", values)).toEqual({ ok: true, text: "$${schema}" });
  });

  it("reports an unknown placeholder with its line", () => {
    expect(replacePlaceholders("SELECT 1;\n\nSELECT '${nope}';", values)).toEqual({
      ok: false,
      problem: { placeholder: "${nope}", name: "nope", line: 3, unterminated: false },
    });
  });

  it("fills Flyway's own placeholders, and takes the user's and overrides from the options", async () => {
    const dir = await folder({
      "V1__a.sql":
        "-- ${flyway:defaultSchema} ${flyway:table} ${flyway:timestamp} ${flyway:filename}\n-- ${flyway:workingDirectory}\n-- ${flyway:user}@${flyway:database} ${owner}",
    });
    const [migration] = await flywaySource.read(dir, {
      now: NOW,
      placeholders: {
        "flyway:user": "deploy",
        "flyway:database": "shop",
        "flyway:table": "schema_history",
        owner: "app_owner",
      },
    });
    expect(migration?.sql).toBe(
      `-- public schema_history 2025-01-02 03:04:05 V1__a.sql\n-- ${process.cwd()}\n-- deploy@shop app_owner`,
    );
  });

  it("fails as Flyway fails on a placeholder without a value, naming file and line", async () => {
    const dir = await folder({ "sub/V1__a.sql": "SELECT 1;\nSELECT '${tenant}';\n" });
    const error = await sourceError(flywaySource.read(dir));
    expect(error.path).toBe(join(dir, "sub/V1__a.sql"));
    expect(error.message).toBe(
      "migration sub/V1__a.sql line 2: no value provided for placeholder ${tenant}: give it as Flyway does (flyway.placeholders.tenant)",
    );
  });

  it("asks for the value of a placeholder Flyway reads from its connection", async () => {
    const dir = await folder({ "V1__a.sql": "GRANT ALL ON SCHEMA public TO ${flyway:user};" });
    const error = await sourceError(flywaySource.read(dir));
    expect(error.message).toBe(
      "migration V1__a.sql line 1: Flyway fills ${flyway:user} from its connection and pgdrift cannot know it: give its value as placeholder flyway:user",
    );
  });
});

describe("Flyway source", () => {
  it("reads the fixture in Flyway's order: versioned by version, sub-folders included, then repeatables", async () => {
    const messages: string[] = [];
    const migrations = await flywaySource.read(FIXTURE, {
      now: NOW,
      log: (m) => messages.push(m),
    });
    expect(migrations.map((m) => [m.file, m.kind, m.version, m.description])).toEqual([
      ["V1__create_accounts.sql", "versioned", "1", "create accounts"],
      ["V1.1__accounts_created_at.sql", "versioned", "1.1", "accounts created at"],
      ["V1.9__accounts_email_lower.sql", "versioned", "1.9", "accounts email lower"],
      ["V1.10__accounts_display_name.sql", "versioned", "1.10", "accounts display name"],
      ["2024/V2__orders.sql", "versioned", "2", "orders"],
      ["2024/V2_1__orders_account_index.sql", "versioned", "2.1", "orders account index"],
      ["R__account_totals.sql", "repeatable", "account totals", "account totals"],
      ["R__accounts_comment.sql", "repeatable", "accounts comment", "accounts comment"],
    ]);
    expect(messages).toEqual([
      `ignored 2 entries in ${FIXTURE} (not run by flyway migrate): README.md, U1.1__drop_created_at.sql (undo migration)`,
    ]);
    expect(migrations.every((m) => m.timestamp === null)).toBe(true);
    expect(migrations.map((m) => m.transaction)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      false,
      undefined,
      undefined,
    ]);
  });

  it("places callbacks where flyway migrate runs them", async () => {
    const migrations = await flywaySource.read(FIXTURE, { now: NOW });
    const around = migrations.map((m) => [
      (m.before ?? []).map((s) => s.file),
      (m.after ?? []).map((s) => s.file),
    ]);
    const each = ["afterEachMigrate.sql"];
    expect(around).toEqual([
      [["beforeMigrate.sql"], each],
      [[], each],
      [[], each],
      [[], each],
      [[], each],
      [[], each],
      [[], each],
      [[], ["afterEachMigrate.sql", "afterMigrate__comment.sql"]],
    ]);
  });

  it("orders several callbacks of one event, runs afterVersioned and beforeRepeatables between", async () => {
    const dir = await folder({
      "V1__a.sql": "SELECT 1;",
      "V2__b.sql": "SELECT 2;",
      "R__c.sql": "SELECT 3;",
      "afterMigrate__b.sql": "SELECT 'b';",
      "afterMigrate.sql": "SELECT 'plain';",
      "callbacks/afterMigrate__a.sql": "SELECT 'a';",
      "afterVersioned.sql": "SELECT 'v';",
      "beforeRepeatables.sql": "SELECT 'r';",
      "afterClean.sql": "SELECT 'never';",
    });
    const [v1, v2, r] = await flywaySource.read(dir);
    expect(v1?.before).toBeUndefined();
    expect(v2?.after?.map((s) => s.file)).toEqual(["afterVersioned.sql"]);
    expect(r?.before?.map((s) => s.file)).toEqual(["beforeRepeatables.sql"]);
    expect(r?.after?.map((s) => s.file)).toEqual([
      "afterMigrate.sql",
      "callbacks/afterMigrate__a.sql",
      "afterMigrate__b.sql",
    ]);
  });

  it("orders repeatables by description, after every versioned migration", async () => {
    const dir = await folder({
      "R__b_view.sql": "SELECT 1;",
      "R__a_view.sql": "SELECT 1;",
      "z/V10__late.sql": "SELECT 1;",
      "V9__early.sql": "SELECT 1;",
      "R__B_upper.sql": "SELECT 1;",
    });
    const migrations = await flywaySource.read(dir);
    expect(migrations.map((m) => m.file)).toEqual([
      "V9__early.sql",
      "z/V10__late.sql",
      "R__B_upper.sql",
      "R__a_view.sql",
      "R__b_view.sql",
    ]);
  });

  it("refuses an invalid name, naming the file", async () => {
    for (const [name, problem] of [
      ["V1_init.sql", 'no "__" between the version and the description'],
      ["V1.x__init.sql", '"1.x" is not a version (digits separated by . or _)'],
      ["R1__view.sql", "a repeatable migration has no version (R__<description>.sql)"],
    ] as const) {
      const dir = await folder({ "V0__ok.sql": "SELECT 1;", [`sub/${name}`]: "SELECT 1;" });
      const error = await sourceError(flywaySource.read(dir));
      expect(error.path).toBe(join(dir, "sub", name));
      expect(error.message).toBe(
        `invalid Flyway migration name sub/${name}: ${problem}; expected V<version>__<description>.sql, B<version>__<description>.sql or R__<description>.sql (version: digits separated by . or _)`,
      );
    }
  });

  it("refuses two migrations with the same version, even written differently", async () => {
    const dir = await folder({ "V1__a.sql": "SELECT 1;", "old/V1.0__b.sql": "SELECT 1;" });
    const error = await sourceError(flywaySource.read(dir));
    expect(error.message).toBe(
      `two migrations in ${dir} have version 1: V1__a.sql and old/V1.0__b.sql (1.0 is 1); give each migration its own version`,
    );
  });

  it("refuses two repeatables with one description and two callbacks with one name", async () => {
    const repeatables = await folder({
      "R__views.sql": "SELECT 1;",
      "old/R__views.sql": "SELECT 1;",
    });
    expect((await sourceError(flywaySource.read(repeatables))).message).toBe(
      `two migrations in ${repeatables} have description views: R__views.sql and old/R__views.sql; give each migration its own description`,
    );
    const callbacks = await folder({
      "V1__a.sql": "SELECT 1;",
      "a/afterMigrate.sql": "SELECT 1;",
      "b/afterMigrate.sql": "SELECT 1;",
    });
    const error = await sourceError(flywaySource.read(callbacks));
    expect(error.path).toBe(join(callbacks, "b/afterMigrate.sql"));
    expect(error.message).toBe(
      `two Flyway callbacks in ${callbacks} are named afterMigrate.sql: a/afterMigrate.sql and b/afterMigrate.sql (Flyway refuses more than one SQL callback script of a name)`,
    );
  });

  it("refuses a folder with no Flyway migrations, and a file that cannot be read", async () => {
    const empty = await folder({ "U1__undo.sql": "SELECT 1;", "notes.sql": "SELECT 1;" });
    expect((await sourceError(flywaySource.read(empty))).message).toBe(
      `no migrations found in ${empty} (looked for V<version>__<description>.sql, B<version>__<description>.sql or R__<description>.sql (version: digits separated by . or _))`,
    );
    const broken = await folder({ "V1__a.sql": "SELECT 1;" });
    await symlink(join(broken, "gone.sql"), join(broken, "V2__gone.sql"));
    const error = await sourceError(flywaySource.read(broken));
    expect(error.message).toBe(
      `cannot read migration ${join(broken, "V2__gone.sql")}: it does not exist`,
    );
  });

  it("refuses statement-level callbacks it cannot reproduce", async () => {
    const dir = await folder({ "V1__a.sql": "SELECT 1;", "beforeEachMigrateStatement.sql": "" });
    const error = await sourceError(flywaySource.read(dir));
    expect(error.path).toBe(join(dir, "beforeEachMigrateStatement.sql"));
    expect(error.message).toMatch(
      /^Flyway callback beforeEachMigrateStatement\.sql runs around every SQL statement/,
    );
  });

  it("is what readMigrations returns for --format flyway", async () => {
    const set = await readMigrations(FIXTURE, "flyway", { now: NOW });
    expect(set.format).toBe("flyway");
    expect(set.migrations).toEqual(await flywaySource.read(FIXTURE, { now: NOW }));
  });
});

describe("Flyway baseline migrations (B…)", () => {
  const V = (n: number) => `CREATE TABLE t${n} (id int);\n`;

  it("start a fresh database: the latest B, then the versioned migrations above it, then repeatables", async () => {
    const dir = await folder({
      "V1__a.sql": V(1),
      "V2__b.sql": V(2),
      "old/B1__first.sql": "SELECT 'older baseline';",
      "V3__c.sql": V(3),
      "B3__baseline.sql":
        "CREATE TABLE t1 (id int); CREATE TABLE t2 (id int); CREATE TABLE t3 (id int);",
      "V4__d.sql": V(4),
      "R__view.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;",
      "beforeMigrate.sql": "SELECT 'before';",
      "afterVersioned.sql": "SELECT 'versioned';",
    });
    const messages: string[] = [];
    const migrations = await flywaySource.read(dir, { log: (m) => messages.push(m) });
    expect(migrations.map((m) => [m.file, m.kind, m.version, m.recordOnly ?? false])).toEqual([
      ["B3__baseline.sql", "versioned", "3", false],
      ["V1__a.sql", "versioned", "1", true],
      ["V2__b.sql", "versioned", "2", true],
      ["V3__c.sql", "versioned", "3", true],
      ["V4__d.sql", "versioned", "4", false],
      ["R__view.sql", "repeatable", "view", false],
    ]);
    const [b3, , , v3, v4, r] = migrations;
    // the B migration's checksum is Flyway's, as stored in its SQL_BASELINE row
    expect(b3?.toolChecksum).toBe(
      expectedFlywayChecksum(
        Buffer.from(
          "CREATE TABLE t1 (id int); CREATE TABLE t2 (id int); CREATE TABLE t3 (id int);",
        ),
      ),
    );
    expect(b3?.description).toBe("baseline");
    // callbacks around what is applied: beforeMigrate before B3, afterVersioned after V4
    expect(b3?.before?.map((s) => s.file)).toEqual(["beforeMigrate.sql"]);
    expect(v3?.before).toBeUndefined();
    expect(v4?.after?.map((s) => s.file)).toEqual(["afterVersioned.sql"]);
    expect(r?.before).toBeUndefined();
    expect(messages).toEqual([
      `ignored 1 entry in ${dir} (not run by flyway migrate): old/B1__first.sql (an older baseline migration: flyway migrate starts from B3__baseline.sql)`,
      "Flyway baseline migration B3__baseline.sql: a database without history starts from version 3, then the versioned migrations above it; 3 versioned migration(s) at or below it (V1__a.sql … V3__c.sql) are recorded for databases migrated before it, not applied",
    ]);
  });

  it("may stand alone: a folder of B and later V files is read, and recognised, as Flyway", async () => {
    const dir = await folder({ "B5__baseline.sql": V(5), "V6__x.sql": V(6) });
    expect(await detectFormat(dir)).toBe("flyway");
    const only = await folder({ "B5__baseline.sql": V(5) });
    expect(await detectFormat(only)).toBe("flyway");
    const set = await readMigrations(dir);
    expect(set.migrations.map((m) => [m.file, m.version, m.recordOnly ?? false])).toEqual([
      ["B5__baseline.sql", "5", false],
      ["V6__x.sql", "6", false],
    ]);
  });

  it("refuses two baseline migrations of one version", async () => {
    const dir = await folder({ "B5__a.sql": V(1), "x/B5.0__b.sql": V(2), "V6__x.sql": V(6) });
    expect((await sourceError(flywaySource.read(dir))).message).toBe(
      `two migrations in ${dir} have version 5: B5__a.sql and x/B5.0__b.sql (5.0 is 5); give each migration its own version`,
    );
  });
});

describe("Flyway configuration files", () => {
  it("reads flyway.conf's schema settings and placeholders, as Java properties", () => {
    const conf = [
      "# comment",
      "flyway.url=jdbc:postgresql://localhost/shop",
      "flyway.schemas = app, audit",
      "flyway.defaultSchema: app",
      "flyway.createSchemas=false",
      "flyway.placeholders.owner=app_\\",
      "  owner",
      "flyway.placeholderReplacement=true",
      "other.key=x",
    ].join("\n");
    expect(parseFlywayConf("flyway.conf", conf)).toEqual({
      schemas: ["app", "audit"],
      defaultSchema: "app",
      createSchemas: false,
      placeholders: { owner: "app_owner" },
      placeholderReplacement: true,
    });
  });

  it("reads flyway.toml's [flyway] table and the selected environment's schemas", () => {
    const toml = [
      "[environments.default]",
      'url = "jdbc:postgresql://localhost/shop"',
      'schemas = ["ignored"]',
      "",
      "[environments.build]",
      "schemas = [",
      '  "app", # the application',
      "  'audit',",
      "]",
      "",
      "[flyway]",
      'environment = "build"',
      "defaultSchema = 'app'",
      'locations = ["filesystem:sql"]',
      "",
      "[flyway.placeholders]",
      'owner = "app_owner"',
    ].join("\n");
    expect(parseFlywayToml("flyway.toml", toml)).toEqual({
      defaultSchema: "app",
      schemas: ["app", "audit"],
      placeholders: { owner: "app_owner" },
    });
  });

  it("refuses a value Flyway would expand, naming the file and line", () => {
    expect(() => parseFlywayConf("/p/flyway.conf", "\nflyway.defaultSchema=${env.SCHEMA}")).toThrow(
      "Flyway configuration /p/flyway.conf line 2: flyway.defaultSchema = ${env.SCHEMA} uses a value Flyway expands when it runs, which pgdrift does not: write the value itself",
    );
  });

  it("is found beside or above the folder: the schemas to create, the default schema and its placeholder", async () => {
    const root = await folder({
      "flyway.conf": "flyway.schemas=app,audit\nflyway.placeholders.owner=app_owner\n",
      "db/migration/V1__create.sql":
        "CREATE TABLE items (id int);\n-- ${flyway:defaultSchema} ${owner}",
    });
    const messages: string[] = [];
    const set = await readMigrations(join(root, "db/migration"), "auto", {
      log: (m) => messages.push(m),
    });
    expect(set.setup).toEqual({
      createSchemas: ["app", "audit"],
      defaultSchema: "app",
      from: `flyway.schemas in ${join(root, "flyway.conf")}`,
    });
    expect(set.migrations[0]?.sql).toBe("CREATE TABLE items (id int);\n-- app app_owner");
    expect(messages).toContain(
      `read Flyway settings from ${join(root, "flyway.conf")}: schemas app,audit; placeholders owner`,
    );
  });

  it("creates the default schema first when it is not in schemas; createSchemas=false creates none", async () => {
    const dir = await folder({
      "flyway.conf": "flyway.defaultSchema=app\nflyway.schemas=audit\n",
      "V1__a.sql": "SELECT 1;",
    });
    const messages: string[] = [];
    // given as a relative path too: the flyway.conf read is not listed as an ignored entry
    const set = await readMigrations(relative(process.cwd(), dir), "auto", {
      log: (m) => messages.push(m),
    });
    expect(set.setup?.createSchemas).toEqual(["app", "audit"]);
    expect(messages.filter((m) => m.startsWith("ignored"))).toEqual([]);
    const off = await folder({
      "flyway.toml": '[flyway]\ndefaultSchema = "app"\ncreateSchemas = false\n',
      "V1__a.sql": "SELECT 1;",
    });
    expect((await readMigrations(off)).setup).toEqual({
      createSchemas: [],
      defaultSchema: "app",
      from: `flyway.defaultSchema in ${join(off, "flyway.toml")}`,
    });
  });

  it("takes the default schema from --placeholder flyway:defaultSchema, over the file's", async () => {
    const dir = await folder({ "flyway.conf": "flyway.schemas=app\n", "V1__a.sql": "SELECT 1;" });
    const messages: string[] = [];
    const set = await readMigrations(dir, "flyway", {
      placeholders: { "flyway:defaultSchema": "tenant" },
      log: (m) => messages.push(m),
    });
    expect(set.setup).toEqual({
      createSchemas: ["tenant", "app"],
      defaultSchema: "tenant",
      from: "placeholder flyway:defaultSchema",
    });
    expect(messages).toContain(
      `placeholder flyway:defaultSchema=tenant overrides the default schema app of ${join(dir, "flyway.conf")}`,
    );
    // without any setting, nothing is done to the session
    const plain = await folder({ "V1__a.sql": "SELECT 1;" });
    expect((await readMigrations(plain)).setup).toBeUndefined();
  });

  it("reads the file given as flywayConfig instead of looking for one", async () => {
    const conf = await folder({ "conf/flyway.conf": "flyway.defaultSchema=given\n" });
    const dir = await folder({ "flyway.conf": "flyway.defaultSchema=found\n", "V1__a.sql": "" });
    const set = await readMigrations(dir, "flyway", {
      flywayConfig: join(conf, "conf/flyway.conf"),
    });
    expect(set.setup?.defaultSchema).toBe("given");
    const missing = await sourceError(
      readMigrations(dir, "flyway", { flywayConfig: join(conf, "nope.conf") }),
    );
    expect(missing.message).toBe(
      `Flyway configuration ${join(conf, "nope.conf")} cannot be read: it does not exist`,
    );
  });
});

import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { MigrationError, MigrationSourceError } from "../../shared/baseline/errors.ts";
import { readSetupFiles, runSetupFiles } from "../../shared/baseline/setup.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";
import { temporaryFolders } from "./folders.ts";

const folder = temporaryFolders("setup");
const databases: TestDatabase[] = [];

afterEach(async () => {
  for (const db of databases.splice(0)) await db.drop();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("readSetupFiles", () => {
  it("reads each file in order with its checksum and statement count", async () => {
    const sql =
      "CREATE SCHEMA auth;\nCREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid; $$;\n";
    const dir = await folder({ "b.sql": sql, "a.sql": "" });
    const files = await readSetupFiles([join(dir, "b.sql"), join(dir, "a.sql")]);
    expect(files).toEqual([
      {
        file: join(dir, "b.sql"),
        sql,
        checksum: `sha256:${createHash("sha256").update(sql).digest("hex")}`,
        statements: 2,
      },
      expect.objectContaining({ file: join(dir, "a.sql"), statements: 0 }),
    ]);
  });

  it("names a file it cannot read, and where it was given", async () => {
    const dir = await folder();
    const missing = await rejection(
      readSetupFiles([join(dir, "x.sql")], "migrations.setup in c.json"),
    );
    expect(missing).toBeInstanceOf(MigrationSourceError);
    expect((missing as Error).message).toBe(
      `cannot read setup file ${join(dir, "x.sql")} (migrations.setup in c.json): no such file`,
    );
    const folderGiven = await rejection(readSetupFiles([dir]));
    expect((folderGiven as Error).message).toBe(
      `cannot read setup file ${dir} (--setup): it is a folder, not a SQL file`,
    );
  });

  it("refuses a psql meta-command, as for migrations, naming the setup file", async () => {
    const dir = await folder({ "setup.sql": "CREATE SCHEMA auth;\n\\connect other\n" });
    const error = await rejection(readSetupFiles([join(dir, "setup.sql")]));
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^setup file ${join(dir, "setup.sql")} line 2: psql meta-command \\\\connect is not supported: .* — hint: this is a setup file \\(--setup, or migrations\\.setup in the config\\), run before the migrations, not a migration$`,
      ),
    );
  });
});

describe("runSetupFiles", () => {
  it("applies a file that cannot run in a transaction statement by statement, as a migration", async () => {
    const db = await createTestDatabase("setup_conc");
    databases.push(db);
    const sql = `CREATE SCHEMA storage;
CREATE TABLE storage.objects (id bigint PRIMARY KEY, bucket text);
CREATE INDEX CONCURRENTLY objects_bucket_idx ON storage.objects (bucket);
`;
    const dir = await folder({ "storage.sql": sql });
    const messages: string[] = [];
    await runSetupFiles(db.client, await readSetupFiles([join(dir, "storage.sql")]), {
      log: (message) => messages.push(message),
    });
    expect(messages.at(-1)).toBe(
      `ran setup file ${join(dir, "storage.sql")} (3 statements) before the migrations`,
    );
    expect(messages.some((m) => m.includes("cannot run in a transaction"))).toBe(true);
    const { rows } = await db.client.query(
      "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'storage.objects_bucket_idx'::regclass",
    );
    expect(rows).toEqual([{ valid: true }]);
  });

  it("rolls a failing file back, and names its line and SQLSTATE", async () => {
    const db = await createTestDatabase("setup_fail");
    databases.push(db);
    const dir = await folder({ "auth.sql": "CREATE SCHEMA auth;\n\nSELECT auth.nope();\n" });
    const error = await rejection(
      runSetupFiles(db.client, await readSetupFiles([join(dir, "auth.sql")])),
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).sqlstate).toBe("42883");
    expect((error as Error).message).toMatch(
      new RegExp(
        `^setup file ${join(dir, "auth.sql")} line 3: 42883 function auth\\.nope\\(\\) does not exist .*— hint: this is a setup file`,
      ),
    );
    const { rows } = await db.client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'auth'");
    expect(rows).toEqual([]);
  });
});

describe("buildBaseline with setup files", () => {
  it("runs them in a session of their own: what they SET does not reach the migrations", async () => {
    const dir = await folder({
      "migrations/001_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
      "setup.sql":
        "CREATE SCHEMA platform;\nSET search_path = platform;\nCREATE TABLE tenants (id int);\n",
    });
    const messages: string[] = [];
    const snapshot = await buildBaseline({
      migrationsDir: join(dir, "migrations"),
      setupFiles: [join(dir, "setup.sql")],
      scratch: { kind: "server", url: adminUrl() },
      createdAt: "2026-01-01T00:00:00.000Z",
      log: (message) => messages.push(message),
    });
    expect(Object.keys(snapshot.objects.table).sort()).toEqual([
      "platform.tenants",
      "public.users",
    ]);
    expect(
      snapshot.source.kind === "migrations" && snapshot.source.migrations.map((m) => m.file),
    ).toEqual(["001_users.sql"]);
    expect(messages).toContain(
      `ran setup file ${join(dir, "setup.sql")} (3 statements) before the migrations`,
    );
    expect(
      messages.some((m) =>
        /^setup file .*setup\.sql: sha256:[0-9a-f]{64} \(runs before the migrations; not a migration, not recorded in the baseline\)$/.test(
          m,
        ),
      ),
    ).toBe(true);
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { EngineError, MigrationError } from "../../shared/baseline/errors.ts";
import {
  createServerScratch,
  disposeAllScratch,
  liveScratchCount,
} from "../../shared/baseline/scratch.ts";
import { adminUrl } from "../support/db.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");

let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
});

async function databaseExists(name: string): Promise<boolean> {
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return rowCount === 1;
}

async function roleExists(name: string): Promise<boolean> {
  const { rowCount } = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
  return rowCount === 1;
}

/** The scratch database a build named in its log. */
function scratchNameIn(messages: readonly string[]): string {
  for (const message of messages) {
    const name = /^created scratch database (pgdrift_scratch_[0-9a-f]{12}) on /.exec(message)?.[1];
    if (name) return name;
  }
  throw new Error(`no scratch database in the log: ${messages.join(" | ")}`);
}

describe("server scratch database (--scratch-url)", () => {
  it("creates a database on the server and drops it on dispose", async () => {
    const password = new URL(adminUrl()).password;
    const messages: string[] = [];
    const scratch = await createServerScratch(adminUrl(), { log: (m) => messages.push(m) });
    expect(scratch.database).toMatch(/^pgdrift_scratch_[0-9a-f]{12}$/);
    expect(await databaseExists(scratch.database)).toBe(true);
    expect(scratch.major).toBe(inject("pgMajor"));
    expect(scratch.serverVersionNum).toBeGreaterThanOrEqual(inject("pgMajor") * 10_000);
    expect(scratch.description).not.toContain(password);
    expect(messages.join("\n")).not.toContain(password);

    const client = new pg.Client(scratch.connection);
    client.on("error", () => undefined); // dispose terminates this session
    await client.connect();
    const { rows } = await client.query("SELECT current_database() AS db");
    expect(rows[0]?.db).toBe(scratch.database);
    // dispose drops the database even with a session still connected
    await scratch.dispose();
    await client.end().catch(() => undefined);
    expect(await databaseExists(scratch.database)).toBe(false);
    await scratch.dispose();
    expect(messages).toContain(
      `dropped scratch database ${scratch.database} on ${scratch.description.replace(scratch.database, "postgres")}`,
    );
  });

  it("drops its database and the roles it created when a migration fails", async () => {
    const messages: string[] = [];
    const before = liveScratchCount();
    const error = await buildBaseline({
      migrationsDir: join(FIXTURES, "scratch-failing"),
      scratch: { kind: "server", url: adminUrl() },
      createdAt: "2025-01-01T00:00:00.000Z",
      log: (m) => messages.push(m),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      'migration 003_broken.sql line 4: 42703 column "tagg" named in key does not exist',
    );
    expect(messages).toContain('created missing role "pgdrift_fixture_scratch_reader" (NOLOGIN)');
    expect(await databaseExists(scratchNameIn(messages))).toBe(false);
    expect(await roleExists("pgdrift_fixture_scratch_reader")).toBe(false);
    expect(liveScratchCount()).toBe(before);
  });

  it("refuses a schema list naming a schema the migrations do not create", async () => {
    const messages: string[] = [];
    const error = await buildBaseline({
      migrationsDir: join(FIXTURES, "basic"),
      scratch: { kind: "server", url: adminUrl() },
      schemas: ["app", "ap"],
      createdAt: "2025-01-01T00:00:00.000Z",
      log: (m) => messages.push(m),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe("schema_not_created");
    expect((error as Error).message).toMatch(/^the schema list names "ap", which the migrations/);
    expect(await databaseExists(scratchNameIn(messages))).toBe(false);
  });

  it("builds a baseline, scoped to the schemas asked for, and cleans up", async () => {
    const messages: string[] = [];
    const snapshot = await buildBaseline({
      migrationsDir: join(FIXTURES, "basic"),
      scratch: { kind: "server", url: adminUrl() },
      schemas: ["app"],
      createdAt: "2025-01-01T00:00:00.000Z",
      log: (m) => messages.push(m),
    });
    expect(snapshot.scope).toEqual({ schemas: ["app"] });
    expect(Object.keys(snapshot.objects.table).sort()).toEqual(["app.orders", "app.users"]);
    expect(snapshot.objects.index["app.idx_user_orders"]?.valid).toBe(true);
    expect(await databaseExists(scratchNameIn(messages))).toBe(false);
    expect(await roleExists("pgdrift_fixture_basic_reader")).toBe(false);
  });

  it("disposes live scratch databases on demand (the signal handler's path)", async () => {
    const first = await createServerScratch(adminUrl());
    const second = await createServerScratch(adminUrl());
    expect(liveScratchCount()).toBeGreaterThanOrEqual(2);
    await disposeAllScratch();
    expect(liveScratchCount()).toBe(0);
    expect(await databaseExists(first.database)).toBe(false);
    expect(await databaseExists(second.database)).toBe(false);
  });

  it("names the server without its password when it cannot connect", async () => {
    const url = new URL(adminUrl());
    url.password = "not-the-password-4711";
    const error = await createServerScratch(url.toString()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    const message = (error as EngineError).message;
    expect(message).not.toContain("not-the-password-4711");
    expect(message).toBe(
      `could not connect to the scratch server postgresql://${url.username}@${url.host}/postgres: 28P01 password authentication failed for user "${url.username}"`,
    );
    expect((error as EngineError).code).toBe("scratch_server_unreachable");
  });

  it("refuses what is not a postgresql:// URL, without echoing a password", async () => {
    const error = await createServerScratch("host=db user=app password=kw-secret").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toBe(
      "--scratch-url must be a postgresql:// URL, got host=db user=app",
    );
  });
});

describe("an interrupted build", () => {
  it("stops when its scratch database is disposed mid-migration, and leaves nothing behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pgdrift-interrupt-"));
    try {
      await writeFile(join(dir, "001_table.sql"), "CREATE TABLE t (id int);\n");
      await writeFile(join(dir, "002_slow.sql"), "SELECT pg_sleep(30);\n");
      const messages: string[] = [];
      const build = buildBaseline({
        migrationsDir: dir,
        scratch: { kind: "server", url: adminUrl() },
        createdAt: "2025-01-01T00:00:00.000Z",
        log: (message) => {
          messages.push(message);
          // what the CLI's SIGINT handler does
          if (message.startsWith("applying 002_slow.sql"))
            setTimeout(() => void disposeAllScratch(), 200);
        },
      });
      const started = Date.now();
      const error = await build.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe("scratch_connection_lost");
      expect((error as Error).message).toMatch(
        /^lost the scratch database while applying 002_slow\.sql: /,
      );
      expect(await databaseExists(scratchNameIn(messages))).toBe(false);
      expect(liveScratchCount()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

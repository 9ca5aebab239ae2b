import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntrospectionError } from "../../shared/introspect/errors.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

describe("introspect under a running migration", () => {
  let db: TestDatabase;
  let migration: pg.Client;
  let observer: pg.Client;
  let readerPid: number;

  beforeAll(async () => {
    db = await createTestDatabase(
      "locks",
      `CREATE TABLE public.plain (id int PRIMARY KEY, x int DEFAULT 1 CHECK (x > 0));
       CREATE TABLE public.simple (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         status varchar(20) NOT NULL DEFAULT 'new', created_at timestamptz DEFAULT now());
       CREATE INDEX simple_status ON public.simple (status);
       CREATE TABLE public.events (id int, at date) PARTITION BY RANGE (at);`,
    );
    migration = new pg.Client({ connectionString: db.url });
    observer = new pg.Client({ connectionString: db.url });
    await Promise.all([migration.connect(), observer.connect()]);
    const { rows } = await db.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    readerPid = rows[0]?.pid ?? 0;
  });
  afterAll(async () => {
    await observer?.end();
    await migration?.end();
    await db?.drop();
  });

  /** Seen from another session: locks the reader's backend holds on user relations. */
  async function relationLocksHeldByReader(): Promise<number> {
    const { rows } = await observer.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_catalog.pg_locks WHERE pid = $1 AND locktype = 'relation' AND relation >= 16384",
      [readerPid],
    );
    return Number(rows[0]?.n);
  }

  it("fails within its lock timeout naming the table another session holds exclusively", async () => {
    await migration.query("BEGIN");
    await migration.query("LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE");
    try {
      const started = Date.now();
      const error = await introspect(db.client, { lockTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntrospectionError);
      expect((error as IntrospectionError).sqlstate).toBe("55P03");
      expect((error as IntrospectionError).lockedObjects).toEqual(["public.events"]);
      expect((error as Error).message).toContain("public.events");
      expect(Date.now() - started).toBeLessThan(10_000);
      // Released at once, while the migration still runs: nothing waits on the reader.
      expect(await relationLocksHeldByReader()).toBe(0);
    } finally {
      await migration.query("ROLLBACK");
    }
    expect(await relationLocksHeldByReader()).toBe(0);
  });

  it("names a locked table whose check body must be deparsed", async () => {
    await migration.query("BEGIN");
    await migration.query("LOCK TABLE public.plain IN ACCESS EXCLUSIVE MODE");
    try {
      const error = await introspect(db.client, { lockTimeoutMs: 300 }).catch((e: unknown) => e);
      expect((error as IntrospectionError).lockedObjects).toEqual(["public.plain"]);
    } finally {
      await migration.query("ROLLBACK");
    }
    expect(await relationLocksHeldByReader()).toBe(0);
  });

  it("finishes while a table without deparsed expressions is locked, and holds no lock after", async () => {
    await migration.query("BEGIN");
    await migration.query("LOCK TABLE public.simple IN ACCESS EXCLUSIVE MODE");
    try {
      const result = await introspect(db.client, { lockTimeoutMs: 300 });
      expect(result.objects.column["public.simple.status"]?.default).toBe(
        "'new'::character varying",
      );
      expect(result.objects.index["public.simple_status"]?.columns).toEqual(["status"]);
      expect(await relationLocksHeldByReader()).toBe(0);
    } finally {
      await migration.query("ROLLBACK");
    }
    expect(await relationLocksHeldByReader()).toBe(0);
  });
});

import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntrospectionError } from "../../shared/introspect/errors.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

/**
 * What the snapshot session holds, seen from another session (pg_locks by the reader's pid):
 * while it reads, at most ACCESS SHARE on user relations (it never runs LOCK TABLE); once
 * introspect() returns or throws, nothing. And DDL committed by another session between two
 * catalog queries makes the read start again, never a partial snapshot.
 */
const SCHEMA = `
  CREATE TABLE public.accounts (id int PRIMARY KEY, plan text DEFAULT 'free' CHECK (plan <> ''));
  CREATE INDEX accounts_plan ON public.accounts (lower(plan)) WHERE plan <> 'free';
  CREATE VIEW public.pro_accounts AS SELECT id FROM public.accounts WHERE plan = 'pro';
  CREATE TABLE public.gone_1 (id int PRIMARY KEY, n int CHECK (n > 0));
  CREATE TABLE public.gone_2 (id int PRIMARY KEY, n int CHECK (n > 0));
  CREATE TABLE public.gone_3 (id int PRIMARY KEY, n int CHECK (n > 0));`;

/** Relation locks a backend holds on user relations (OIDs from FirstNormalObjectId up). */
const USER_RELATION_LOCKS = `
  SELECT l.relation::regclass::text AS relation, l.mode
  FROM pg_catalog.pg_locks l
  WHERE l.pid = $1 AND l.locktype = 'relation' AND l.relation >= 16384
  ORDER BY 1, 2`;

describe("the snapshot session's locks", () => {
  let db: TestDatabase;
  let observer: pg.Client;
  let migration: pg.Client;
  let readerPid: number;

  beforeAll(async () => {
    db = await createTestDatabase("lockrel", SCHEMA);
    observer = new pg.Client({ connectionString: db.url });
    migration = new pg.Client({ connectionString: db.url });
    await Promise.all([observer.connect(), migration.connect()]);
    const { rows } = await db.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    readerPid = rows[0]?.pid ?? 0;
  });
  afterAll(async () => {
    await observer?.end();
    await migration?.end();
    await db?.drop();
  });

  async function locksOfReader(): Promise<Array<{ relation: string; mode: string }>> {
    return (await observer.query(USER_RELATION_LOCKS, [readerPid])).rows;
  }

  /** The reader's session, observed from another session after every catalog query. */
  function observed(seen: Array<{ relation: string; mode: string }>): Queryable {
    return {
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        const result = await db.client.query(sql, params as unknown[]);
        seen.push(...(await locksOfReader()));
        return result as unknown as { rows: R[] };
      },
    };
  }

  it("takes at most ACCESS SHARE while it reads, and holds nothing after it returns", async () => {
    const seen: Array<{ relation: string; mode: string }> = [];
    const result = await introspect(observed(seen));
    expect(result.objects.table["public.accounts"]).toBeDefined();
    // The deparse functions open the relations whose expressions they print...
    expect(seen.map((l) => l.relation)).toContain("accounts");
    // ...in ACCESS SHARE mode only, which blocks no migration but DROP/ALTER.
    expect([...new Set(seen.map((l) => l.mode))]).toEqual(["AccessShareLock"]);
    expect(await locksOfReader()).toEqual([]);
  });

  it("holds nothing after failing on a lock timeout, while the migration still runs", async () => {
    await migration.query("BEGIN");
    await migration.query("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");
    try {
      const error = await introspect(db.client, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntrospectionError);
      expect((error as IntrospectionError).lockedObjects).toEqual(["public.accounts"]);
      expect(await locksOfReader()).toEqual([]);
      // The reader's session is usable again: no transaction left open.
      const { rows } = await observer.query<{ state: string }>(
        "SELECT state FROM pg_catalog.pg_stat_activity WHERE pid = $1",
        [readerPid],
      );
      expect(rows[0]?.state).toBe("idle");
    } finally {
      await migration.query("ROLLBACK");
    }
    expect(await locksOfReader()).toEqual([]);
  });

  it("holds nothing after giving up on a catalog that kept changing", async () => {
    const failing: Queryable = {
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        if (sql.includes("pg_catalog.pg_constraint con")) {
          // Opens the relations first, as the real reads do, then fails as concurrent DDL does.
          await db.client.query(
            "SELECT pg_catalog.pg_get_expr(adbin, adrelid) FROM pg_catalog.pg_attrdef",
          );
          throw Object.assign(new Error("cache lookup failed for relation 424242"), {
            code: "XX000",
          });
        }
        return (await db.client.query(sql, params as unknown[])) as unknown as { rows: R[] };
      },
    };
    const error = await introspect(failing, { attempts: 2 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^the catalog kept changing while it was read \(2 attempts/,
    );
    expect(await locksOfReader()).toEqual([]);
  });
});

describe("DDL committed by another session between two catalog queries", () => {
  let db: TestDatabase;
  let migration: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase("ddlrace", SCHEMA);
    migration = new pg.Client({ connectionString: db.url });
    await migration.connect();
  });
  afterAll(async () => {
    await migration?.end();
    await db?.drop();
  });

  /** Drops the next table of `victims` just before each constraint read. */
  function droppingBeforeConstraints(victims: string[]): Queryable & { drops: number } {
    const wrapper = {
      drops: 0,
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        const victim = victims[wrapper.drops];
        if (sql.includes("pg_catalog.pg_constraint con") && victim !== undefined) {
          wrapper.drops++;
          await migration.query(`DROP TABLE ${victim}`);
        }
        return (await db.client.query(sql, params as unknown[])) as unknown as { rows: R[] };
      },
    };
    return wrapper;
  }

  it("reads again and gives the snapshot after the DDL, without the dropped table or an empty check", async () => {
    const racing = droppingBeforeConstraints(["public.gone_1"]);
    const result = await introspect(racing);
    expect(racing.drops).toBe(1);
    // The first read saw gone_1 in its snapshot, but its check body could no longer be
    // deparsed: that read was thrown away, and the second one does not see gone_1 at all.
    expect(Object.keys(result.objects.table)).not.toContain("public.gone_1");
    expect(
      Object.keys(result.objects.constraint).filter((c) => c.startsWith("public.gone_1")),
    ).toEqual([]);
    for (const constraint of Object.values(result.objects.constraint)) {
      if (constraint.type === "check") expect(constraint.definition).toMatch(/^CHECK \(/);
    }
    expect(result.objects).toEqual((await introspect(db.client)).objects);
  });

  it("reports an error, never a snapshot, when DDL breaks every attempt", async () => {
    const racing = droppingBeforeConstraints(["public.gone_2", "public.gone_3"]);
    const error = await introspect(racing, { attempts: 2 }).catch((e: unknown) => e);
    expect(racing.drops).toBe(2);
    expect(error).toBeInstanceOf(IntrospectionError);
    expect((error as IntrospectionError).step).toBe("constraints");
    expect((error as Error).message).toMatch(
      /^the catalog kept changing while it was read \(2 attempts; last: reading constraints failed: relation with OID \d+ does not exist any more \(public\.gone_3, with constraint gone_3_n_check, was dropped or altered while it was read\)\)/,
    );
  });
});

/**
 * Every catalog query in turn: a table (with a view, a trigger, a policy, a generated column,
 * a check and an expression index on it) is dropped by another session just before that
 * query. Whatever the timing, introspect() gives the snapshot from before the DROP or the one
 * from after it, never a mix (a snapshot whose deparsed expressions came back empty).
 */
type Kind = keyof SnapshotObjects;

describe("a DROP committed before any one catalog query", () => {
  const VICTIM = `
    CREATE TABLE public.victim (
      id int PRIMARY KEY,
      x int DEFAULT 1 CHECK (x > 0),
      y text,
      z int GENERATED ALWAYS AS (x * 2) STORED);
    CREATE INDEX victim_lower ON public.victim (lower(y)) WHERE x > 2;
    CREATE VIEW public.victim_view AS SELECT id, y FROM public.victim WHERE x > 1;
    CREATE FUNCTION public.victim_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER victim_touch BEFORE UPDATE ON public.victim
      FOR EACH ROW WHEN (NEW.x > 5) EXECUTE FUNCTION public.victim_noop();
    ALTER TABLE public.victim ENABLE ROW LEVEL SECURITY;
    CREATE POLICY victim_own ON public.victim USING (x > current_setting('app.x')::int);
    -- No view or check on this one: no read before the index, trigger and policy reads opens it.
    CREATE TABLE public.victim_2 (id int, y text DEFAULT 'a');
    CREATE INDEX victim_2_lower ON public.victim_2 (lower(y)) WHERE y <> '';
    CREATE TRIGGER victim_2_touch BEFORE UPDATE ON public.victim_2
      FOR EACH ROW WHEN (NEW.y <> 'c') EXECUTE FUNCTION public.victim_noop();
    CREATE POLICY victim_2_own ON public.victim_2 USING (y <> current_setting('app.y'));`;
  const DROP =
    "DROP TABLE IF EXISTS public.victim, public.victim_2 CASCADE; DROP FUNCTION IF EXISTS public.victim_noop()";
  let db: TestDatabase;
  let migration: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase("ddlstep", "CREATE TABLE public.keep (id int PRIMARY KEY);");
    migration = new pg.Client({ connectionString: db.url });
    await migration.connect();
    // Once the reader has opened the table (ACCESS SHARE), the DROP waits for its COMMIT: no
    // race at that step, and the test must not wait for it (the reader waits for the test).
    await migration.query("SET lock_timeout = '100ms'");
  });
  afterAll(async () => {
    await migration?.end();
    await db?.drop();
  });

  it.each(["public.victim", "public.victim_2"])(
    "gives the snapshot before or after DROP TABLE %s, never a mix",
    async (victim) => {
      // How many queries one read makes, undisturbed.
      let queries = 0;
      await introspect({
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          queries++;
          return (await db.client.query(sql, params as unknown[])) as unknown as { rows: R[] };
        },
      });
      expect(queries).toBeGreaterThan(10);
      const problems: string[] = [];
      let raced = 0;
      for (let at = 1; at <= queries; at++) {
        await db.exec(`${DROP}; ${VICTIM}`);
        const before = (await introspect(db.client)).objects;
        let n = 0;
        let sql = "";
        const racing: Queryable = {
          query: async <R>(text: string, params?: readonly unknown[]) => {
            if (++n === at) {
              sql = text.replace(/\s+/g, " ").slice(0, 80);
              await migration.query(`DROP TABLE ${victim} CASCADE`).then(
                () => raced++,
                () => undefined,
              );
            }
            return (await db.client.query(text, params as unknown[])) as unknown as { rows: R[] };
          },
        };
        const result: SnapshotObjects | Error = await introspect(racing).then(
          (r) => r.objects,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        );
        const after = (await introspect(db.client)).objects;
        // One DROP: the read started again sees a stable catalog, so it must succeed.
        if (result instanceof Error) {
          problems.push(`before query ${at} (${sql}…): ${result.message}`);
        } else if (!isDeepStrictEqual(result, before) && !isDeepStrictEqual(result, after)) {
          const kinds = Object.keys(result).filter(
            (kind) =>
              !isDeepStrictEqual(result[kind as Kind], before[kind as Kind]) &&
              !isDeepStrictEqual(result[kind as Kind], after[kind as Kind]),
          );
          problems.push(`before query ${at} (${sql}…): a mixed snapshot (${kinds.join(", ")})`);
        }
      }
      expect(problems).toEqual([]);
      // The steps before the reader opens the table: there the DROP really raced the read.
      expect(raced).toBeGreaterThan(3);
    },
  );
});

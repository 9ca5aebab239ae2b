import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoutineStatement } from "../../shared/diff/rules/functions.ts";
import { type FunctionsRead, readFunctions } from "../../shared/introspect/functions.sql.ts";
import { withCatalogSession } from "../../shared/introspect/session.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SCHEMA_SQL = /* SQL */ `
DO $$ BEGIN CREATE ROLE pgdrift_fn_caller NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE EXTENSION citext;
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);

-- Overloads
CREATE FUNCTION public.order_count(uid bigint) RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT count(*) FROM public.orders WHERE user_id = uid $$;
CREATE FUNCTION public.order_count(uid bigint, since date DEFAULT '2024-01-01') RETURNS bigint
  LANGUAGE sql STABLE STRICT AS $$ SELECT 0::bigint $$;
CREATE FUNCTION public.order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM public.orders $$;

-- Created under another search_path: the argument type is still app.mood
SET search_path = app, public;
CREATE FUNCTION public.cheer(m mood) RETURNS mood LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN m = 'sad' THEN 'happy'::mood ELSE m END;
RESET search_path;

-- SQL-standard body, security definer, settings given out of order, comment
CREATE FUNCTION public.secure_total(uid bigint) RETURNS numeric LANGUAGE sql STABLE
  SECURITY DEFINER SET work_mem = '64MB' SET search_path = public, pg_temp
  BEGIN ATOMIC SELECT count(*)::numeric FROM public.orders WHERE user_id = uid; END;
COMMENT ON FUNCTION public.secure_total(bigint) IS 'totals';

-- Set-returning, with OUT arguments
CREATE FUNCTION public.pairs(n int, OUT a int, OUT b text) RETURNS SETOF record LANGUAGE sql
  ROWS 50 AS $$ SELECT i, i::text FROM generate_series(1, n) i $$;

-- Privileges: default, explicitly the default, and restricted
CREATE FUNCTION public.default_acl() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION public.explicit_acl() RETURNS int LANGUAGE sql RETURN 1;
GRANT EXECUTE ON FUNCTION public.explicit_acl() TO PUBLIC;
CREATE FUNCTION public.restricted() RETURNS int LANGUAGE sql RETURN 1;
REVOKE EXECUTE ON FUNCTION public.restricted() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.restricted() TO pgdrift_fn_caller WITH GRANT OPTION;

-- A window function, an aggregate (left out) and a procedure
CREATE FUNCTION public.my_row_number() RETURNS bigint WINDOW LANGUAGE internal AS 'window_row_number';
CREATE AGGREGATE public.my_sum(int) (SFUNC = int4pl, STYPE = int);
-- A range type: PostgreSQL makes its constructor functions, which belong to the type
CREATE TYPE public.floatrange AS RANGE (subtype = float8);
CREATE PROCEDURE app.archive(IN before date, INOUT moved int) LANGUAGE plpgsql
  AS $$ BEGIN moved := 0; END $$;
`;

/** Functions and procedures of the database, read as introspect reads them. */
async function readAll(db: TestDatabase, schemas: string[] | null = null): Promise<FunctionsRead> {
  const version = await db.client.query<{ v: string }>(
    "SELECT pg_catalog.current_setting('server_version_num') AS v",
  );
  return withCatalogSession(db.client, { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 }, () =>
    readFunctions(db.client, schemas, Number(version.rows[0]?.v)),
  );
}

describe("readFunctions", () => {
  let db: TestDatabase;
  let read: FunctionsRead;

  beforeAll(async () => {
    db = await createTestDatabase("fn", SCHEMA_SQL);
    read = await readAll(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lists overloads as distinct objects, identified by argument types only", () => {
    expect(Object.keys(read.functions).filter((k) => k.startsWith("public.order_count("))).toEqual(
      expect.arrayContaining([
        "public.order_count()",
        "public.order_count(bigint)",
        "public.order_count(bigint, date)",
      ]),
    );
    expect(read.functions["public.order_count(bigint, date)"]).toMatchObject({
      schema: "public",
      name: "order_count",
      arguments: "bigint, date",
      volatility: "stable",
    });
    expect(read.functions["public.order_count(bigint, date)"]?.definition).toBe(
      [
        "(uid bigint, since date DEFAULT '2024-01-01'::date) RETURNS bigint",
        " LANGUAGE sql STRICT PARALLEL UNSAFE COST 100",
        "AS $function$ SELECT 0::bigint $function$",
      ].join("\n"),
    );
    expect(read.functions["public.order_count()"]?.volatility).toBe("volatile");
  });

  it("leaves out aggregates, extension members and a range type's constructors; lists window functions as functions", () => {
    const all = Object.keys(read.functions);
    expect(all.some((k) => k.startsWith("public.floatrange("))).toBe(false);
    expect(all.some((k) => k.startsWith("public.floatmultirange("))).toBe(false);
    expect(all.some((k) => k.startsWith("public.my_sum"))).toBe(false);
    expect(all.some((k) => k.includes("citext"))).toBe(false);
    expect(read.functions["public.my_row_number()"]?.definition).toBe(
      "() RETURNS bigint\n LANGUAGE internal WINDOW PARALLEL UNSAFE COST 1\nAS 'window_row_number'",
    );
  });

  it("qualifies argument and result types, whatever the search_path was at creation", () => {
    const cheer = read.functions["public.cheer(app.mood)"];
    expect(cheer?.arguments).toBe("app.mood");
    expect(cheer?.definition).toContain("(m app.mood) RETURNS app.mood");
    expect(cheer?.definition).toContain("'happy'::app.mood");
    expect(cheer?.definition).toMatch(/\nRETURN CASE/);
    expect(cheer?.volatility).toBe("immutable");
  });

  it("reads SQL-standard bodies deparsed, settings sorted, security definer and comment", () => {
    const secure = read.functions["public.secure_total(bigint)"];
    expect(secure).toMatchObject({ security_definer: true, comment: "totals" });
    expect(secure?.definition).toBe(
      [
        "(uid bigint) RETURNS numeric",
        " LANGUAGE sql PARALLEL UNSAFE COST 100",
        " SET search_path = public, pg_temp",
        " SET work_mem = '64MB'",
        "BEGIN ATOMIC",
        " SELECT (count(*))::numeric AS count",
        "    FROM public.orders",
        "   WHERE (orders.user_id = secure_total.uid);",
        "END",
      ].join("\n"),
    );
  });

  it("reads set-returning functions with their rows estimate and OUT arguments", () => {
    const pairs = read.functions["public.pairs(integer)"];
    expect(pairs?.definition.split("\n").slice(0, 2)).toEqual([
      "(n integer, OUT a integer, OUT b text) RETURNS SETOF record",
      " LANGUAGE sql PARALLEL UNSAFE COST 100 ROWS 50",
    ]);
  });

  it("expands a NULL ACL to PUBLIC and owner EXECUTE, equal to the same grants made explicitly", () => {
    const defaults = ["OWNER:EXECUTE", "PUBLIC:EXECUTE"];
    expect(read.functions["public.default_acl()"]?.privileges).toEqual(defaults);
    expect(read.functions["public.explicit_acl()"]?.privileges).toEqual(defaults);
    expect(read.functions["public.restricted()"]?.privileges).toEqual([
      "OWNER:EXECUTE",
      "pgdrift_fn_caller:EXECUTE*",
    ]);
  });

  it("lists procedures apart, without the attributes procedures cannot have", () => {
    expect(Object.keys(read.procedures)).toEqual(["app.archive(date, integer)"]);
    expect(read.procedures["app.archive(date, integer)"]).toMatchObject({
      arguments: "date, integer",
      definition:
        "(IN before date, INOUT moved integer)\n LANGUAGE plpgsql\nAS $function$ BEGIN moved := 0; END $function$",
      security_definer: false,
    });
    expect(Object.keys(read.functions).some((k) => k.startsWith("app.archive"))).toBe(false);
  });

  it("keeps only the schemas asked for", async () => {
    const scoped = await readAll(db, ["app"]);
    expect(Object.keys(scoped.functions)).toEqual([]);
    expect(Object.keys(scoped.procedures)).toEqual(["app.archive(date, integer)"]);
  });
});

describe("the CREATE statements the rules write", () => {
  it("re-create every routine as it was read", async () => {
    const db = await createTestDatabase("fn_roundtrip", SCHEMA_SQL);
    try {
      const before = await readAll(db);
      const routines = [
        ...Object.entries(before.functions).map(([id, f]) => ["function", id, f] as const),
        ...Object.entries(before.procedures).map(([id, f]) => ["procedure", id, f] as const),
      ];
      expect(routines.length).toBeGreaterThan(8);
      for (const [kind, identity, routine] of routines) {
        await db.exec(`DROP ${kind.toUpperCase()} ${identity}`);
        await db.exec(createRoutineStatement(kind, routine, false));
      }
      const after = await readAll(db);
      const shape = (read: FunctionsRead) =>
        Object.fromEntries(
          [...Object.entries(read.functions), ...Object.entries(read.procedures)].map(
            ([id, { definition, volatility, security_definer }]) => [
              id,
              { definition, volatility, security_definer },
            ],
          ),
        );
      expect(shape(after)).toEqual(shape(before));
    } finally {
      await db.drop();
    }
  });
});

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePostgresBinaries, startEmbeddedPostgres } from "../../shared/baseline/embedded.ts";
import { IntrospectionError } from "../../shared/introspect/errors.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { normalizeOption } from "../../shared/introspect/options.ts";
import { normalizeViewDefinition } from "../../shared/introspect/view-definition.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const TABLES_SQL = /* SQL */ `
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL, active boolean NOT NULL DEFAULT true, name text);
CREATE TABLE app.orders (id bigint, user_id bigint, amount numeric(12,2), status text);
CREATE FUNCTION app.cents(numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT ($1 * 100)::bigint';
`;

/** Views most schemas have, each written with unqualified names under a search_path. */
const COMMON_VIEWS_SQL = /* SQL */ `
SET search_path = app;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
CREATE VIEW named_users AS SELECT u.id, coalesce(u.name, u.email) AS label FROM users u WHERE u.email LIKE '%@%' ORDER BY u.id;
CREATE VIEW user_orders AS SELECT u.id, o.amount, cents(o.amount) AS cents FROM users u JOIN orders o ON o.user_id = u.id;
CREATE VIEW order_stats AS SELECT user_id, count(*) AS n, sum(amount) FILTER (WHERE status = 'paid') AS paid FROM orders GROUP BY user_id HAVING count(*) > 1;
CREATE VIEW big_spenders AS WITH totals AS (SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id) SELECT user_id, total FROM totals WHERE total > 100;
CREATE VIEW buyers AS SELECT id FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id);
CREATE VIEW all_ids AS SELECT id FROM users UNION SELECT user_id FROM orders;
CREATE VIEW latest AS SELECT s.user_id, s.amount FROM (SELECT DISTINCT ON (user_id) user_id, amount FROM orders ORDER BY user_id, id DESC) s;
CREATE MATERIALIZED VIEW user_totals AS SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id;
RESET search_path;
`;

const SCHEMA_SQL = /* SQL */ `
DO $$ BEGIN CREATE ROLE view_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE EXTENSION pg_buffercache;
${TABLES_SQL}
${COMMON_VIEWS_SQL}
COMMENT ON VIEW app.active_users IS 'who can log in';
GRANT SELECT ON app.active_users TO view_reader WITH GRANT OPTION;
CREATE VIEW app.guarded WITH (security_barrier = on, check_option = 'LOCAL') AS
  SELECT id, email FROM app.users WHERE active;
CREATE VIEW app.invoker WITH (security_invoker) AS SELECT id FROM app.users WITH CHECK OPTION;
CREATE VIEW app.regranted AS SELECT id FROM app.users;
GRANT SELECT ON app.regranted TO view_reader;
REVOKE SELECT ON app.regranted FROM view_reader;
CREATE VIEW public.active_users_qualified AS SELECT id, email FROM app.users WHERE active;
ALTER MATERIALIZED VIEW app.user_totals SET (fillfactor = 70, autovacuum_enabled = off, toast.vacuum_truncate = no);
COMMENT ON MATERIALIZED VIEW app.user_totals IS 'per user';
GRANT SELECT ON app.user_totals TO view_reader;
CREATE UNIQUE INDEX user_totals_user ON app.user_totals (user_id);
COMMENT ON COLUMN app.user_totals.total IS 'sum of amounts';
GRANT SELECT (user_id) ON app.user_totals TO view_reader;
CREATE VIEW app.labelled AS SELECT id, email AS "E-mail: work", name, active FROM app.users;
COMMENT ON COLUMN app.labelled.name IS 'display: name';
COMMENT ON COLUMN app.labelled."E-mail: work" IS 'work address';
GRANT SELECT (id, "E-mail: work") ON app.labelled TO view_reader, PUBLIC;
GRANT SELECT (id) ON app.labelled TO view_reader;
GRANT UPDATE (name) ON app.labelled TO view_reader WITH GRANT OPTION;
DO $$ BEGIN EXECUTE format('GRANT INSERT (name) ON app.labelled TO %I', current_user); END $$;
GRANT SELECT (active) ON app.labelled TO view_reader;
REVOKE SELECT (active) ON app.labelled FROM view_reader;
CREATE INDEX user_totals_total ON app.user_totals (total DESC) WHERE total > 0;
`;

describe("views and materialized views", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("views", SCHEMA_SQL);
    const result = await introspect(db.client);
    objects = result.objects;
  });
  afterAll(async () => {
    await db?.drop();
  });

  const OWNER_DEFAULTS = () => [
    "OWNER:DELETE",
    "OWNER:INSERT",
    "OWNER:REFERENCES",
    "OWNER:SELECT",
    "OWNER:TRIGGER",
    "OWNER:TRUNCATE",
    "OWNER:UPDATE",
  ];

  it("reads a view's fields, in canonical key order", async () => {
    const { rows } = await db.client.query<{ owner: string }>("SELECT current_user AS owner");
    const view = objects.view["app.active_users"];
    expect(view).toEqual({
      // A grant on the view is no column grant: its columns' ACLs are NULL.
      column_comments: [],
      column_privileges: [],
      comment: "who can log in",
      definition: " SELECT id,\n    email\n   FROM app.users\n  WHERE active",
      name: "active_users",
      options: [],
      owner: rows[0]?.owner,
      privileges: [...OWNER_DEFAULTS(), "view_reader:SELECT*"].sort(),
      schema: "app",
    });
    expect(Object.keys(view ?? {})).toEqual(Object.keys(view ?? {}).sort());
  });

  it("lists views and materialized views in scope, never an extension's", () => {
    expect(Object.keys(objects.view)).toEqual([
      "app.active_users",
      "app.all_ids",
      "app.big_spenders",
      "app.buyers",
      "app.guarded",
      "app.invoker",
      "app.labelled",
      "app.latest",
      "app.named_users",
      "app.order_stats",
      "app.regranted",
      "app.user_orders",
      "public.active_users_qualified",
    ]);
    expect(Object.keys(objects.materialized_view)).toEqual(["app.user_totals"]);
    expect(objects.view["public.pg_buffercache"]).toBeUndefined();
  });

  it("qualifies every name, so the search_path at creation time does not matter", () => {
    expect(objects.view["app.active_users"]?.definition).toBe(
      objects.view["public.active_users_qualified"]?.definition,
    );
    expect(objects.view["app.user_orders"]?.definition).toContain("app.cents(o.amount) AS cents");
    expect(objects.view["app.user_orders"]?.definition).toContain("JOIN app.orders o");
  });

  it("reads options sorted, with booleans and keywords spelled one way", () => {
    expect(objects.view["app.guarded"]?.options).toEqual([
      "check_option=local",
      "security_barrier=true",
    ]);
    expect(objects.view["app.invoker"]?.options).toEqual([
      "check_option=cascaded",
      "security_invoker=true",
    ]);
    expect(objects.materialized_view["app.user_totals"]?.options).toEqual([
      "autovacuum_enabled=false",
      "fillfactor=70",
      "toast.vacuum_truncate=false",
    ]);
  });

  it("expands a NULL ACL to the owner's defaults, equal to an explicit ACL with the same grants", async () => {
    const { rows } = await db.client.query<{ relname: string; null_acl: boolean }>(
      "SELECT relname, relacl IS NULL AS null_acl FROM pg_class WHERE relname IN ('buyers', 'regranted') ORDER BY 1",
    );
    expect(rows).toEqual([
      { relname: "buyers", null_acl: true },
      { relname: "regranted", null_acl: false },
    ]);
    expect(objects.view["app.buyers"]?.privileges).toEqual(OWNER_DEFAULTS());
    expect(objects.view["app.regranted"]?.privileges).toEqual(OWNER_DEFAULTS());
  });

  it("reads column comments in column order and column grants sorted, names quoted", async () => {
    const { rows } = await db.client.query<{ attname: string; null_acl: boolean }>(
      "SELECT attname, attacl IS NULL AS null_acl FROM pg_attribute WHERE attrelid = 'app.labelled'::regclass AND attnum > 0 ORDER BY attnum",
    );
    // id, the e-mail and name have grants; active's, granted and revoked, is NULL again.
    expect(rows.map((r) => r.null_acl)).toEqual([false, false, false, true]);
    expect(objects.view["app.labelled"]).toMatchObject({
      column_comments: ['"E-mail: work": work address', "name: display: name"],
      column_privileges: [
        '"E-mail: work" PUBLIC:SELECT',
        '"E-mail: work" view_reader:SELECT',
        "id PUBLIC:SELECT",
        "id view_reader:SELECT",
        "name OWNER:INSERT",
        "name view_reader:UPDATE*",
      ],
    });
    // Columns nobody granted anything on (a NULL attacl) have no column grant.
    expect(objects.view["app.guarded"]?.column_privileges).toEqual([]);
    expect(objects.view["app.guarded"]?.column_comments).toEqual([]);
  });

  it("reads a materialized view and names the columns of its indexes", () => {
    expect(objects.materialized_view["app.user_totals"]).toMatchObject({
      comment: "per user",
      definition:
        " SELECT user_id,\n    sum(amount) AS total\n   FROM app.orders\n  GROUP BY user_id",
      privileges: [...OWNER_DEFAULTS(), "view_reader:SELECT"].sort(),
      column_comments: ["total: sum of amounts"],
      column_privileges: ["user_id view_reader:SELECT"],
    });
    expect(objects.index["app.user_totals_user"]).toMatchObject({
      table: "app.user_totals",
      columns: ["user_id"],
      unique: true,
    });
    expect(objects.index["app.user_totals_total"]).toMatchObject({
      table: "app.user_totals",
      columns: ["total DESC"],
      predicate: "total > 0::numeric",
    });
  });
});

describe("views under a running migration", () => {
  let db: TestDatabase;
  let migration: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase(
      "view_locks",
      `${TABLES_SQL}
       CREATE VIEW app.active_users AS SELECT id, email FROM app.users WHERE active;
       CREATE MATERIALIZED VIEW app.user_totals AS SELECT user_id, sum(amount) AS total FROM app.orders GROUP BY user_id;`,
    );
    migration = new pg.Client({ connectionString: db.url });
    await migration.connect();
  });
  afterAll(async () => {
    await migration?.end();
    await db?.drop();
  });

  async function relationLocksHeldByReader(): Promise<number> {
    const { rows } = await db.client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation >= 16384",
    );
    return Number(rows[0]?.n);
  }

  // pg_get_viewdef takes ACCESS SHARE on the view: it waits for the migration, until lock_timeout.
  it.each([
    ["ALTER VIEW", "ALTER VIEW app.active_users SET (security_barrier = true)", "app.active_users"],
    [
      "CREATE OR REPLACE VIEW",
      "CREATE OR REPLACE VIEW app.active_users AS SELECT id, email, name FROM app.users WHERE active",
      "app.active_users",
    ],
    ["REFRESH MATERIALIZED VIEW", "REFRESH MATERIALIZED VIEW app.user_totals", "app.user_totals"],
    // It also locks the relations the view reads: a migration on one of them blocks it too.
    [
      "LOCK TABLE on a table a view reads",
      "LOCK TABLE app.users IN ACCESS EXCLUSIVE MODE",
      "app.users",
    ],
  ])(
    "fails within its lock timeout naming the relation a running %s holds",
    async (_, ddl, view) => {
      await migration.query("BEGIN");
      await migration.query(ddl);
      try {
        const started = Date.now();
        const error = await introspect(db.client, { lockTimeoutMs: 300 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(IntrospectionError);
        expect((error as IntrospectionError).sqlstate).toBe("55P03");
        expect((error as IntrospectionError).step).toBe("views");
        // REFRESH also holds the toast table of the new heap it fills: not named, it means nothing to a user.
        expect((error as IntrospectionError).lockedObjects).toEqual([view]);
        expect((error as Error).message).toContain(view);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await migration.query("ROLLBACK");
      }
      expect(await relationLocksHeldByReader()).toBe(0);
    },
  );

  it("reads the views once the migration is over, and holds no lock after", async () => {
    const result = await introspect(db.client, { lockTimeoutMs: 300 });
    expect(Object.keys(result.objects.view)).toEqual(["app.active_users"]);
    expect(await relationLocksHeldByReader()).toBe(0);
  });
});

describe("view definitions across majors", () => {
  it("leaves PostgreSQL 16+ text as it is, without the final semicolon", () => {
    const text = " SELECT users.id\n   FROM app.users\n     JOIN app.b USING (id);\n";
    expect(normalizeViewDefinition(text, 170000)).toBe(
      " SELECT users.id\n   FROM app.users\n     JOIN app.b USING (id)",
    );
  });

  it.each([
    [
      " SELECT users.id,\n    users.email\n   FROM app.users\n  WHERE users.active;",
      " SELECT id,\n    email\n   FROM app.users\n  WHERE active",
    ],
    // A table named as its schema: the function and the FROM item keep their qualification.
    [
      " SELECT app.app,\n    app.double(app.x) AS dx\n   FROM app.app\n  WHERE app.app > 0;",
      " SELECT app,\n    app.double(x) AS dx\n   FROM app.app\n  WHERE app > 0",
    ],
    // Correlated subqueries keep theirs; EXTRACT's and IS DISTINCT's FROM are not the clause.
    [
      " SELECT users.id,\n    EXTRACT(year FROM users.at) AS y\n   FROM app.users\n  WHERE (EXISTS ( SELECT 1\n           FROM app.orders\n          WHERE orders.user_id = users.id)) AND users.a IS DISTINCT FROM users.b;",
      " SELECT id,\n    EXTRACT(year FROM at) AS y\n   FROM app.users\n  WHERE (EXISTS ( SELECT 1\n           FROM app.orders\n          WHERE orders.user_id = users.id)) AND a IS DISTINCT FROM b",
    ],
    // Aliases, subqueries and functions in FROM; whole-row references, literals and casts stay.
    [
      " SELECT s.total,\n    (s.r).x AS x,\n    s.*::app.t AS s\n   FROM ( SELECT orders.total FROM app.orders) s\n  WHERE s.note = 's.note'::text;",
      " SELECT total,\n    (r).x AS x,\n    s.*::app.t AS s\n   FROM ( SELECT orders.total FROM app.orders) s\n  WHERE note = 's.note'::text",
    ],
    [
      " SELECT g.v,\n    g.n\n   FROM generate_series(1, 3) WITH ORDINALITY g(v, n);",
      " SELECT v,\n    n\n   FROM generate_series(1, 3) WITH ORDINALITY g(v, n)",
    ],
  ])("removes what PostgreSQL 16 leaves out from a pre-16 definition: %#", (before, after) => {
    expect(normalizeViewDefinition(before, 150000)).toBe(after);
  });

  it.each([
    " SELECT u.id,\n    o.amount\n   FROM app.users u\n     JOIN app.orders o ON o.user_id = u.id;",
    " SELECT u.id,\n    o.amount\n   FROM app.users u,\n    app.orders o;",
    " SELECT users.id\n   FROM app.users\nUNION\n SELECT orders.user_id AS id\n   FROM app.orders;",
    " SELECT j.id\n   FROM (app.a\n     JOIN app.b USING (id)) j\n  WHERE j.id > 0;",
    " SELECT 1 AS one;",
  ])("leaves a pre-16 definition that reads several relations as it is: %#", (text) => {
    expect(normalizeViewDefinition(text, 140000)).toBe(text.slice(0, -1));
  });

  it("spells boolean and keyword options one way", () => {
    expect(
      ["security_barrier=on", "security_invoker=1", "autovacuum_enabled=Off"].map(normalizeOption),
    ).toEqual(["security_barrier=true", "security_invoker=true", "autovacuum_enabled=false"]);
    expect(
      ["check_option=LOCAL", "toast.vacuum_truncate=no", "fillfactor=70"].map(normalizeOption),
    ).toEqual(["check_option=local", "toast.vacuum_truncate=false", "fillfactor=70"]);
  });
});

const OLD_MAJOR = 14;
const oldMajorInstalled = await resolvePostgresBinaries(OLD_MAJOR).then(
  () => true,
  () => false,
);

describe.skipIf(!oldMajorInstalled)(`views built on PostgreSQL ${OLD_MAJOR}`, () => {
  it("read the same as on the default major", async () => {
    const server = await startEmbeddedPostgres({ major: OLD_MAJOR });
    const old = new pg.Client(server.connection());
    const current = await createTestDatabase("views_major", TABLES_SQL + COMMON_VIEWS_SQL);
    try {
      await old.connect();
      await old.query(TABLES_SQL + COMMON_VIEWS_SQL);
      const before = await introspect(old);
      const after = await introspect(current.client);
      expect(before.serverVersionNum).toBeLessThan(160000);
      const definitions = (objects: SnapshotObjects) =>
        Object.fromEntries(
          [...Object.entries(objects.view), ...Object.entries(objects.materialized_view)].map(
            ([identity, view]) => [identity, view.definition],
          ),
        );
      expect(Object.keys(definitions(before.objects))).toHaveLength(9);
      expect(definitions(before.objects)).toEqual(definitions(after.objects));
    } finally {
      await old.end().catch(() => undefined);
      await current.drop();
      await server.stop();
    }
  });
});

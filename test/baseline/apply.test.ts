import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { applyMigrations } from "../../shared/baseline/apply.ts";
import { MigrationError } from "../../shared/baseline/errors.ts";
import { checkMigrations, type SqlMigration } from "../../shared/baseline/plan.ts";
import { readMigrations } from "../../shared/baseline/sources/index.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");

const databases: TestDatabase[] = [];
const roles: string[] = [];

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase("apply");
  databases.push(db);
  return db;
}

async function fixture(name: string): Promise<SqlMigration[]> {
  return [...(await readMigrations(join(FIXTURES, name))).migrations];
}

async function migrationError(promise: Promise<unknown>): Promise<MigrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

async function exists(db: TestDatabase, relation: string): Promise<boolean> {
  const { rows } = await db.client.query<{ found: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS found",
    [relation],
  );
  return rows[0]?.found === true;
}

afterEach(async () => {
  for (const db of databases.splice(0)) await db.drop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    for (const role of roles.splice(0)) {
      await admin.query(`DROP ROLE IF EXISTS "${role.replaceAll('"', '""')}"`);
    }
  } finally {
    await admin.end();
  }
});

const SCHEMA_HINT =
  "the migrations may expect a schema or search_path their tool sets (Flyway: flyway.defaultSchema or flyway.schemas in a flyway.conf beside the migrations), or objects their platform creates before any migration (stub them in a setup file: --setup FILE, or migrations.setup in the config)";

describe("applyMigrations", () => {
  it("applies a folder whose file holds CREATE INDEX CONCURRENTLY, outside a transaction", async () => {
    const db = await database();
    const messages: string[] = [];
    const result = await applyMigrations(db.client, await fixture("concurrently"), {
      log: (message) => messages.push(message),
    });
    expect(result).toEqual({ applied: 3, createdRoles: [] });
    const { rows } = await db.client.query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'public.orders'::regclass AND NOT i.indisprimary ORDER BY 1`,
    );
    expect(rows).toEqual([
      { name: "orders_status_idx", valid: true },
      { name: "orders_user_id_idx", valid: true },
    ]);
    expect(await exists(db, "public.orders")).toBe(true);
    const note = await db.client.query("SELECT note FROM orders");
    expect(note.rowCount).toBe(2);
    expect(messages).toContain(
      "002_orders_indexes.sql cannot run in a transaction (25001 CREATE INDEX CONCURRENTLY cannot run inside a transaction block): applying it statement by statement",
    );
  });

  it("reports the file, line, SQLSTATE and message of a failing migration; earlier files stay applied", async () => {
    const db = await database();
    const error = await migrationError(applyMigrations(db.client, await fixture("failing")));
    expect(error.message).toBe(
      `migration 003_orders.sql line 12: 42P01 relation "users" does not exist — hint: ${SCHEMA_HINT}`,
    );
    expect(error.file).toBe("003_orders.sql");
    expect(error.line).toBe(12);
    expect(error.sqlstate).toBe("42P01");
    expect(await exists(db, "public.accounts_email_key")).toBe(true);
    expect(await exists(db, "public.orders")).toBe(false);
    expect(await exists(db, "public.never_applied")).toBe(false);
  });

  it("computes the line from the server's position inside a multi-line statement", async () => {
    const db = await database();
    const sql =
      "CREATE TABLE a (id int);\n\nCREATE VIEW v AS\n  SELECT id\n  FROM missing_table;\n";
    const error = await migrationError(applyMigrations(db.client, [{ file: "001_view.sql", sql }]));
    expect(error.message).toBe(
      `migration 001_view.sql line 5: 42P01 relation "missing_table" does not exist — hint: ${SCHEMA_HINT}`,
    );
    expect(await exists(db, "public.a")).toBe(false);
  });

  it("ends the errors a tool's schema settings or the scratch server explain with what to do", async () => {
    const db = await database();
    const schema = await migrationError(
      applyMigrations(db.client, [
        { file: "V1__items.sql", sql: "SELECT 1;\nCREATE TABLE app.items (id int);" },
      ]),
    );
    expect(schema.message).toBe(
      `migration V1__items.sql line 2: 3F000 schema "app" does not exist — hint: ${SCHEMA_HINT}`,
    );
    expect(schema.sqlstate).toBe("3F000");
    const extension = await migrationError(
      applyMigrations(db.client, [
        { file: "V2__ext.sql", sql: "CREATE EXTENSION pgdrift_no_such_extension;" },
      ]),
    );
    // 0A000 "is not available" from PostgreSQL 15, 58P01 "could not open extension control file" before
    expect(extension.message).toMatch(
      /^migration V2__ext\.sql line 1: (?:0A000|58P01) .*pgdrift_no_such_extension.* — hint: the scratch server does not have this extension: build on a server that has it with --scratch-url URL$/,
    );
    const unsupported = await migrationError(
      applyMigrations(db.client, [
        { file: "V3__check.sql", sql: "CREATE TABLE c (n int CHECK (n IN (SELECT 1)));" },
      ]),
    );
    expect(unsupported.message).toBe(
      "migration V3__check.sql line 1: 0A000 cannot use subquery in check constraint — hint: this PostgreSQL does not support it: build with --pg-version (or --scratch-url) of the major the migrations run on",
    );
    // an error without a hint of pgdrift's is left as the server wrote it
    const plain = await migrationError(
      applyMigrations(db.client, [{ file: "V4__bad.sql", sql: "SELEC 1;" }]),
    );
    expect(plain.message).toBe(
      'migration V4__bad.sql line 1: 42601 syntax error at or near "SELEC"',
    );
  });

  it("adds the server's DETAIL and HINT", async () => {
    const db = await database();
    const unique = await migrationError(
      applyMigrations(db.client, [
        {
          file: "001_seed.sql",
          sql: "CREATE TABLE u (id int UNIQUE);\nINSERT INTO u VALUES (1);\nINSERT INTO u\nVALUES (1);",
        },
      ]),
    );
    expect(unique.message).toBe(
      'migration 001_seed.sql line 3: 23505 duplicate key value violates unique constraint "u_id_key" — DETAIL: Key (id)=(1) already exists.',
    );
    const hint = await migrationError(
      applyMigrations(db.client, [{ file: "002_call.sql", sql: "\n\nSELECT nosuch_fn(1);" }]),
    );
    expect(hint.message).toBe(
      "migration 002_call.sql line 3: 42883 function nosuch_fn(integer) does not exist — HINT: No function matches the given name and argument types. You might need to add explicit type casts.",
    );
  });

  it("locates an error in a file run statement by statement", async () => {
    const db = await database();
    const sql =
      "CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nSELECT\n  nope\nFROM t;";
    const error = await migrationError(applyMigrations(db.client, [{ file: "001_t.sql", sql }]));
    expect(error.message).toBe('migration 001_t.sql line 4: 42703 column "nope" does not exist');
    expect(await exists(db, "public.t_id")).toBe(true);
  });

  it("applies a recent pg_dump's script: its \\restrict and \\unrestrict lines do nothing", async () => {
    const db = await database();
    const sql = "\\restrict 3fKx9\nCREATE TABLE dumped (id int);\n\\unrestrict 3fKx9\n";
    await applyMigrations(db.client, [{ file: "001_schema.sql", sql }]);
    expect(await exists(db, "public.dumped")).toBe(true);
  });

  it("refuses CREATE DATABASE and DROP DATABASE: another database is neither read nor removed", async () => {
    const db = await database();
    for (const [statement, line] of [
      ["CREATE DATABASE appdb", 2],
      ["DROP DATABASE IF EXISTS appdb", 2],
    ] as const) {
      const sql = `-- the app's database\n${statement};\nCREATE TABLE t (id int);`;
      const error = await migrationError(
        applyMigrations(db.client, [{ file: "001_init.sql", sql }]),
      );
      expect(error.message).toBe(
        `migration 001_init.sql line ${line}: ${statement.split(" ").slice(0, 2).join(" ")} is not applied: the baseline is the schema built in one scratch database, and another database would be neither read nor removed; remove the statement from the migrations`,
      );
    }
    expect(await exists(db, "public.t")).toBe(false);
  });

  it("names the COPY line when a script carries COPY … FROM stdin data", async () => {
    const db = await database();
    const sql = "CREATE TABLE p (name text);\nCOPY p (name) FROM stdin;\nO'BRIEN\n\\.\n";
    const error = await migrationError(applyMigrations(db.client, [{ file: "001_dump.sql", sql }]));
    expect(error.message).toBe(
      "migration 001_dump.sql line 2: psql meta-command \\. is not supported: COPY … FROM stdin data is a psql feature; load the rows with INSERT statements",
    );
  });

  it("reports an error raised at COMMIT without a line", async () => {
    const db = await database();
    const sql = `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);
INSERT INTO c VALUES (1);`;
    const error = await migrationError(applyMigrations(db.client, [{ file: "001_c.sql", sql }]));
    expect(error.message).toBe(
      'migration 001_c.sql: 23503 insert or update on table "c" violates foreign key constraint "c_p_fkey" — DETAIL: Key (p)=(1) is not present in table "p". — raised at COMMIT',
    );
    expect(error.line).toBeUndefined();
    expect(await exists(db, "public.p")).toBe(false);
  });

  it("commits an enum value before a later statement of the file uses it", async () => {
    const db = await database();
    await applyMigrations(db.client, [
      { file: "001_mood.sql", sql: "CREATE TYPE mood AS ENUM ('calm');" },
      {
        file: "002_mood_happy.sql",
        sql: "ALTER TYPE mood ADD VALUE 'happy';\nCREATE TABLE people (m mood NOT NULL DEFAULT 'happy');",
      },
    ]);
    const { rows } = await db.client.query("SELECT unnest(enum_range(NULL::mood))::text AS label");
    expect(rows.map((row) => row.label)).toEqual(["calm", "happy"]);
    expect(await exists(db, "public.people")).toBe(true);
  });

  it("creates a role a GRANT names, NOLOGIN, and retries the file", async () => {
    const db = await database();
    roles.push("pgdrift_fixture_reader", 'pgdrift fixture "owner"');
    const created: string[] = [];
    const result = await applyMigrations(db.client, await fixture("missing-role"), {
      onRoleCreated: (role) => created.push(role),
    });
    expect(result.createdRoles).toEqual(["pgdrift_fixture_reader", 'pgdrift fixture "owner"']);
    expect(created).toEqual(result.createdRoles);
    const { rows } = await db.client.query<{ rolname: string; rolcanlogin: boolean }>(
      "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname",
      [result.createdRoles],
    );
    expect(rows).toEqual([
      { rolname: 'pgdrift fixture "owner"', rolcanlogin: false },
      { rolname: "pgdrift_fixture_reader", rolcanlogin: false },
    ]);
    const grant = await db.client.query<{ allowed: boolean; owner: string }>(
      `SELECT has_table_privilege('pgdrift_fixture_reader', 'public.reports', 'SELECT') AS allowed,
              pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.reports'::regclass`,
    );
    expect(grant.rows).toEqual([{ allowed: true, owner: 'pgdrift fixture "owner"' }]);
  });

  it("stops creating roles at the bound and names the line", async () => {
    const db = await database();
    roles.push("pgdrift_bound_one", "pgdrift_bound_two");
    const sql =
      "CREATE TABLE b (id int);\nGRANT SELECT ON b TO pgdrift_bound_one;\nGRANT SELECT ON b TO pgdrift_bound_two;";
    const error = await migrationError(
      applyMigrations(db.client, [{ file: "001_b.sql", sql }], { maxCreatedRoles: 1 }),
    );
    expect(error.message).toBe(
      'migration 001_b.sql line 3: 42704 role "pgdrift_bound_two" does not exist — pgdrift creates missing roles, but stopped after 1; create the roles in a first migration',
    );
  });

  it("runs a file with its own transactions statement by statement, retrying from its BEGIN for a missing role", async () => {
    const db = await database();
    roles.push("pgdrift_fixture_tx_reader");
    const messages: string[] = [];
    const result = await applyMigrations(db.client, await fixture("own-transactions"), {
      log: (message) => messages.push(message),
    });
    expect(result.createdRoles).toEqual(["pgdrift_fixture_tx_reader"]);
    expect(messages).toContain(
      "001_accounts.sql manages its own transactions: applying it statement by statement",
    );
    const { rows } = await db.client.query<{ valid: boolean; audit: boolean }>(
      `SELECT i.indisvalid AS valid,
              has_table_privilege('pgdrift_fixture_tx_reader', 'public.audit', 'SELECT') AS audit
         FROM pg_index i WHERE i.indexrelid = 'public.accounts_email_idx'::regclass`,
    );
    expect(rows).toEqual([{ valid: true, audit: true }]);
  });

  it("refuses psql meta-commands before applying anything", async () => {
    const db = await database();
    const migrations = await fixture("meta-command");
    expect(() => checkMigrations(migrations)).toThrow(MigrationError);
    const error = await migrationError(applyMigrations(db.client, migrations));
    expect(error.message).toBe(
      "migration 002_include.sql line 3: psql meta-command \\i is not supported: pgdrift sends SQL to the server, it is not psql; do what the command does in SQL or remove it",
    );
    expect(error.line).toBe(3);
    expect(await exists(db, "public.meta_ok")).toBe(false);
  });
});

describe("applyMigrations with the tools' formats", () => {
  async function scalar<T>(db: TestDatabase, sql: string): Promise<T> {
    const { rows } = await db.client.query<{ value: T }>(sql);
    return rows[0]?.value as T;
  }

  it("applies a Flyway folder with its callbacks, placeholders and non-transactional script", async () => {
    const db = await database();
    const messages: string[] = [];
    const { migrations } = await readMigrations(join(FIXTURES, "flyway-basic"), "flyway");
    const result = await applyMigrations(db.client, migrations, {
      log: (message) => messages.push(message),
    });
    expect(result.applied).toBe(8);
    // afterEachMigrate ran once per migration, versioned and repeatable
    expect(await scalar(db, "SELECT count(*)::int AS value FROM migration_runs")).toBe(8);
    expect(await scalar(db, "SELECT obj_description('public.accounts'::regclass) AS value")).toBe(
      "customer accounts (history in flyway_schema_history)",
    );
    expect(
      await scalar(db, "SELECT obj_description('public.migration_runs'::regclass) AS value"),
    ).toBe("written by the beforeMigrate and afterEachMigrate callbacks");
    expect(await exists(db, "public.account_totals")).toBe(true);
    expect(
      await scalar(
        db,
        "SELECT indisvalid AS value FROM pg_index WHERE indexrelid = 'public.orders_account_id_idx'::regclass",
      ),
    ).toBe(true);
    expect(messages).toContain(
      "2024/V2_1__orders_account_index.sql runs outside a transaction: applying it statement by statement",
    );
    expect(messages.slice(0, 3)).toEqual([
      "running beforeMigrate.sql before V1__create_accounts.sql",
      "applying V1__create_accounts.sql (1/8)",
      "running afterEachMigrate.sql after V1__create_accounts.sql",
    ]);
  });

  it("applies dbmate's up sections only, transaction:false outside a transaction", async () => {
    const db = await database();
    const messages: string[] = [];
    const { migrations } = await readMigrations(join(FIXTURES, "dbmate-basic"), "dbmate");
    await applyMigrations(db.client, migrations, { log: (message) => messages.push(message) });
    expect(await exists(db, "public.orders")).toBe(true);
    expect(await exists(db, "public.never_applied")).toBe(false);
    expect(
      await scalar(
        db,
        "SELECT indisvalid AS value FROM pg_index WHERE indexrelid = 'public.orders_user_id_idx'::regclass",
      ),
    ).toBe(true);
    expect(messages).toContain(
      "20240301080000_orders_user_index.sql runs outside a transaction: applying it statement by statement",
    );
  });

  it("applies golang-migrate, Prisma and node-pg-migrate folders", async () => {
    const expected: [string, string, string][] = [
      [
        "golang-migrate-basic",
        "golang-migrate",
        "SELECT count(*)::int AS value FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attname = 'last_login'",
      ],
      [
        "prisma-basic",
        "prisma",
        "SELECT count(*)::int AS value FROM pg_class WHERE relname = 'Order_status_idx'",
      ],
      [
        "node-pg-migrate-basic",
        "node-pg-migrate",
        "SELECT count(*)::int AS value FROM pg_attribute WHERE attrelid = 'public.orders'::regclass AND attname = 'created_at'",
      ],
    ];
    for (const [fixture, format, check] of expected) {
      const db = await database();
      const { migrations } = await readMigrations(join(FIXTURES, fixture), format as "prisma");
      expect((await applyMigrations(db.client, migrations)).applied).toBe(3);
      expect([fixture, await scalar(db, check)]).toEqual([fixture, 1]);
    }
  });

  it("names the callback that fails, and runs nothing after it", async () => {
    const db = await database();
    const error = await migrationError(
      applyMigrations(db.client, [
        {
          file: "V1__a.sql",
          sql: "CREATE TABLE a (id int);",
          after: [{ file: "afterEachMigrate.sql", sql: "SELECT 1;\nSELECT * FROM missing;" }],
        },
        { file: "V2__b.sql", sql: "CREATE TABLE b (id int);" },
      ]),
    );
    expect(error.file).toBe("afterEachMigrate.sql");
    expect(error.line).toBe(2);
    expect(await exists(db, "public.a")).toBe(true);
    expect(await exists(db, "public.b")).toBe(false);
  });
});

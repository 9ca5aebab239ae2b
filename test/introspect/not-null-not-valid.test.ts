import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmbeddedPostgres,
  resolvePostgresBinaries,
  startEmbeddedPostgres,
} from "../../shared/baseline/embedded.ts";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";

/**
 * PostgreSQL 18's `ADD CONSTRAINT … NOT NULL c NOT VALID`: attnotnull is set as for any NOT
 * NULL, and only the constraint row (contype 'n') says it is not validated. Runs on its own
 * PostgreSQL 18 (the default test cluster is 17, where the syntax does not exist).
 */
const MAJOR = 18;
const missing = await resolvePostgresBinaries(MAJOR).then(
  () => null,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
if (missing !== null) {
  console.warn(`skipping NOT NULL NOT VALID tests: PostgreSQL ${MAJOR} binaries: ${missing}`);
}

const TABLES = /* SQL */ `
CREATE TABLE public.accounts (id int, email text, "Nick" text, note text);
INSERT INTO public.accounts VALUES (1, NULL, 'n', NULL);
CREATE TABLE public.events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
`;

/** The migrations: NOT NULLs added NOT VALID, then validated. */
const VALIDATED = /* SQL */ `${TABLES}
UPDATE public.accounts SET email = 'a@b', "Nick" = 'n';
ALTER TABLE public.accounts ADD CONSTRAINT accounts_email_nn NOT NULL email NOT VALID;
ALTER TABLE public.accounts VALIDATE CONSTRAINT accounts_email_nn;
ALTER TABLE public.accounts ADD CONSTRAINT "Nick required" NOT NULL "Nick" NOT VALID;
ALTER TABLE public.accounts VALIDATE CONSTRAINT "Nick required";
ALTER TABLE public.events ADD CONSTRAINT events_id_nn NOT NULL id NOT VALID;
ALTER TABLE public.events VALIDATE CONSTRAINT events_id_nn;
`;

/** An environment where the NOT NULLs were added but never validated (a NULL email exists). */
const NOT_VALIDATED = /* SQL */ `${TABLES}
ALTER TABLE public.accounts ADD CONSTRAINT accounts_email_nn NOT NULL email NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT "Nick required" NOT NULL "Nick" NOT VALID;
ALTER TABLE public.events ADD CONSTRAINT events_id_nn NOT NULL id NOT VALID;
`;

/** The same columns made NOT NULL inline, as every major spells it. */
const INLINE = /* SQL */ `
CREATE TABLE public.accounts (id int, email text NOT NULL, "Nick" text NOT NULL, note text);
CREATE TABLE public.events (id int NOT NULL, at date) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
`;

describe.skipIf(missing !== null)(`NOT NULL … NOT VALID on PostgreSQL ${MAJOR}`, () => {
  let server: EmbeddedPostgres;
  let admin: pg.Client;
  const clients: pg.Client[] = [];

  async function database(sql: string): Promise<pg.Client> {
    const name = `nnv_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const client = new pg.Client(server.connection(name));
    await client.connect();
    clients.push(client);
    await client.query(sql);
    return client;
  }

  async function read(client: pg.Client): Promise<SnapshotObjects> {
    return (await introspect(client)).objects;
  }

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ major: MAJOR });
    admin = new pg.Client(server.connection());
    await admin.connect();
  });
  afterAll(async () => {
    try {
      for (const client of clients) await client.end();
      await admin?.end();
    } finally {
      await server?.stop();
    }
  });

  it("records attnotnull for a NOT VALID NOT NULL, and convalidated false on its 'n' row", async () => {
    const client = await database(NOT_VALIDATED);
    const { rows } = await client.query(`
      SELECT a.attname, a.attnotnull, con.conname, con.convalidated
      FROM pg_attribute a
      JOIN pg_constraint con ON con.conrelid = a.attrelid AND con.contype = 'n'
        AND con.conkey[1] = a.attnum
      WHERE a.attrelid = 'public.accounts'::regclass ORDER BY a.attnum`);
    expect(rows).toEqual([
      { attname: "email", attnotnull: true, conname: "accounts_email_nn", convalidated: false },
      { attname: "Nick", attnotnull: true, conname: "Nick required", convalidated: false },
    ]);
    // New rows are checked all the same.
    await expect(client.query("INSERT INTO public.accounts (id) VALUES (2)")).rejects.toThrow(
      /not-null/,
    );
  });

  it("reads a NOT VALID NOT NULL as `not valid: <constraint>`, partitions included", async () => {
    const objects = await read(await database(NOT_VALIDATED));

    expect(objects.column["public.accounts.email"]?.nullable).toBe("not valid: accounts_email_nn");
    expect(objects.column['public.accounts."Nick"']?.nullable).toBe('not valid: "Nick required"');
    expect(objects.column["public.accounts.note"]?.nullable).toBe(true);
    expect(objects.column["public.events.id"]?.nullable).toBe("not valid: events_id_nn");
    expect(objects.column["public.events_2024.id"]?.nullable).toBe("not valid: events_id_nn");
    expect(objects.constraint).toEqual({});
  });

  it("reads a validated NOT NULL exactly as an inline one: no finding between them", async () => {
    const validated = await read(await database(VALIDATED));
    const inline = await read(await database(INLINE));

    expect(validated.column["public.accounts.email"]?.nullable).toBe(false);
    expect(validated.column).toEqual(inline.column);
    expect(diffSnapshots(inline, validated).findings).toEqual([]);
  });

  it("reports the never-validated NOT NULL, and its remediation validates it once NULLs are fixed", async () => {
    const baseline = await read(await database(VALIDATED));
    const env = await database(NOT_VALIDATED);

    const findings = diffSnapshots(baseline, await read(env)).findings;

    expect(findings.map((f) => [f.object, f.change, f.attribute, f.expected, f.actual])).toEqual([
      ['public.accounts."Nick"', "changed", "nullable", false, "not valid"],
      ["public.accounts.email", "changed", "nullable", false, "not valid"],
      ["public.events.id", "changed", "nullable", false, "not valid"],
      ["public.events_2024.id", "changed", "nullable", false, "not valid"],
    ]);
    const email = findings.find((f) => f.object === "public.accounts.email");
    expect(email?.message).toBe(
      "column public.accounts.email is NOT NULL NOT VALID, expected NOT NULL: its NOT NULL constraint accounts_email_nn was added NOT VALID and not validated, so existing rows may hold NULL",
    );
    const statements = findings.map((f) => String(f.remediation).split(" (")[0] as string);
    expect(statements).toEqual([
      'ALTER TABLE public.accounts VALIDATE CONSTRAINT "Nick required";',
      "ALTER TABLE public.accounts VALIDATE CONSTRAINT accounts_email_nn;",
      "ALTER TABLE public.events VALIDATE CONSTRAINT events_id_nn;",
      "ALTER TABLE public.events_2024 VALIDATE CONSTRAINT events_id_nn;",
    ]);

    // The NULL email makes validation fail, as the remediation warns; once fixed, it applies.
    await expect(env.query(statements[1] as string)).rejects.toThrow(/null/i);
    await env.query("UPDATE public.accounts SET email = 'a@b'");
    for (const statement of statements.slice(0, 3)) await env.query(statement);
    expect(diffSnapshots(baseline, await read(env)).findings).toEqual([]);
  });

  it("does not report a NOT VALID NOT NULL the migrations also leave NOT VALID", async () => {
    const baseline = await read(await database(NOT_VALIDATED));
    const env = await read(await database(NOT_VALIDATED));

    expect(diffSnapshots(baseline, env).findings).toEqual([]);
  });

  it("re-creates a missing NOT VALID NOT NULL with the remediation", async () => {
    const baseline = await read(await database(NOT_VALIDATED));
    const env = await database(TABLES);

    const findings = diffSnapshots(baseline, await read(env)).findings;
    const email = findings.find((f) => f.object === "public.accounts.email");
    expect(email).toMatchObject({ expected: "not valid", actual: true });
    expect(email?.remediation).toBe(
      "ALTER TABLE public.accounts ADD CONSTRAINT accounts_email_nn NOT NULL email NOT VALID;",
    );
    for (const f of findings)
      if (!f.object.startsWith("public.events_")) await env.query(String(f.remediation));
    expect(diffSnapshots(baseline, await read(env)).findings).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteIdent } from "../../shared/diff/identity.ts";
import { createPolicyStatement } from "../../shared/diff/rules/policies.ts";
import { createTriggerStatement } from "../../shared/diff/rules/triggers.ts";
import { readPolicies } from "../../shared/introspect/policies.sql.ts";
import { withCatalogSession } from "../../shared/introspect/session.ts";
import { readTriggers } from "../../shared/introspect/triggers.sql.ts";
import type { PolicyObject, TriggerObject } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SCHEMA_SQL = /* SQL */ `
DO $$ BEGIN CREATE ROLE pgdrift_tp_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE "pgdrift_tp Admin" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE public.users (id bigint PRIMARY KEY, tenant text NOT NULL);
CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES public.users (id),
  tenant text NOT NULL,
  note text
);
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF note ON public.orders
  FOR EACH ROW WHEN (NEW.note IS NOT NULL) EXECUTE FUNCTION public.touch();
CREATE TRIGGER "Orders Audit" AFTER DELETE ON public.orders FOR EACH STATEMENT EXECUTE FUNCTION public.touch();
CREATE CONSTRAINT TRIGGER orders_check AFTER INSERT ON public.orders
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TRIGGER t_disabled BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TRIGGER t_replica BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TRIGGER t_always BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch();
ALTER TABLE public.users DISABLE TRIGGER t_disabled;
ALTER TABLE public.users ENABLE REPLICA TRIGGER t_replica;
ALTER TABLE public.users ENABLE ALWAYS TRIGGER t_always;
COMMENT ON TRIGGER t_always ON public.users IS 'replication too';

CREATE TABLE public.events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TRIGGER events_touch BEFORE UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION public.touch();
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

CREATE VIEW public.order_notes AS SELECT id, note FROM public.orders;
CREATE FUNCTION public.order_notes_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER order_notes_insert INSTEAD OF INSERT ON public.order_notes
  FOR EACH ROW EXECUTE FUNCTION public.order_notes_insert();

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.orders
  USING (tenant = current_setting('app.tenant'));
CREATE POLICY readers ON public.orders AS RESTRICTIVE FOR SELECT
  TO pgdrift_tp_reader, "pgdrift_tp Admin" USING (note IS NOT NULL);
CREATE POLICY writers ON public.orders FOR INSERT TO pgdrift_tp_reader
  WITH CHECK (user_id > 0);
CREATE POLICY "Updaters" ON public.orders FOR UPDATE USING (true) WITH CHECK (note <> '');
CREATE POLICY deleters ON public.orders FOR DELETE USING (false);
COMMENT ON POLICY deleters ON public.orders IS 'nobody';
`;

/** Table, view and materialized view OID → identity, as the table and view readers give it. */
const RELATIONS_SQL = /* SQL */ `
SELECT c.oid::int8::text AS oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS identity, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = 'public'`;

/** Triggers and policies of the database, read as introspect reads them. */
async function readBoth(
  db: TestDatabase,
): Promise<[Record<string, TriggerObject>, Record<string, PolicyObject>]> {
  const version = await db.client.query<{ v: string }>(
    "SELECT pg_catalog.current_setting('server_version_num') AS v",
  );
  const rows = (
    await db.client.query<{ oid: string; identity: string; relkind: string }>(RELATIONS_SQL)
  ).rows;
  const relations = new Map(rows.map((r) => [r.oid, r.identity]));
  const tables = new Map(
    rows.filter((r) => "rp".includes(r.relkind)).map((r) => [r.oid, r.identity]),
  );
  return withCatalogSession(
    db.client,
    { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 },
    async () => [
      await readTriggers(db.client, null, Number(version.rows[0]?.v), relations),
      await readPolicies(db.client, null, tables, Number(version.rows[0]?.v)),
    ],
  );
}

describe("readTriggers and readPolicies", () => {
  let db: TestDatabase;
  let triggers: Record<string, TriggerObject>;
  let policies: Record<string, PolicyObject>;

  beforeAll(async () => {
    db = await createTestDatabase("tp", SCHEMA_SQL);
    [triggers, policies] = await readBoth(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lists user triggers only: no foreign key triggers, no clones on partitions", () => {
    expect(Object.keys(triggers).sort()).toEqual(
      [
        'public.orders."Orders Audit"',
        "public.orders.orders_check",
        "public.orders.orders_touch",
        "public.order_notes.order_notes_insert",
        "public.events.events_touch",
        "public.users.t_always",
        "public.users.t_disabled",
        "public.users.t_replica",
      ].sort(),
    );
  });

  it("keeps the definition without the trigger's name", () => {
    expect(triggers["public.orders.orders_touch"]).toEqual({
      comment: null,
      definition:
        "BEFORE INSERT OR UPDATE OF note ON public.orders FOR EACH ROW WHEN (new.note IS NOT NULL) EXECUTE FUNCTION public.touch()",
      enabled: "enabled",
      name: "orders_touch",
      table: "public.orders",
    });
    expect(triggers['public.orders."Orders Audit"']?.definition).toBe(
      "AFTER DELETE ON public.orders FOR EACH STATEMENT EXECUTE FUNCTION public.touch()",
    );
  });

  it("marks constraint triggers and reads INSTEAD OF triggers on views", () => {
    expect(triggers["public.orders.orders_check"]?.definition).toBe(
      "CONSTRAINT AFTER INSERT ON public.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch()",
    );
    expect(triggers["public.order_notes.order_notes_insert"]).toMatchObject({
      table: "public.order_notes",
      definition:
        "INSTEAD OF INSERT ON public.order_notes FOR EACH ROW EXECUTE FUNCTION public.order_notes_insert()",
    });
  });

  it("reads the enabled state and comments", () => {
    expect(triggers["public.users.t_disabled"]?.enabled).toBe("disabled");
    expect(triggers["public.users.t_replica"]?.enabled).toBe("replica");
    expect(triggers["public.users.t_always"]).toMatchObject({
      enabled: "always",
      comment: "replication too",
    });
  });

  it("reads policies: command, mode, roles sorted (PUBLIC included), expressions", () => {
    expect(policies["public.orders.tenant_isolation"]).toEqual({
      command: "ALL",
      comment: null,
      name: "tenant_isolation",
      permissive: true,
      roles: ["PUBLIC"],
      table: "public.orders",
      using: "(tenant = current_setting('app.tenant'::text))",
      with_check: null,
    });
    expect(policies["public.orders.readers"]).toMatchObject({
      command: "SELECT",
      permissive: false,
      roles: ['"pgdrift_tp Admin"', "pgdrift_tp_reader"],
      using: "(note IS NOT NULL)",
    });
    expect(policies["public.orders.writers"]).toMatchObject({
      command: "INSERT",
      using: null,
      with_check: "(user_id > 0)",
    });
    expect(policies['public.orders."Updaters"']).toMatchObject({
      command: "UPDATE",
      using: "true",
      with_check: "(note <> ''::text)",
    });
    expect(policies["public.orders.deleters"]).toMatchObject({
      command: "DELETE",
      comment: "nobody",
    });
  });
});

describe("the CREATE statements the rules write", () => {
  it("re-create every trigger and policy as it was read", async () => {
    const db = await createTestDatabase("tp_roundtrip", SCHEMA_SQL);
    try {
      const [triggers, policies] = await readBoth(db);
      for (const trigger of Object.values(triggers)) {
        await db.exec(`DROP TRIGGER ${quoteIdent(trigger.name)} ON ${trigger.table}`);
        await db.exec(createTriggerStatement(trigger));
      }
      for (const policy of Object.values(policies)) {
        await db.exec(`DROP POLICY ${quoteIdent(policy.name)} ON ${policy.table}`);
        await db.exec(createPolicyStatement(policy));
      }
      const [triggersAfter, policiesAfter] = await readBoth(db);
      const definitions = (read: Record<string, TriggerObject>) =>
        Object.fromEntries(Object.entries(read).map(([id, t]) => [id, t.definition]));
      expect(definitions(triggersAfter)).toEqual(definitions(triggers));
      const withoutComment = (read: Record<string, PolicyObject>) =>
        Object.fromEntries(Object.entries(read).map(([id, { comment: _, ...p }]) => [id, p]));
      expect(withoutComment(policiesAfter)).toEqual(withoutComment(policies));
    } finally {
      await db.drop();
    }
  });
});

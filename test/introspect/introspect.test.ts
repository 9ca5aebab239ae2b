import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createSnapshot, serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SCHEMA_SQL = /* SQL */ `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'intro_reader') THEN CREATE ROLE intro_reader NOLOGIN; END IF;
END $$;
CREATE EXTENSION citext;
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'money';
GRANT USAGE ON SCHEMA billing TO intro_reader;
CREATE TABLE public.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email citext NOT NULL UNIQUE,
  name text COLLATE "C",
  created_at timestamptz NOT NULL DEFAULT now(),
  scratch int,
  doubled bigint GENERATED ALWAYS AS (id * 2) STORED
);
ALTER TABLE public.users DROP COLUMN scratch;
ALTER TABLE public.users ADD COLUMN nickname varchar(40);
COMMENT ON TABLE public.users IS 'people';
COMMENT ON COLUMN public.users.email IS 'login';
GRANT SELECT ON public.users TO intro_reader;
GRANT UPDATE (nickname) ON public.users TO intro_reader;
CREATE TABLE public.orders (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL,
  status varchar(50) DEFAULT 'pending',
  amount numeric(12,2),
  CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id)
    ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT orders_user_status_key UNIQUE NULLS NOT DISTINCT (user_id, status) INCLUDE (amount)
) WITH (fillfactor = 80);
ALTER TABLE public.orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE public.orders REPLICA IDENTITY FULL;
CREATE INDEX idx_user_orders ON public.orders (user_id, status DESC) WHERE status <> 'cancelled';
CREATE INDEX users_lower_email ON public.users USING btree (lower(nickname) text_pattern_ops) INCLUDE (id);
CREATE INDEX users_nick_hash ON public.users USING hash (nickname);
CREATE TABLE billing.events (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE billing.events_2024 PARTITION OF billing.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at ON billing.events (at);
ALTER TABLE billing.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing.events FORCE ROW LEVEL SECURITY;
CREATE UNLOGGED TABLE public."Order Items" ("Qty" int, EXCLUDE USING btree ("Qty" WITH =));
`;

describe("introspect", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;
  let serverVersionNum: number;

  beforeAll(async () => {
    db = await createTestDatabase("intro", SCHEMA_SQL);
    const result = await introspect(db.client);
    objects = result.objects;
    serverVersionNum = result.serverVersionNum;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reads schemas with comments and privileges, without system schemas", () => {
    expect(Object.keys(objects.schema).sort()).toEqual(["billing", "public"]);
    expect(objects.schema.billing?.comment).toBe("money");
    expect(objects.schema.billing?.privileges).toEqual([
      "OWNER:CREATE",
      "OWNER:USAGE",
      "intro_reader:USAGE",
    ]);
  });

  it("reads extensions with version and schema", () => {
    expect(objects.extension.citext).toMatchObject({ name: "citext", schema: "public" });
    expect(objects.extension.citext?.version).toMatch(/^\d+\.\d+$/);
  });

  it("reads tables: persistence, RLS, comment, privileges, options, replica identity", () => {
    const users = objects.table["public.users"];
    expect(users).toMatchObject({ relkind: "table", persistence: "permanent", comment: "people" });
    expect(users?.privileges).toContain("intro_reader:SELECT");
    expect(users?.privileges).toContain("OWNER:SELECT");
    expect(objects.table["public.orders"]).toMatchObject({
      options: ["fillfactor=80"],
      replica_identity: "full",
    });
    expect(objects.table['public."Order Items"']?.persistence).toBe("unlogged");
    expect(objects.table["billing.events"]).toMatchObject({
      relkind: "partitioned_table",
      rls_enabled: true,
      rls_forced: true,
      partition_key: "RANGE (at)",
    });
  });

  it("reads partitions with their parent and bound", () => {
    expect(objects.table["billing.events_2024"]).toMatchObject({
      partition_of: "billing.events",
      partition_bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    });
  });

  it("reads columns: type, nullability, default, identity, generated, collation, comment, privileges", () => {
    expect(objects.column["public.users.id"]).toMatchObject({
      type: "bigint",
      nullable: false,
      identity: "always",
      default: null,
    });
    expect(objects.column["public.users.email"]).toMatchObject({
      type: "public.citext",
      comment: "login",
    });
    expect(objects.column["public.users.name"]).toMatchObject({ collation: '"C"', nullable: true });
    expect(objects.column["public.users.created_at"]).toMatchObject({
      default: "now()",
      nullable: false,
    });
    expect(objects.column["public.users.doubled"]).toMatchObject({
      generated: "(id * 2)",
      default: null,
    });
    expect(objects.column["public.users.nickname"]?.privileges).toEqual(["intro_reader:UPDATE"]);
    expect(objects.column["public.orders.status"]).toMatchObject({
      type: "character varying(50)",
      default: "'pending'::character varying",
    });
    expect(objects.column["public.orders.id"]?.default).toBe(
      "nextval('public.orders_id_seq'::regclass)",
    );
  });

  it("numbers column positions among live columns, leaving no gap for a dropped one", () => {
    const positions = Object.values(objects.column)
      .filter((c) => c.table === "public.users")
      .map((c) => [c.name, c.position])
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    expect(positions).toEqual([
      ["id", 1],
      ["email", 2],
      ["name", 3],
      ["created_at", 4],
      ["doubled", 5],
      ["nickname", 6],
    ]);
  });

  it("lists partitions' columns with their parent's positions", () => {
    expect(objects.column["billing.events_2024.at"]).toMatchObject({
      table: "billing.events_2024",
      type: "date",
      nullable: false,
      position: objects.column["billing.events.at"]?.position,
    });
  });

  it("quotes identities as quote_ident would", () => {
    expect(objects.column['public."Order Items"."Qty"']?.name).toBe("Qty");
  });

  it("reads foreign keys structurally: columns, references, actions, deferrability", () => {
    expect(objects.constraint["public.orders.orders_user_id_fkey"]).toEqual({
      table: "public.orders",
      name: "orders_user_id_fkey",
      type: "foreign_key",
      columns: ["user_id"],
      references: { table: "public.users", columns: ["id"], match: "SIMPLE" },
      on_delete: "CASCADE",
      on_update: "SET NULL",
      deferrable: "DEFERRABLE INITIALLY DEFERRED",
      validated: true,
      definition: null,
      comment: null,
    });
  });

  it("reads primary keys, unique (with INCLUDE and NULLS NOT DISTINCT), checks and exclusions", () => {
    expect(objects.constraint["public.users.users_pkey"]).toMatchObject({
      type: "primary_key",
      columns: ["id"],
    });
    expect(objects.constraint["public.orders.orders_user_status_key"]).toMatchObject({
      type: "unique",
      columns: ["user_id", "status"],
      definition: `${serverVersionNum >= 150000 ? "NULLS NOT DISTINCT " : ""}INCLUDE (amount)`,
    });
    expect(objects.constraint["public.orders.amount_positive"]).toMatchObject({
      type: "check",
      validated: false,
      definition: "CHECK ((amount > (0)::numeric))",
    });
    expect(objects.constraint['public."Order Items"."Order Items_Qty_excl"']).toMatchObject({
      type: "exclusion",
      definition: 'EXCLUDE USING btree ("Qty" WITH =)',
    });
  });

  it("skips constraints cloned onto partitions", () => {
    expect(
      Object.keys(objects.constraint).filter((k) => k.startsWith("billing.events_2024")),
    ).toEqual([]);
    expect(objects.constraint["billing.events.events_pkey"]?.columns).toEqual(["id", "at"]);
  });

  it("reads indexes from the structured catalog: keys, ordering, predicate, method, unique, include", () => {
    expect(objects.index["public.idx_user_orders"]).toEqual({
      table: "public.orders",
      name: "idx_user_orders",
      columns: ["user_id", "status DESC"],
      predicate: "status::text <> 'cancelled'::text",
      method: "btree",
      unique: false,
      include: [],
      valid: true,
      definition: null,
      comment: null,
    });
    expect(objects.index["public.users_lower_email"]).toMatchObject({
      columns: ["lower(nickname::text) text_pattern_ops"],
      include: ["id"],
    });
    expect(objects.index["public.users_nick_hash"]).toMatchObject({
      method: "hash",
      unique: false,
    });
  });

  it("lists constraint-backing indexes under their constraint, and no partition index clones", () => {
    expect(objects.index["public.users_pkey"]).toBeUndefined();
    expect(objects.index["public.orders_user_status_key"]).toBeUndefined();
    expect(Object.keys(objects.index).filter((k) => k.startsWith("billing."))).toEqual([
      "billing.events_at",
    ]);
  });

  it("limits everything to the schemas asked for", async () => {
    const only = await introspect(db.client, { schemas: ["billing"] });
    expect(Object.keys(only.objects.schema)).toEqual(["billing"]);
    expect(Object.keys(only.objects.table).every((k) => k.startsWith("billing."))).toBe(true);
    expect(only.objects.extension).toEqual({});
  });

  it("gives byte-identical snapshots of the same database", async () => {
    const again = await introspect(db.client);
    const snap = (o: SnapshotObjects) =>
      serializeSnapshot(
        createSnapshot({
          createdAt: "2026-01-01T00:00:00.000Z",
          source: {
            kind: "database",
            serverVersion: "x",
            serverVersionNum: 1,
            database: "d",
            host: null,
          },
          scope: { schemas: null },
          objects: o,
        }),
      );
    expect(snap(again.objects)).toBe(snap(objects));
  });

  it("leaves the session outside any transaction and holds no locks afterwards", async () => {
    await introspect(db.client);
    const { rows } = await db.client.query<{ n: string; status: string }>(
      "SELECT count(*) AS n, (SELECT CASE WHEN now() = statement_timestamp() THEN 'idle' ELSE 'tx' END) AS status FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation >= 16384",
    );
    expect(rows[0]?.n).toBe("0");
    expect(rows[0]?.status).toBe("idle");
  });
});

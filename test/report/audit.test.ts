import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import { type AuditConnection, auditEnvironment } from "../../shared/report/audit.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { createSnapshot } from "../../shared/snapshot/snapshot.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SHOP = new URL("../../examples/shop/", import.meta.url);
const MIGRATIONS = readdirSync(new URL("migrations/", SHOP))
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(new URL(`migrations/${f}`, SHOP), "utf8"));
const PRODUCTION_DRIFT = readFileSync(new URL("drift/production.sql", SHOP), "utf8");

function connectTo(url: string, closed: string[] = []): () => Promise<AuditConnection> {
  return async () => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    await client.connect();
    return {
      client,
      close: async () => {
        closed.push(url);
        await client.end();
      },
    };
  };
}

describe("auditEnvironment", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  let head: TestDatabase;
  let production: TestDatabase;
  let baseline: Snapshot;

  beforeAll(async () => {
    head = await createTestDatabase("audit_head", MIGRATIONS.join("\n"));
    production = await createTestDatabase(
      "audit_prod",
      `${MIGRATIONS.slice(0, 3).join("\n")}\n${PRODUCTION_DRIFT}`,
    );
    const result = await introspect(head.client);
    baseline = createSnapshot({
      createdAt: now.toISOString(),
      source: {
        kind: "database",
        serverVersion: result.serverVersion,
        serverVersionNum: result.serverVersionNum,
        database: result.database,
        host: null,
      },
      scope: { schemas: null },
      objects: result.objects,
    });
  });

  afterAll(async () => {
    await head?.drop();
    await production?.drop();
  });

  it("reports an identical database as clean and closes its connection", async () => {
    const closed: string[] = [];
    const env = await auditEnvironment({
      name: "head",
      connect: connectTo(head.url, closed),
      baseline,
      diffOptions: {},
      now,
    });
    expect(env.status).toBe("clean");
    expect(env.findings).toEqual([]);
    expect(env.snapshotDigest).toBe(baseline.digest);
    expect(env.serverVersion).toMatch(/^\d+\.\d+/);
    expect(closed).toEqual([head.url]);
  });

  it("reports an error, not clean, when a listed schema exists on neither side", async () => {
    const env = await auditEnvironment({
      name: "head",
      connect: connectTo(head.url),
      baseline,
      schemas: ["public", "pubilc"],
      diffOptions: {},
      now,
    });
    expect(env.status).toBe("error");
    expect(env.error?.code).toBe("schema_not_found");
    expect(env.error?.message).toContain('"pubilc"');
    expect(env.findings).toEqual([]);
  });

  it("reports the production drift with severities", async () => {
    const env = await auditEnvironment({
      name: "production",
      connect: connectTo(production.url),
      baseline,
      diffOptions: {},
      now,
    });
    expect(env.status).toBe("drift");
    const found = env.findings.map((f) =>
      [f.change, f.kind, f.object, f.attribute ?? "", f.severity].join(" "),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        "missing column billing.payments.transaction_ref  critical",
        "changed column public.orders.status type critical",
        "changed column public.orders.status default high",
        "changed constraint public.orders.orders_user_id_fkey on_delete critical",
      ]),
    );
    expect(env.summary.worst).toBe("critical");
    expect(env.summary.total).toBe(env.findings.length);
  });

  it("notes a major version that differs from the baseline's", async () => {
    const major = inject("pgMajor");
    const older: Snapshot = {
      ...baseline,
      source: { ...baseline.source, serverVersionNum: (major - 1) * 10_000 + 4 },
    };
    const env = await auditEnvironment({
      name: "head",
      connect: connectTo(head.url),
      baseline: older,
      diffOptions: {},
      now,
    });
    expect(env.notes).toEqual([
      expect.stringMatching(
        new RegExp(`^baseline built on PostgreSQL ${major - 1}, environment runs ${major}`),
      ),
    ]);
  });

  it("counts ignored findings and notes expired ignore rules", async () => {
    const env = await auditEnvironment({
      name: "production",
      connect: connectTo(production.url),
      baseline,
      diffOptions: {
        ignore: [
          { object: "public.orders.*", reason: "orders rework in progress" },
          { kind: "index", reason: "old rule", expires: "2026-01-31" },
        ],
      },
      now,
    });
    expect(env.summary.ignored).toBe(env.ignored?.length);
    expect(env.ignored?.map((i) => i.reason)).toContain("orders rework in progress");
    expect(env.findings.some((f) => f.object.startsWith("public.orders."))).toBe(false);
    expect(env.notes?.some((n) => n.includes("old rule") && n.includes("2026-01-31"))).toBe(true);
  });

  it("turns a refused connection into status error with a code, never clean", async () => {
    const env = await auditEnvironment({
      name: "staging",
      connect: connectTo("postgresql://app:pw@127.0.0.1:1/shop"),
      baseline,
      diffOptions: {},
      now,
      target: { host: "127.0.0.1", port: 1, database: "shop", user: "app" },
    });
    expect(env.status).toBe("error");
    expect(env.error?.code).toBe("connection_refused");
    expect(env.error?.message).toBe(
      "staging: cannot connect to 127.0.0.1:1 (connection refused): check host, port and that the server accepts TCP connections",
    );
    expect(env.findings).toEqual([]);
  });

  it("turns a failure after connecting into status error and still closes the connection", async () => {
    const closed: string[] = [];
    const env = await auditEnvironment({
      name: "head",
      connect: async () => {
        const connection = await connectTo(head.url, closed)();
        await connection.client
          .query("SELECT pg_terminate_backend(pg_backend_pid())")
          .catch(() => undefined);
        return connection;
      },
      baseline,
      diffOptions: {},
      now,
    });
    expect(env.status).toBe("error");
    expect(env.error?.code).toMatch(/^(audit_failed|introspection_failed|connection_closed)$/);
    expect(closed).toEqual([head.url]);
  });
});

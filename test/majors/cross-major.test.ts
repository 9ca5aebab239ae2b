import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DEFAULT_PG_MAJOR,
  type EmbeddedPostgres,
  resolvePostgresBinaries,
  startEmbeddedPostgres,
} from "../../shared/baseline/embedded.ts";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { auditEnvironment } from "../../shared/report/audit.ts";
import type { Snapshot, SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createSnapshot } from "../../shared/snapshot/snapshot.ts";
import type { CaseDatabase } from "../diff/fixture-cases.ts";
import { runOutsideTransactionCase } from "../never-drift/outside-transaction.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

/**
 * One schema built on each PostgreSQL major and compared with the same schema built on the
 * default major (17): whatever the majors print differently is normalized by the readers
 * (docs/cross-major.md), so the diff is empty and the audit says only that the majors differ.
 */
const EVERY_KIND = readFileSync(
  new URL("../fixtures/diff/never-drift-every-kind/before.sql", import.meta.url),
  "utf8",
);
const OTHER_MAJORS = [14, 15, 16, 18];
const available = await Promise.all(
  OTHER_MAJORS.map((major) =>
    resolvePostgresBinaries(major).then(
      () => major,
      () => undefined,
    ),
  ),
);
const MAJORS = available.filter((major): major is number => major !== undefined);

function countObjects(objects: SnapshotObjects): number {
  return Object.values(objects).reduce((n, byIdentity) => n + Object.keys(byIdentity).length, 0);
}

describe("the never-drift-every-kind schema across PostgreSQL majors", () => {
  let reference: TestDatabase;
  let baseline: Snapshot;

  beforeAll(async () => {
    expect(inject("pgMajor")).toBe(DEFAULT_PG_MAJOR);
    reference = await createTestDatabase("xmajor_ref", EVERY_KIND);
    const result = await introspect(reference.client);
    baseline = createSnapshot({
      createdAt: "2026-11-25T12:00:00.000Z",
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
    await reference?.drop();
  });

  it("reads a schema of every kind on the default major", () => {
    const { objects } = baseline;
    const count = (kind: keyof SnapshotObjects) => Object.keys(objects[kind]).length;
    expect({
      schema: count("schema"),
      table: count("table"),
      column: count("column"),
      constraint: count("constraint"),
      index: count("index"),
      view: count("view"),
      materialized_view: count("materialized_view"),
      sequence: count("sequence"),
      procedure: count("procedure"),
      trigger: count("trigger"),
      type: count("type"),
      domain: count("domain"),
      policy: count("policy"),
    }).toEqual({
      schema: 3,
      table: 11,
      column: 51,
      constraint: 17,
      index: 8,
      view: 5,
      materialized_view: 1,
      sequence: 1,
      procedure: 1,
      trigger: 3,
      type: 4,
      domain: 3,
      policy: 4,
    });
    expect(Object.keys(objects.function)).toEqual(
      expect.arrayContaining([
        "audit.record_event()",
        "shop.order_total(bigint)",
        "shop.order_total(bigint, boolean)",
        "shop.touch_updated_at()",
      ]),
    );
    // NOT NULL columns are a column attribute, never constraint rows (18 records them so).
    expect(Object.keys(objects.constraint).filter((id) => id.endsWith("_not_null"))).toEqual([]);
  });

  describe.each(MAJORS)("PostgreSQL %i against PostgreSQL 17", (major) => {
    let server: EmbeddedPostgres;
    let admin: pg.Client;
    const created: string[] = [];

    beforeAll(async () => {
      server = await startEmbeddedPostgres({ major });
      admin = new pg.Client(server.connection());
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await server?.stop();
    });

    async function createDatabase(
      prefix: string,
      sql: string,
    ): Promise<CaseDatabase & { name: string }> {
      const name = `${prefix}_${randomBytes(4).toString("hex")}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      created.push(name);
      const client = new pg.Client(server.connection(name));
      await client.connect();
      await client.query(sql);
      return {
        name,
        client,
        drop: async () => {
          await client.end();
          await admin.query(`DROP DATABASE "${name}"`);
        },
      };
    }

    it("gives the same snapshot: no finding either way", async () => {
      const db = await createDatabase("xmajor", EVERY_KIND);
      try {
        const result = await introspect(db.client);
        expect(Math.floor(result.serverVersionNum / 10_000)).toBe(major);
        expect(diffSnapshots(baseline.objects, result.objects).findings).toEqual([]);
        expect(diffSnapshots(result.objects, baseline.objects).findings).toEqual([]);
        expect(countObjects(result.objects)).toBe(countObjects(baseline.objects));
      } finally {
        await db.drop();
      }
    });

    it("audits clean against the PostgreSQL 17 baseline, with a note that the majors differ", async () => {
      const db = await createDatabase("xmajor_audit", EVERY_KIND);
      try {
        const env = await auditEnvironment({
          name: `pg${major}`,
          connect: async () => {
            const client = new pg.Client(server.connection(db.name));
            await client.connect();
            return { client, close: () => client.end() };
          },
          baseline,
          diffOptions: {},
          now: new Date("2026-11-25T12:00:00Z"),
        });
        expect(env.findings).toEqual([]);
        expect(env.status).toBe("clean");
        expect(env.serverVersion).toMatch(new RegExp(`^${major}\\.`));
        expect(env.notes).toEqual([
          `baseline built on PostgreSQL ${DEFAULT_PG_MAJOR}, environment runs ${major}: some differences may come from the version (rebuild the baseline with --pg-version ${major})`,
        ]);
      } finally {
        await db.drop();
      }
    });

    it("gives no finding after VACUUM FULL and CONCURRENTLY rebuilds (outside a transaction)", async () => {
      expect(await runOutsideTransactionCase(createDatabase)).toEqual([]);
    });

    it.runIf(major >= 15)(
      "reads ON DELETE SET NULL (columns) as on_delete, as PostgreSQL 17 does",
      async () => {
        const db = await createDatabase(
          "xmajor_setnull",
          `CREATE TABLE public.authors (id bigint PRIMARY KEY);
           CREATE TABLE public.posts (id bigint PRIMARY KEY, tenant bigint NOT NULL DEFAULT 0,
             author_id bigint REFERENCES public.authors ON DELETE SET NULL (author_id));`,
        );
        try {
          const { objects } = await introspect(db.client);
          expect(objects.constraint["public.posts.posts_author_id_fkey"]?.on_delete).toBe(
            "SET NULL (author_id)",
          );
        } finally {
          await db.drop();
        }
      },
    );

    it.runIf(major >= 18)(
      "reads NOT ENFORCED, reports it as one definition change, and keeps NOT NULL rows out",
      async () => {
        const schema = (enforcement: string) => `
          CREATE TABLE public.authors (id bigint PRIMARY KEY, name text NOT NULL);
          CREATE TABLE public.posts (
            id bigint PRIMARY KEY,
            author_id bigint NOT NULL,
            words integer NOT NULL,
            CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES public.authors ${enforcement},
            CONSTRAINT posts_words_check CHECK (words > 0) ${enforcement});`;
        const enforced = await createDatabase("xmajor_enf", schema(""));
        const notEnforced = await createDatabase("xmajor_notenf", schema("NOT ENFORCED"));
        try {
          const base = (await introspect(enforced.client)).objects;
          const env = (await introspect(notEnforced.client)).objects;
          expect(Object.keys(base.constraint)).toEqual([
            "public.authors.authors_pkey",
            "public.posts.posts_author_fk",
            "public.posts.posts_pkey",
            "public.posts.posts_words_check",
          ]);
          expect(env.constraint["public.posts.posts_author_fk"]).toMatchObject({
            definition: "NOT ENFORCED",
            validated: false,
          });
          expect(env.constraint["public.posts.posts_words_check"]?.definition).toBe(
            "CHECK ((words > 0)) NOT ENFORCED",
          );
          const findings = diffSnapshots(base, env).findings.map((f) => [
            f.object,
            f.attribute,
            f.severity,
            f.remediation,
          ]);
          expect(findings).toEqual([
            [
              "public.posts.posts_author_fk",
              "definition",
              "critical",
              "ALTER TABLE public.posts ALTER CONSTRAINT posts_author_fk ENFORCED; (checks every row: fails while rows violate it)",
            ],
            [
              "public.posts.posts_words_check",
              "definition",
              "critical",
              "ALTER TABLE public.posts DROP CONSTRAINT posts_words_check, ADD CONSTRAINT posts_words_check CHECK ((words > 0)); (checks every row: fails while rows violate it)",
            ],
          ]);
          // The remediations are SQL PostgreSQL 18 takes, and give back the baseline.
          for (const [, , , sql] of findings) {
            await notEnforced.client.query(String(sql).replace(/ \(checks every row.*$/, ""));
          }
          const repaired = (await introspect(notEnforced.client)).objects;
          expect(diffSnapshots(base, repaired).findings).toEqual([]);
        } finally {
          await enforced.drop();
          await notEnforced.drop();
        }
      },
    );

    it.runIf(major >= 18)(
      "reads temporal keys (WITHOUT OVERLAPS, PERIOD) and re-creates them from the remediation",
      async () => {
        const schema = `CREATE EXTENSION IF NOT EXISTS btree_gist;
          CREATE TABLE public.rooms (id integer NOT NULL, valid_at daterange NOT NULL, name text);
          CREATE TABLE public.stays (room_id integer, valid_at daterange);`;
        const keys = `
          ALTER TABLE public.rooms ADD CONSTRAINT rooms_pkey PRIMARY KEY (id, valid_at WITHOUT OVERLAPS);
          ALTER TABLE public.stays ADD CONSTRAINT stays_room_fkey FOREIGN KEY (room_id, PERIOD valid_at)
            REFERENCES public.rooms (id, PERIOD valid_at);`;
        const before = await createDatabase("xmajor_temporal", `${schema}${keys}`);
        const after = await createDatabase("xmajor_temporal", schema);
        try {
          const base = (await introspect(before.client)).objects;
          expect(base.constraint["public.rooms.rooms_pkey"]).toMatchObject({
            columns: ["id", "valid_at"],
            definition: "WITHOUT OVERLAPS",
          });
          expect(base.constraint["public.stays.stays_room_fkey"]?.definition).toBe("PERIOD");
          const { findings } = diffSnapshots(base, (await introspect(after.client)).objects);
          expect(findings.map((f) => [f.object, f.change])).toEqual([
            ["public.rooms.rooms_pkey", "missing"],
            ["public.stays.stays_room_fkey", "missing"],
          ]);
          for (const finding of findings) {
            await after.client.query(
              String(/: (ALTER TABLE .*;)/.exec(String(finding.remediation))?.[1]),
            );
          }
          expect(diffSnapshots(base, (await introspect(after.client)).objects).findings).toEqual(
            [],
          );
        } finally {
          await before.drop();
          await after.drop();
        }
      },
    );
  });
});

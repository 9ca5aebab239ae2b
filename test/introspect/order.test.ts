import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readColumns } from "../../shared/introspect/columns.sql.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { readLookups } from "../../shared/introspect/lookups.sql.ts";
import { withCatalogSession } from "../../shared/introspect/session.ts";
import { readTables } from "../../shared/introspect/tables.sql.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

/**
 * Readers build their records in identity order, so that introspect() need not re-sort them;
 * these names make the shortcuts wrong if taken naively: table `"Ab""x"` sorts after `"Ab"`,
 * but its columns (`"Ab""x".c`) sort before `"Ab"`'s (`"Ab".c`), since `"` < `.`; a partition
 * sorts before its root and holds its columns in another order.
 */
const SCHEMA_SQL = /* SQL */ `
CREATE TABLE public.ab (zeta int, alpha int, "Mixed" int, beta int);
CREATE TABLE public."ab$" (x int, a int);
CREATE TABLE public."Ab" (c int, b int);
CREATE TABLE public."Ab""x" (c int);
CREATE TABLE public.ab_c (y int);
CREATE TABLE public.z_root (id int NOT NULL, kind text, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.a_part (at date NOT NULL, kind text, id int NOT NULL);
ALTER TABLE public.z_root ATTACH PARTITION public.a_part FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.gap (a int, dropped int, b int);
ALTER TABLE public.gap DROP COLUMN dropped;
CREATE INDEX "zz_idx" ON public.ab (alpha);
CREATE INDEX "AA_idx" ON public.ab (beta);
CREATE INDEX "ab$_idx" ON public."ab$" (x);
`;

function expectSortedKeys(objects: SnapshotObjects): void {
  for (const [kind, record] of Object.entries(objects)) {
    const keys = Object.keys(record);
    expect([...keys].sort(), kind).toEqual(keys);
  }
}

describe("introspect builds every kind in identity order", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("order", SCHEMA_SQL);
    objects = (await introspect(db.client)).objects;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("returns every record with its identities sorted, tricky names included", () => {
    expectSortedKeys(objects);
    const columns = Object.keys(objects.column).filter((k) => /^public\.("A|ab|"ab)/.test(k));
    expect(columns).toEqual([
      'public."Ab""x".c',
      'public."Ab".b',
      'public."Ab".c',
      'public."ab$".a',
      'public."ab$".x',
      'public.ab."Mixed"',
      "public.ab.alpha",
      "public.ab.beta",
      "public.ab.zeta",
      "public.ab_c.y",
    ]);
    expect(Object.keys(objects.index)).toEqual([
      'public."AA_idx"',
      'public."ab$_idx"',
      "public.zz_idx",
    ]);
  });

  it("still numbers positions by attnum among live columns", () => {
    expect(objects.column["public.ab.zeta"]?.position).toBe(1);
    expect(objects.column["public.ab.beta"]?.position).toBe(4);
    expect(objects.column["public.gap.b"]?.position).toBe(2);
  });

  it("gives a partition that sorts before its root the root's positions", () => {
    for (const name of ["id", "kind", "at"]) {
      expect(objects.column[`public.a_part.${name}`]?.position, name).toBe(
        objects.column[`public.z_root.${name}`]?.position,
      );
    }
    expect(objects.column["public.a_part.id"]?.position).toBe(1);
  });

  it("reads the same columns whatever the number of tables per column query", async () => {
    const read = (perQuery?: number) =>
      withCatalogSession(
        db.client,
        { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 },
        async () => {
          const lookups = await readLookups(db.client);
          const tables = await readTables(db.client, null);
          const version = await db.client.query<{ n: string }>(
            "SELECT current_setting('server_version_num') AS n",
          );
          return readColumns(db.client, null, tables, lookups, Number(version.rows[0]?.n), {
            tablesPerQuery: perQuery,
          });
        },
      );
    const whole = await read();
    for (const perQuery of [1, 2, 3]) {
      const sliced = await read(perQuery);
      expect(Object.keys(sliced.columns)).toEqual(Object.keys(whole.columns));
      expect(sliced.columns).toEqual(whole.columns);
      expect([...sliced.names].sort()).toEqual([...whole.names].sort());
    }
    expect(whole.columns).toEqual(objects.column);
  });
});

import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";
import { unsortedKeyPaths } from "../support/unsorted-keys.ts";

/**
 * A large database's columns, indexes and constraints are read a slice of tables at a time
 * (IntrospectOptions.tablesPerQuery, 5,000 by default). Whatever the slice size, the objects
 * read must be the same: every kind of the never-drift schema (keys with INCLUDE, exclusion
 * constraints, partitioned tables, expression and partial indexes, a materialized view's index),
 * plus foreign keys to a table outside the scope and to a table in another slice.
 */
const EXTRA_SQL = /* SQL */ `
CREATE SCHEMA outside;
CREATE TABLE outside.currencies (code text PRIMARY KEY, "Precision" int UNIQUE);
CREATE TABLE shop.prices (
  id int PRIMARY KEY,
  currency text NOT NULL REFERENCES outside.currencies (code),
  precision_ref int REFERENCES outside.currencies ("Precision"),
  amount numeric CHECK (amount >= 0)
);
CREATE TABLE shop.zz_last (id int PRIMARY KEY, price int REFERENCES shop.prices (id));
CREATE INDEX zz_last_price ON shop.zz_last (price) WHERE price > 0;
`;

function countingQueries(client: Queryable): { db: Queryable; sql: string[] } {
  const sql: string[] = [];
  return {
    sql,
    db: {
      query: (text, params) => {
        sql.push(text);
        return client.query(text, params);
      },
    },
  };
}

describe("introspection read a slice of tables at a time", () => {
  let db: TestDatabase;
  let whole: SnapshotObjects;
  const scope = { schemas: ["shop", "audit"] };

  beforeAll(async () => {
    const everyKind = await readFile(
      new URL("../fixtures/diff/never-drift-every-kind/before.sql", import.meta.url),
      "utf8",
    );
    db = await createTestDatabase("slices", everyKind);
    await db.exec(EXTRA_SQL);
    whole = (await introspect(db.client, scope)).objects;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it("reads a schema with keys, indexes and constraints of every sort", () => {
    expect(Object.keys(whole.table).length).toBeGreaterThan(6);
    expect(Object.keys(whole.materialized_view).length).toBeGreaterThan(0);
    expect(Object.values(whole.index).some((index) => index.table.startsWith("shop.daily"))).toBe(
      true,
    );
    expect(Object.values(whole.constraint).map((c) => c.type)).toEqual(
      expect.arrayContaining(["primary_key", "unique", "foreign_key", "check", "exclusion"]),
    );
    expect(whole.constraint["shop.prices.prices_precision_ref_fkey"]?.references).toEqual({
      columns: ['"Precision"'],
      match: "SIMPLE",
      table: "outside.currencies",
    });
  });

  for (const tablesPerQuery of [1, 2, 3, 7]) {
    it(`gives the same objects, in identity order, with ${tablesPerQuery} table(s) per query`, async () => {
      const counted = countingQueries(db.client);
      const sliced = (await introspect(counted.db, { ...scope, tablesPerQuery })).objects;
      for (const kind of Object.keys(whole) as (keyof SnapshotObjects)[]) {
        expect(Object.keys(sliced[kind]), kind).toEqual(Object.keys(whole[kind]));
        expect(sliced[kind], kind).toEqual(whole[kind]);
        expect(unsortedKeyPaths(sliced[kind], kind)).toEqual([]);
      }
      // One query per slice for each per-table kind, and one for materialized views' indexes.
      const tables = Object.keys(whole.table).length;
      const slices = Math.ceil(tables / tablesPerQuery);
      const count = (pattern: RegExp) => counted.sql.filter((text) => pattern.test(text)).length;
      expect(count(/i\.indexrelid::int8::text AS index_oid/)).toBe(slices + 1);
      expect(
        count(
          /FROM pg_catalog\.unnest\(\$2::oid\[\]\) AS wanted\(oid\)\nJOIN pg_catalog\.pg_constraint/,
        ),
      ).toBe(slices);
    });
  }
});

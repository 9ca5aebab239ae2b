import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntrospectionError } from "../../shared/introspect/errors.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

/**
 * The real database, with what concurrent DDL does to a read in progress injected into the
 * column query: the error PostgreSQL raises when a table seen by one catalog query is dropped
 * before a deparse function looks it up.
 */
/** The column reader's query (other readers read pg_attribute too, for views and types). */
const isColumnQuery = (sql: string) => sql.includes("LEFT JOIN pg_catalog.pg_attrdef ad");

function droppingTables(db: Queryable, failures: number): Queryable & { columnReads: number } {
  const wrapper = {
    columnReads: 0,
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      if (isColumnQuery(sql)) {
        wrapper.columnReads++;
        if (wrapper.columnReads <= failures) {
          throw Object.assign(new Error("cache lookup failed for relation 123456"), {
            code: "XX000",
          });
        }
      }
      return db.query<R>(sql, params);
    },
  };
  return wrapper;
}

describe("introspect under concurrent DDL", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(
      "ddl",
      "CREATE TABLE public.t (id int PRIMARY KEY, x int DEFAULT 1 CHECK (x > 0));",
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reads again in a new transaction, and gives the same snapshot as an undisturbed read", async () => {
    const flaky = droppingTables(db.client, 1);
    const result = await introspect(flaky);
    expect(flaky.columnReads).toBe(2);
    expect(result.objects).toEqual((await introspect(db.client)).objects);
  });

  it("gives up after its attempts with an error saying the catalog kept changing", async () => {
    const flaky = droppingTables(db.client, 10);
    const error = await introspect(flaky, { attempts: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntrospectionError);
    expect((error as Error).message).toMatch(
      /^the catalog kept changing while it was read \(3 attempts/,
    );
    expect(flaky.columnReads).toBe(3);
  });

  it("does not retry other errors", async () => {
    const broken: Queryable = {
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        if (isColumnQuery(sql)) {
          throw Object.assign(new Error("permission denied for table pg_attribute"), {
            code: "42501",
          });
        }
        return (db.client as Queryable).query<R>(sql, params);
      },
    };
    await expect(introspect(broken)).rejects.toThrow(/reading columns failed: 42501/);
  });
});

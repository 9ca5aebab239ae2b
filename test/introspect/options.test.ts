import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SQL = /* SQL */ `
CREATE TABLE public.spelled_off (id int) WITH (autovacuum_enabled = off, fillfactor = 70);
CREATE TABLE public.spelled_false (id int) WITH (autovacuum_enabled = false, fillfactor = 70);
CREATE TABLE public.spelled_no (id int) WITH (autovacuum_enabled = NO, vacuum_index_cleanup = 'ON', fillfactor = 70);
`;

describe("table storage options", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("options", SQL);
    ({ objects } = await introspect(db.client));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("read one spelling of a boolean however it was written, so off, false and NO compare equal", () => {
    const expected = ["autovacuum_enabled=false", "fillfactor=70"];
    expect(objects.table["public.spelled_off"]?.options).toEqual(expected);
    expect(objects.table["public.spelled_false"]?.options).toEqual(expected);
    expect(objects.table["public.spelled_no"]?.options).toEqual([
      ...expected,
      "vacuum_index_cleanup=true",
    ]);
  });
});

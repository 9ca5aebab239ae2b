import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SQL = /* SQL */ `
DO $$ BEGIN CREATE ROLE pgdrift_maintainer NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE public.by_default (id int);
CREATE TABLE public.maintained (id int);
GRANT MAINTAIN ON public.maintained TO pgdrift_maintainer;
CREATE VIEW public.v AS SELECT id FROM public.by_default;
`;

describe("relation privileges across the PostgreSQL 17 MAINTAIN privilege", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("privileges", SQL);
    ({ objects } = await introspect(db.client));
  });
  afterAll(async () => {
    await db?.drop();
  });

  const OWNER_DEFAULTS = [
    "OWNER:DELETE",
    "OWNER:INSERT",
    "OWNER:REFERENCES",
    "OWNER:SELECT",
    "OWNER:TRIGGER",
    "OWNER:TRUNCATE",
    "OWNER:UPDATE",
  ];

  it("leaves the owner's MAINTAIN out, so a default ACL reads as on PostgreSQL 14-16", () => {
    expect(objects.table["public.by_default"]?.privileges).toEqual(OWNER_DEFAULTS);
    expect(objects.view["public.v"]?.privileges).toEqual(OWNER_DEFAULTS);
  });

  it("keeps MAINTAIN granted to another role", () => {
    expect(objects.table["public.maintained"]?.privileges).toEqual(
      [...OWNER_DEFAULTS, "pgdrift_maintainer:MAINTAIN"].sort(),
    );
  });
});

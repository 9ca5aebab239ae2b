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
CREATE TABLE public.all_granted (id int);
GRANT ALL ON public.all_granted TO pgdrift_maintainer WITH GRANT OPTION;
CREATE TABLE public.almost_all (id int);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, MAINTAIN ON public.almost_all
  TO pgdrift_maintainer;
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

  it("reads GRANT ALL as on PostgreSQL 14-16: without the MAINTAIN it includes from 17 on", () => {
    expect(objects.table["public.all_granted"]?.privileges).toEqual(
      [
        ...OWNER_DEFAULTS,
        ...OWNER_DEFAULTS.map((p) => `${p.replace("OWNER", "pgdrift_maintainer")}*`),
      ].sort(),
    );
  });

  it("keeps MAINTAIN given beside some of the other privileges only", () => {
    expect(objects.table["public.almost_all"]?.privileges).toContain("pgdrift_maintainer:MAINTAIN");
  });
});

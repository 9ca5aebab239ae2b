import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { createTestDatabase } from "../support/db.ts";

const CASE = new URL("../fixtures/diff/never-drift-owners/", import.meta.url);

/**
 * The never-drift-owners fixture expects no finding without compareOwners. This proves the
 * fixture really gives every kind another owner: with compareOwners, each one is an owner
 * finding, and nothing else differs.
 */
describe("never drift: owners", () => {
  it("reports only owners, on every kind that has one, when compareOwners is set", async () => {
    const [before, after] = await Promise.all([
      readFile(new URL("before.sql", CASE), "utf8"),
      readFile(new URL("after.sql", CASE), "utf8"),
    ]);
    const baselineDb = await createTestDatabase("owners_a", before);
    const envDb = await createTestDatabase("owners_b", after);
    try {
      const baseline = (await introspect(baselineDb.client)).objects;
      const actual = (await introspect(envDb.client)).objects;
      const { findings } = diffSnapshots(baseline, actual, { compareOwners: true });
      expect(findings.filter((f) => f.attribute !== "owner")).toEqual([]);
      expect(findings.map((f) => `${f.kind} ${f.object}`).sort()).toEqual([
        "domain crm.email",
        "function crm.deal_count(crm.stage)",
        "materialized_view crm.deal_stats",
        "procedure crm.close_deal(bigint)",
        "schema crm",
        "sequence crm.deal_refs",
        "table crm.activity",
        "table crm.activity_2024",
        "table crm.deals",
        "type crm.money_pair",
        "type crm.stage",
        "view crm.won_deals",
      ]);
      expect(findings[0]).toMatchObject({
        expected: "pgdrift_fx_owner_a",
        actual: "pgdrift_fx_owner_b",
      });
    } finally {
      await baselineDb.drop();
      await envDb.drop();
    }
  });
});

import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db.ts";
import { FIXTURE_CASES, runFixtureCase } from "./fixture-cases.ts";

describe("diff fixtures", () => {
  it("finds at least one case folder", () => {
    expect(FIXTURE_CASES.length).toBeGreaterThan(0);
  });

  it.each(FIXTURE_CASES)("%s", async (name) => {
    const { expected, found, unsorted } = await runFixtureCase(name, createTestDatabase);
    expect(found).toEqual(expected);
    expect(unsorted, "objects built with their keys out of order").toEqual([]);
  });
});

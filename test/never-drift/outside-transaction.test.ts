import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db.ts";
import { runOutsideTransactionCase } from "./outside-transaction.ts";

describe("never drift: statements that cannot run in a transaction block", () => {
  it("VACUUM FULL, CREATE/DROP/REINDEX CONCURRENTLY and REFRESH CONCURRENTLY give no finding", async () => {
    expect(await runOutsideTransactionCase(createTestDatabase)).toEqual([]);
  });
});

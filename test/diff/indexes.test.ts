import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { createTestDatabase } from "../support/db.ts";
import { shop } from "./builders.ts";

describe("index rule", () => {
  it("reports a hand-made index as medium with a concurrent DROP", () => {
    const baseline = shop().build();
    const actual = shop().index("public.orders", "idx_user_orders", ["user_id", "status"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "index",
      object: "public.idx_user_orders",
      change: "unexpected",
      severity: "medium",
      table: "public.orders",
      message: "index public.idx_user_orders exists but no migration creates it",
    });
    expect(findings[0]?.remediation).toMatch(
      /^DROP INDEX CONCURRENTLY public\.idx_user_orders; — or add it to a migration if a query needs it/,
    );
  });

  it("reports a changed comment as low, fixed with COMMENT ON INDEX, not a rebuild", () => {
    const index = (comment: string | null) =>
      shop().index("public.orders", "idx_user_orders", ["user_id"], { comment }).build();

    const { findings } = diffSnapshots(index("Orders by user"), index(null));

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: "public.idx_user_orders",
      change: "changed",
      attribute: "comment",
      severity: "low",
      remediation: "COMMENT ON INDEX public.idx_user_orders IS 'Orders by user';",
    });
  });

  it("reads an index's comment from the catalog", async () => {
    const db = await createTestDatabase(
      "idx_comment",
      `CREATE TABLE t (id int, n int); CREATE INDEX t_n ON t (n); CREATE INDEX t_id ON t (id);
       COMMENT ON INDEX t_n IS 'lookups by n';`,
    );
    try {
      const { objects } = await introspect(db.client);
      expect(objects.index["public.t_n"]?.comment).toBe("lookups by n");
      expect(objects.index["public.t_id"]?.comment).toBeNull();
    } finally {
      await db.drop();
    }
  });

  it("raises an unexpected unique index to high", () => {
    const baseline = shop().build();
    const actual = shop()
      .index("public.users", "users_email_key", ["email"], { unique: true })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.severity).toBe("high");
    expect(finding?.message).toContain("rejects rows the migrations allow");
  });

  it("reports a missing index as high with the CREATE INDEX built from the baseline", () => {
    const baseline = shop()
      .index("public.orders", "idx_open_orders", ["user_id"], {
        predicate: "(status IS NULL)",
        include: ["amount"],
      })
      .build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ change: "missing", severity: "high" });
    expect(finding?.remediation).toBe(
      "Apply the migration that creates it: CREATE INDEX CONCURRENTLY idx_open_orders ON public.orders USING btree (user_id) INCLUDE (amount) WHERE (status IS NULL);",
    );
  });

  it("writes storage settings and NULLS NOT DISTINCT into the CREATE INDEX of a missing index", () => {
    const baseline = shop()
      .index("public.users", "users_email_key", ["email"], {
        unique: "nulls not distinct",
        definition: "WITH (fillfactor=70) TABLESPACE fast",
      })
      .build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      "Apply the migration that creates it: CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.users USING btree (email) NULLS NOT DISTINCT WITH (fillfactor=70) TABLESPACE fast;",
    );
  });

  it("points at the constraint when the missing index has a baseline constraint's name", () => {
    const baseline = shop().index("public.users", "users_pkey", ["id"], { unique: true }).build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      "It implements constraint public.users.users_pkey: apply the migration that adds the constraint.",
    );
  });

  it("reports changed key columns as high", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("index", "public.idx_orders_user_id", { columns: ["user_id", "status"] })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "columns",
      severity: "high",
      message: "index public.idx_orders_user_id: columns is (user_id, status), expected (user_id)",
    });
  });

  it("reports changed storage parameters or tablespace as low", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("index", "public.idx_orders_user_id", { definition: "WITH (fillfactor=70)" })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "definition",
      severity: "low",
      expected: null,
      actual: "WITH (fillfactor=70)",
    });
  });

  it("keeps a definition that gathers several fields high", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("index", "public.idx_orders_user_id", {
        table: "public.users",
        definition: "TABLESPACE fast",
      })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "definition",
      severity: "high",
      expected: { definition: null, table: "public.orders" },
      actual: { definition: "TABLESPACE fast", table: "public.users" },
    });
  });

  it("reports an invalid index and suggests REINDEX", () => {
    const baseline = shop().build();
    const actual = shop().patch("index", "public.idx_orders_user_id", { valid: false }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "valid", severity: "high" });
    expect(finding?.remediation).toBe("REINDEX INDEX CONCURRENTLY public.idx_orders_user_id;");
  });

  it("reports a renamed index as one low name change with ALTER INDEX … RENAME", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("index", "public.idx_orders_user_id")
      .index("public.orders", "orders_user_id_idx", ["user_id"])
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: "public.idx_orders_user_id",
      attribute: "name",
      severity: "low",
      expected: "idx_orders_user_id",
      actual: "orders_user_id_idx",
      remediation: "ALTER INDEX public.orders_user_id_idx RENAME TO idx_orders_user_id;",
    });
  });

  it("pairs identical renamed indexes deterministically, each once", () => {
    const twins = (a: string, b: string) =>
      shop().index("public.orders", a, ["status"]).index("public.orders", b, ["status"]);
    const baseline = twins("a_idx", "b_idx").build();
    const actual = twins("x_idx", "y_idx").build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.attribute, f.actual])).toEqual([
      ["public.a_idx", "name", "x_idx"],
      ["public.b_idx", "name", "y_idx"],
    ]);
  });

  it("does not pair indexes on different tables", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("index", "public.idx_orders_user_id")
      .index("public.users", "other_idx", ["user_id"])
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => f.change)).toEqual(["missing", "unexpected"]);
  });
});

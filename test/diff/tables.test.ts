import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { shop } from "./builders.ts";

function withoutOrders() {
  return shop()
    .without("table", "public.orders")
    .without("column", "public.orders.id")
    .without("column", "public.orders.user_id")
    .without("column", "public.orders.status")
    .without("column", "public.orders.amount")
    .without("constraint", "public.orders.orders_pkey")
    .without("constraint", "public.orders.orders_user_id_fkey")
    .without("constraint", "public.orders.orders_amount_check")
    .without("index", "public.idx_orders_user_id");
}

describe("table rule", () => {
  it("reports a missing table once, with its columns, constraints and indexes counted", () => {
    const baseline = shop().build();
    const actual = withoutOrders().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "table",
      object: "public.orders",
      change: "missing",
      severity: "critical",
      evidence: { columns: 4, constraints: 3, indexes: 1 },
      message: "table public.orders is missing, with its 4 columns, 3 constraints and 1 index",
    });
  });

  it("reports an unexpected table once, as medium, with its contents counted", () => {
    const baseline = withoutOrders().build();
    const actual = shop().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.kind, f.object, f.change, f.severity])).toEqual([
      ["table", "public.orders", "unexpected", "medium"],
    ]);
    expect(findings[0]?.evidence).toEqual({ columns: 4, constraints: 3, indexes: 1 });
  });

  it("folds the tables of a missing schema, and their contents, into the schema", () => {
    const billing = () =>
      shop()
        .schema("billing")
        .table("billing.payments")
        .column("billing.payments", "id", "bigint")
        .column("billing.payments", "transaction_ref", "text")
        .index("billing.payments", "payments_ref_idx", ["transaction_ref"]);
    const baseline = billing().build();
    const actual = shop().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "schema",
      object: "billing",
      change: "missing",
      evidence: { tables: 1, columns: 2, indexes: 1 },
      message: "schema billing is missing, with its 1 table, 2 columns and 1 index",
    });
  });

  it("reports row-level security turned off as critical, in words, with the statement that restores it", () => {
    const baseline = shop().patch("table", "public.orders", { rls_enabled: true }).build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "rls_enabled", severity: "critical" });
    expect(finding?.message).toBe(
      "table public.orders: row-level security is disabled, expected enabled",
    );
    expect(finding?.remediation).toBe("ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;");
  });

  it("compares owners only when asked", () => {
    const baseline = shop().build();
    const actual = shop().patch("table", "public.orders", { owner: "someone_else" }).build();

    const byDefault = diffSnapshots(baseline, actual).findings;
    const asked = diffSnapshots(baseline, actual, { compareOwners: true }).findings;

    expect(byDefault).toEqual([]);
    expect(asked.map((f) => [f.attribute, f.severity, f.remediation])).toEqual([
      ["owner", "low", "ALTER TABLE public.orders OWNER TO app;"],
    ]);
  });

  it("reports storage options as low and ignores their order", () => {
    const baseline = shop()
      .patch("table", "public.orders", { options: ["autovacuum_enabled=false", "fillfactor=70"] })
      .build();
    const reordered = shop()
      .patch("table", "public.orders", { options: ["fillfactor=70", "autovacuum_enabled=false"] })
      .build();
    const changed = shop()
      .patch("table", "public.orders", { options: ["fillfactor=90"] })
      .build();

    const same = diffSnapshots(baseline, reordered).findings;
    const [finding] = diffSnapshots(baseline, changed).findings;

    expect(same).toEqual([]);
    expect(finding).toMatchObject({ attribute: "options", severity: "low" });
    expect(finding?.remediation).toBe(
      "ALTER TABLE public.orders SET (autovacuum_enabled=false, fillfactor=70);",
    );
  });

  it("reports a partition attached to another parent as a partition_bound change", () => {
    const partition = (parent: string) =>
      shop().table("public.orders_2024", {
        partition_of: parent,
        partition_bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
      });
    const baseline = partition("public.orders").build();
    const actual = partition("public.users").build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "partition_bound",
      severity: "high",
      expected: "PARTITION OF public.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    });
    expect(findings[0]?.remediation).toBe(
      "ALTER TABLE public.users DETACH PARTITION public.orders_2024; ALTER TABLE public.orders ATTACH PARTITION public.orders_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    );
  });

  it("reports a table that became partitioned as a definition change plus its partition key", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("table", "public.orders", {
        relkind: "partitioned_table",
        partition_key: "RANGE (id)",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.attribute, f.severity])).toEqual([
      ["partition_key", "critical"],
      ["definition", "info"],
    ]);
    expect(findings[1]?.expected).toEqual({ relkind: "table" });
  });
});

import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { findingId } from "../../shared/diff/finding.ts";
import { BUILTIN_IGNORE_RULES } from "../../shared/diff/ignore.ts";
import { shop } from "./builders.ts";

const NOW = new Date("2025-06-15T12:00:00Z");

function drifted() {
  return shop()
    .index("public.orders", "idx_user_orders", ["user_id", "status"])
    .patch("column", "public.orders.status", { type: "character varying(20)" })
    .build();
}

describe("ignore rules", () => {
  it("moves a finding matched by id to ignored, with the rule's reason", () => {
    const id = findingId("index", "public.idx_user_orders", "unexpected");

    const result = diffSnapshots(shop().build(), drifted(), {
      ignore: [{ id, reason: "kept for the reporting job" }],
      now: NOW,
    });

    expect(result.findings.map((f) => f.object)).toEqual(["public.orders.status"]);
    expect(result.ignored).toEqual([
      {
        finding: expect.objectContaining({ id, object: "public.idx_user_orders" }),
        reason: "kept for the reporting job",
      },
    ]);
  });

  it("matches only when every field the rule sets matches", () => {
    const result = diffSnapshots(shop().build(), drifted(), {
      ignore: [{ kind: "column", object: "public.orders.*", attribute: "default", reason: "r" }],
      now: NOW,
    });

    expect(result.ignored).toEqual([]);
    expect(result.findings).toHaveLength(2);
  });

  it("hides by object glob and change", () => {
    const result = diffSnapshots(shop().build(), drifted(), {
      ignore: [
        {
          object: "public.idx_*",
          change: "unexpected",
          reason: "hand-made indexes are reviewed weekly",
        },
      ],
      now: NOW,
    });

    expect(result.ignored.map((i) => i.finding.object)).toEqual(["public.idx_user_orders"]);
  });

  it("keeps a rule active on its expiry day and reports it once the day has passed", () => {
    const rule = { kind: "index" as const, reason: "until the cleanup", expires: "2025-06-15" };

    const onTheDay = diffSnapshots(shop().build(), drifted(), { ignore: [rule], now: NOW });
    const after = diffSnapshots(shop().build(), drifted(), {
      ignore: [rule],
      now: new Date("2025-06-16T00:00:01Z"),
    });

    expect(onTheDay.ignored).toHaveLength(1);
    expect(onTheDay.expiredIgnoreRules).toEqual([]);
    expect(after.ignored).toEqual([]);
    expect(after.findings).toHaveLength(2);
    expect(after.expiredIgnoreRules).toEqual([rule]);
  });

  it("never hides anything with a rule that sets no field but the reason", () => {
    const result = diffSnapshots(shop().build(), drifted(), {
      ignore: [{ reason: "everything" }],
      now: NOW,
    });

    expect(result.ignored).toEqual([]);
  });

  it("hides migration tools' history tables in any schema by default, and not when builtins are off", () => {
    const baseline = shop().build();
    const actual = shop()
      .table("public.flyway_schema_history")
      .column("public.flyway_schema_history", "version", "character varying(50)")
      .schema("ops")
      .table("ops._prisma_migrations")
      .build();
    const withHistory = shop()
      .table("public.schema_migrations")
      .column("public.schema_migrations", "version", "bigint", { nullable: false })
      .build();
    const withExtraColumn = shop()
      .table("public.schema_migrations")
      .column("public.schema_migrations", "version", "bigint", { nullable: false })
      .column("public.schema_migrations", "dirty", "boolean")
      .index("public.schema_migrations", "schema_migrations_dirty_idx", ["dirty"])
      .build();

    const byDefault = diffSnapshots(baseline, actual, { now: NOW });
    const children = diffSnapshots(withHistory, withExtraColumn, { now: NOW });
    const off = diffSnapshots(baseline, actual, { now: NOW, builtinIgnores: false });

    expect(byDefault.findings.map((f) => f.object)).toEqual(["ops"]);
    expect(byDefault.ignored.map((i) => i.finding.object)).toEqual([
      "public.flyway_schema_history",
    ]);
    expect(byDefault.ignored[0]?.reason).toMatch(/^migration tool's history table/);
    expect(children.findings).toEqual([]);
    expect(children.ignored.map((i) => i.finding.object)).toEqual([
      "public.schema_migrations.dirty",
      "public.schema_migrations_dirty_idx",
    ]);
    expect(off.findings.map((f) => f.object)).toEqual(["ops", "public.flyway_schema_history"]);
  });

  it("reports a history table the baseline has and the environment lacks, and its changes", () => {
    const withHistory = shop()
      .table("public.flyway_schema_history")
      .column("public.flyway_schema_history", "version", "character varying(50)")
      .column("public.flyway_schema_history", "checksum", "integer")
      .build();
    const withoutHistory = shop().build();
    const changed = shop()
      .table("public.flyway_schema_history")
      .column("public.flyway_schema_history", "version", "character varying(20)")
      .build();

    const missing = diffSnapshots(withHistory, withoutHistory, { now: NOW });
    const drifted = diffSnapshots(withHistory, changed, { now: NOW });

    expect(missing.ignored).toEqual([]);
    expect(missing.findings.map((f) => [f.object, f.change, f.severity])).toEqual([
      ["public.flyway_schema_history", "missing", "critical"],
    ]);
    expect(drifted.ignored).toEqual([]);
    expect(drifted.findings.map((f) => [f.object, f.change, f.attribute])).toEqual([
      ["public.flyway_schema_history.checksum", "missing", undefined],
      ["public.flyway_schema_history.version", "changed", "type"],
    ]);
  });

  it("gives each built-in rule the unexpected change only", () => {
    expect(BUILTIN_IGNORE_RULES.length).toBeGreaterThan(0);
    for (const rule of BUILTIN_IGNORE_RULES) expect(rule.change).toBe("unexpected");
  });
});

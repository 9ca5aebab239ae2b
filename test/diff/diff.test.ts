import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { findingId } from "../../shared/diff/finding.ts";
import { shop } from "./builders.ts";

/** The incident's drift table, as snapshots: staging (the baseline here) against production. */
function incident() {
  const staging = shop()
    .column("public.users", "last_login", "timestamp without time zone")
    .index("public.orders", "idx_user_orders", ["user_id", "status"]);
  const production = shop()
    .patch("column", "public.orders.status", { type: "character varying(20)", default: null })
    .patch("constraint", "public.orders.orders_user_id_fkey", { on_delete: "RESTRICT" });
  return { baseline: staging.build(), actual: production.build() };
}

describe("diffSnapshots", () => {
  it("finds nothing between identical snapshots", () => {
    const result = diffSnapshots(shop().build(), shop().build());

    expect(result).toEqual({ findings: [], ignored: [], expiredIgnoreRules: [], notes: [] });
  });

  it("reports the incident's drift ordered by severity, kind, object and attribute", () => {
    const { baseline, actual } = incident();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.severity, f.kind, f.object, f.change, f.attribute])).toEqual([
      ["critical", "column", "public.orders.status", "changed", "type"],
      ["critical", "column", "public.users.last_login", "missing", undefined],
      ["critical", "constraint", "public.orders.orders_user_id_fkey", "changed", "on_delete"],
      ["high", "column", "public.orders.status", "changed", "default"],
      ["high", "index", "public.idx_user_orders", "missing", undefined],
    ]);
  });

  it("gives each finding the stable id of its kind, object, change and attribute", () => {
    const { baseline, actual } = incident();

    const { findings } = diffSnapshots(baseline, actual);

    for (const f of findings) expect(f.id).toBe(findingId(f.kind, f.object, f.change, f.attribute));
    expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
  });

  it("gives the same result on every run and leaves its inputs untouched", () => {
    const { baseline, actual } = incident();
    const before = JSON.stringify([baseline, actual]);

    const first = diffSnapshots(baseline, actual);
    const second = diffSnapshots(baseline, actual);

    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(JSON.stringify([baseline, actual])).toBe(before);
  });

  it("leaves attribute, table and remediation out of the JSON when they do not apply", () => {
    const baseline = shop().build();
    const actual = shop().schema("scratch").build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(Object.keys(finding ?? {})).toEqual([
      "id",
      "kind",
      "object",
      "change",
      "severity",
      "expected",
      "actual",
      "message",
      "remediation",
      "evidence",
    ]);
  });

  it("applies severity overrides before sorting", () => {
    const { baseline, actual } = incident();

    const { findings } = diffSnapshots(baseline, actual, {
      severity: [{ kind: "index", change: "missing", severity: "critical" }],
    });

    expect(findings[0]).toMatchObject({ kind: "column", severity: "critical" });
    expect(findings.find((f) => f.kind === "index")?.severity).toBe("critical");
    expect(findings.at(-1)?.kind).toBe("column");
  });
});

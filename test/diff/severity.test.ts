import { describe, expect, it } from "vitest";
import type { DraftFinding } from "../../shared/diff/context.ts";
import type { Change, FindingKind, Severity } from "../../shared/diff/finding.ts";
import { defaultSeverity, severityOf } from "../../shared/diff/severity.ts";

function draft(
  kind: FindingKind,
  change: Change,
  attribute?: string,
  actual: unknown = null,
): DraftFinding {
  return {
    kind,
    object: `public.${kind}_x`,
    change,
    ...(attribute === undefined ? {} : { attribute }),
    expected: null,
    actual,
    message: "",
  };
}

const column = (patch: object) => ({
  nullable: true,
  default: null,
  identity: null,
  generated: null,
  ...patch,
});

describe("defaultSeverity", () => {
  it.each<[FindingKind, Change, string | undefined, Severity]>([
    ["table", "missing", undefined, "critical"],
    ["column", "missing", undefined, "critical"],
    ["schema", "missing", undefined, "critical"],
    ["extension", "missing", undefined, "critical"],
    ["column", "changed", "type", "critical"],
    ["column", "changed", "nullable", "critical"],
    ["constraint", "missing", undefined, "critical"],
    ["constraint", "changed", "on_delete", "critical"],
    ["constraint", "changed", "definition", "critical"],
    ["table", "changed", "rls_enabled", "critical"],
    ["table", "changed", "partition_key", "critical"],
    ["index", "missing", undefined, "high"],
    ["index", "changed", "predicate", "high"],
    ["column", "changed", "default", "high"],
    ["column", "changed", "identity", "high"],
    ["column", "changed", "collation", "high"],
    ["table", "changed", "privileges", "high"],
    ["constraint", "unexpected", undefined, "high"],
    ["table", "changed", "rls_forced", "high"],
    ["table", "changed", "replica_identity", "high"],
    ["extension", "changed", "schema", "high"],
    ["schema", "unexpected", undefined, "medium"],
    ["table", "unexpected", undefined, "medium"],
    ["extension", "changed", "version", "medium"],
    ["column", "changed", "comment", "low"],
    ["index", "changed", "name", "low"],
    ["constraint", "changed", "name", "low"],
    ["column", "changed", "position", "low"],
    ["table", "changed", "options", "low"],
    ["table", "changed", "owner", "low"],
    ["table", "changed", "definition", "info"],
    // The kinds beyond tables (issue 4).
    ["view", "missing", undefined, "critical"],
    ["materialized_view", "missing", undefined, "critical"],
    ["function", "missing", undefined, "critical"],
    ["procedure", "missing", undefined, "critical"],
    ["sequence", "missing", undefined, "critical"],
    ["type", "missing", undefined, "critical"],
    ["domain", "missing", undefined, "critical"],
    ["policy", "missing", undefined, "critical"],
    ["type", "changed", "labels", "critical"],
    ["type", "changed", "attributes", "critical"],
    ["domain", "changed", "definition", "critical"],
    ["policy", "changed", "definition", "critical"],
    ["trigger", "missing", undefined, "high"],
    ["trigger", "unexpected", undefined, "high"],
    ["trigger", "changed", "enabled", "high"],
    ["trigger", "changed", "definition", "high"],
    ["policy", "unexpected", undefined, "high"],
    ["view", "changed", "definition", "high"],
    ["view", "changed", "options", "high"],
    ["function", "changed", "definition", "high"],
    ["function", "changed", "security_definer", "high"],
    ["procedure", "changed", "definition", "high"],
    ["sequence", "changed", "privileges", "high"],
    ["function", "changed", "privileges", "high"],
    ["view", "unexpected", undefined, "medium"],
    ["function", "unexpected", undefined, "medium"],
    ["sequence", "unexpected", undefined, "medium"],
    ["type", "unexpected", undefined, "medium"],
    ["domain", "unexpected", undefined, "medium"],
    ["sequence", "changed", "increment", "medium"],
    ["sequence", "changed", "cycle", "medium"],
    ["function", "changed", "volatility", "medium"],
    ["materialized_view", "changed", "options", "low"],
    ["type", "changed", "comment", "low"],
    ["domain", "changed", "owner", "low"],
    ["policy", "changed", "comment", "low"],
    ["trigger", "changed", "name", "low"],
    ["constraint", "changed", "comment", "low"],
    ["index", "changed", "comment", "low"],
    ["migration", "changed", "status", "critical"],
    ["migration", "changed", "checksum", "high"],
    ["migration", "unexpected", undefined, "high"],
    ["migration", "missing", undefined, "medium"],
  ])("%s %s %s → %s", (kind, change, attribute, severity) => {
    expect(defaultSeverity(draft(kind, change, attribute))).toBe(severity);
  });

  it("rates a pending migration high once overdue, and a Flyway repeatable to re-apply medium", () => {
    const withEvidence = (
      change: Change,
      attribute: string | undefined,
      evidence: Record<string, unknown>,
    ) => ({
      ...draft("migration", change, attribute),
      evidence,
    });
    expect(defaultSeverity(withEvidence("missing", undefined, { overdue: true }))).toBe("high");
    expect(defaultSeverity(withEvidence("missing", undefined, { overdue: false }))).toBe("medium");
    expect(defaultSeverity(withEvidence("changed", "checksum", { reapply: true }))).toBe("medium");
    expect(defaultSeverity(withEvidence("changed", "checksum", { reapply: false }))).toBe("high");
  });

  it("rates a NOT NULL validated where the migrations left it NOT VALID low: stricter, not broken", () => {
    const nullable = (expected: unknown, actual: unknown) => ({
      ...draft("column", "changed", "nullable"),
      expected,
      actual,
    });
    expect(defaultSeverity(nullable("not valid", false))).toBe("low");
    expect(defaultSeverity(nullable(false, "not valid"))).toBe("critical");
    expect(defaultSeverity(nullable(false, true))).toBe("critical");
  });

  it("rates a changed index definition low when it is the storage field alone", () => {
    const changed = (expected: unknown, actual: unknown): DraftFinding => ({
      ...draft("index", "changed", "definition"),
      expected,
      actual,
    });

    expect(defaultSeverity(changed("WITH (fillfactor=70)", "WITH (fillfactor=90)"))).toBe("low");
    expect(defaultSeverity(changed(null, "TABLESPACE fast"))).toBe("low");
    expect(defaultSeverity(changed("WITH (fillfactor=70)", null))).toBe("low");
    expect(
      defaultSeverity(
        changed(
          { definition: null, table: "public.orders" },
          { definition: "WITH (fillfactor=70)", table: "public.users" },
        ),
      ),
    ).toBe("high");
    expect(defaultSeverity(changed({ table: "public.orders" }, { table: "public.users" }))).toBe(
      "high",
    );
  });

  it("rates an unexpected index by its uniqueness", () => {
    expect(defaultSeverity(draft("index", "unexpected", undefined, { unique: false }))).toBe(
      "medium",
    );
    expect(defaultSeverity(draft("index", "unexpected", undefined, { unique: true }))).toBe("high");
    expect(
      defaultSeverity(draft("index", "unexpected", undefined, { unique: "nulls not distinct" })),
    ).toBe("high");
  });

  it("rates an unexpected column by whether inserts that omit it fail", () => {
    const rate = (patch: object) =>
      defaultSeverity(draft("column", "unexpected", undefined, column(patch)));

    expect(rate({})).toBe("medium");
    expect(rate({ nullable: false })).toBe("high");
    expect(rate({ nullable: false, default: "0" })).toBe("medium");
    expect(rate({ nullable: false, identity: "always" })).toBe("medium");
    expect(rate({ nullable: false, generated: "(a + 1)" })).toBe("medium");
  });
});

describe("severityOf", () => {
  it("applies the last matching override", () => {
    const finding = draft("index", "unexpected", undefined, { unique: false });

    const severity = severityOf(finding, [
      { kind: "index", severity: "low" },
      { change: "unexpected", object: "public.*", severity: "info" },
      { kind: "table", severity: "critical" },
    ]);

    expect(severity).toBe("info");
  });

  it("matches object globs with * over any run and ? over one character", () => {
    const finding = draft("column", "changed", "comment");

    expect(severityOf(finding, [{ object: "public.column_?", severity: "high" }])).toBe("high");
    expect(severityOf(finding, [{ object: "*_x", severity: "high" }])).toBe("high");
    expect(severityOf(finding, [{ object: "public.col?", severity: "high" }])).toBe("low");
  });

  it("does not match an attribute override against a finding without attribute", () => {
    expect(severityOf(draft("table", "missing"), [{ attribute: "type", severity: "info" }])).toBe(
      "critical",
    );
  });
});

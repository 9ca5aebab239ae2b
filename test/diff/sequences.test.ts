import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { snapshot } from "./builders.ts";

const base = () => snapshot().schema("public").sequence("public.invoice_number");

describe("sequence rule", () => {
  it("reports a missing sequence as critical with the CREATE SEQUENCE of the baseline", () => {
    const baseline = snapshot()
      .schema("public")
      .sequence("public.invoice_number", {
        data_type: "integer",
        max_value: "2147483647",
        cycle: true,
      })
      .build();

    const { findings } = diffSnapshots(baseline, snapshot().schema("public").build());

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "sequence",
      object: "public.invoice_number",
      change: "missing",
      severity: "critical",
      message: "sequence public.invoice_number is missing: nextval('public.invoice_number') fails",
      remediation:
        "Apply the migration that creates it: CREATE SEQUENCE public.invoice_number AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 CYCLE;",
    });
  });

  it("reports an unexpected sequence as medium with a DROP", () => {
    const { findings } = diffSnapshots(snapshot().schema("public").build(), base().build());

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ change: "unexpected", severity: "medium" });
    expect(findings[0]?.remediation).toContain("DROP SEQUENCE public.invoice_number;");
  });

  it("reports each changed parameter as its own medium finding with its ALTER SEQUENCE", () => {
    const baseline = base().build();
    const actual = base()
      .patch("sequence", "public.invoice_number", { increment: "10", cache: "20", cycle: true })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.attribute, f.severity, f.expected, f.actual])).toEqual([
      ["cache", "medium", "1", "20"],
      ["cycle", "medium", false, true],
      ["increment", "medium", "1", "10"],
    ]);
    expect(findings.map((f) => f.remediation)).toEqual([
      "ALTER SEQUENCE public.invoice_number CACHE 1;",
      "ALTER SEQUENCE public.invoice_number NO CYCLE;",
      "ALTER SEQUENCE public.invoice_number INCREMENT BY 1;",
    ]);
    expect(findings[1]?.message).toBe(
      "sequence public.invoice_number cycles (wraps around at its limit), expected NO CYCLE",
    );
    expect(findings[2]?.message).toBe(
      "sequence public.invoice_number: increment is 10, expected 1",
    );
  });

  it("words data type, bounds and start as ALTER SEQUENCE clauses", () => {
    const baseline = base()
      .patch("sequence", "public.invoice_number", {
        data_type: "integer",
        min_value: "100",
        max_value: "2147483647",
        start: "100",
      })
      .build();
    const actual = base().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => f.remediation)).toEqual([
      "ALTER SEQUENCE public.invoice_number AS integer;",
      "ALTER SEQUENCE public.invoice_number MAXVALUE 2147483647;",
      "ALTER SEQUENCE public.invoice_number MINVALUE 100;",
      "ALTER SEQUENCE public.invoice_number START WITH 100; (sets the value RESTART uses; the current value is not changed)",
    ]);
  });

  it("reports privileges with GRANT / REVOKE on the sequence", () => {
    const baseline = base()
      .patch("sequence", "public.invoice_number", {
        privileges: ["OWNER:SELECT", "OWNER:UPDATE", "OWNER:USAGE", "app_writer:USAGE"],
      })
      .build();
    const actual = base().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "privileges", severity: "high" });
    expect(finding?.remediation).toBe(
      "GRANT USAGE ON SEQUENCE public.invoice_number TO app_writer;",
    );
  });

  it("compares owners only when asked", () => {
    const baseline = base().build();
    const actual = base().patch("sequence", "public.invoice_number", { owner: "other" }).build();

    expect(diffSnapshots(baseline, actual).findings).toEqual([]);
    const [finding] = diffSnapshots(baseline, actual, { compareOwners: true }).findings;
    expect(finding).toMatchObject({
      attribute: "owner",
      severity: "low",
      remediation: "ALTER SEQUENCE public.invoice_number OWNER TO app;",
    });
  });

  it("reports a comment as low with COMMENT ON SEQUENCE", () => {
    const baseline = base().patch("sequence", "public.invoice_number", { comment: "it's" }).build();
    const [finding] = diffSnapshots(baseline, base().build()).findings;

    expect(finding).toMatchObject({
      attribute: "comment",
      severity: "low",
      remediation: "COMMENT ON SEQUENCE public.invoice_number IS 'it''s';",
    });
  });
});

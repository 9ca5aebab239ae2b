import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { shop } from "./builders.ts";

const FK = "public.orders.orders_user_id_fkey";

describe("constraint rule", () => {
  it("reports a missing foreign key as critical with the ADD CONSTRAINT built from the baseline", () => {
    const baseline = shop().build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      object: FK,
      change: "missing",
      severity: "critical",
      table: "public.orders",
      message: "constraint public.orders.orders_user_id_fkey (foreign key) is missing",
    });
    expect(finding?.remediation).toContain(
      "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE;",
    );
  });

  it("falls back to words when the structured fields cannot rebuild the constraint", () => {
    const baseline = shop()
      .constraint("public.users", "users_email_key", "unique", {
        columns: ["email"],
        definition: "NULLS NOT DISTINCT",
      })
      .build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe("Apply the migration that adds it.");
  });

  it("adds NOT VALID and the deferrability the baseline's constraint has", () => {
    const baseline = shop()
      .patch("constraint", FK, {
        validated: false,
        deferrable: "DEFERRABLE INITIALLY DEFERRED",
        on_delete: "NO ACTION",
      })
      .build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toContain(
      "ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",
    );
  });

  it("reports ON DELETE RESTRICT instead of CASCADE as critical, and re-creates the key in one statement", () => {
    const baseline = shop().build();
    const actual = shop().patch("constraint", FK, { on_delete: "RESTRICT" }).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "on_delete",
      severity: "critical",
      expected: "CASCADE",
      actual: "RESTRICT",
      message:
        "constraint public.orders.orders_user_id_fkey: on_delete is RESTRICT, expected CASCADE",
      remediation:
        "ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE;",
    });
  });

  it("reports a changed check body as a critical definition change", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("constraint", "public.orders.orders_amount_check", {
        definition: "CHECK ((amount >= (0)::numeric))",
      })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "definition",
      severity: "critical",
      expected: "CHECK ((amount > (0)::numeric))",
      actual: "CHECK ((amount >= (0)::numeric))",
    });
  });

  it("folds a type change and a definition change into one definition finding of both fields", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("constraint", "public.orders.orders_amount_check", {
        type: "exclusion",
        definition: "EXCLUDE USING gist (amount WITH =)",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "definition",
      expected: { definition: "CHECK ((amount > (0)::numeric))", type: "check" },
      actual: { definition: "EXCLUDE USING gist (amount WITH =)", type: "exclusion" },
    });
  });

  it("suggests VALIDATE CONSTRAINT for a constraint left NOT VALID", () => {
    const baseline = shop().build();
    const actual = shop().patch("constraint", FK, { validated: false }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "validated", severity: "critical" });
    expect(finding?.remediation).toMatch(
      /^ALTER TABLE public\.orders VALIDATE CONSTRAINT orders_user_id_fkey;/,
    );
  });

  it("reports an unexpected check constraint as high", () => {
    const baseline = shop().build();
    const actual = shop()
      .constraint("public.orders", "orders_status_check", "check", {
        definition: "CHECK ((status IS NOT NULL))",
      })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ change: "unexpected", severity: "high" });
    expect(finding?.remediation).toContain(
      "ALTER TABLE public.orders DROP CONSTRAINT orders_status_check;",
    );
  });

  it("reports a renamed constraint as one low name change under the baseline's identity", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("constraint", "public.orders.orders_amount_check")
      .constraint("public.orders", "amount_positive", "check", {
        columns: ["amount"],
        definition: "CHECK ((amount > (0)::numeric))",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: "public.orders.orders_amount_check",
      change: "changed",
      attribute: "name",
      severity: "low",
      expected: "orders_amount_check",
      actual: "amount_positive",
      remediation:
        "ALTER TABLE public.orders RENAME CONSTRAINT amount_positive TO orders_amount_check;",
    });
  });

  it("does not pair a missing and an unexpected constraint whose definitions differ", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("constraint", "public.orders.orders_amount_check")
      .constraint("public.orders", "amount_non_negative", "check", {
        columns: ["amount"],
        definition: "CHECK ((amount >= (0)::numeric))",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => f.change).sort()).toEqual(["missing", "unexpected"]);
  });
});

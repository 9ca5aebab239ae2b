import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { createPolicyStatement } from "../../shared/diff/rules/policies.ts";
import { createTriggerStatement } from "../../shared/diff/rules/triggers.ts";
import { shop } from "./builders.ts";

const TOUCH = "public.orders.orders_touch";
const TENANT = "public.orders.tenant_isolation";

function base() {
  return shop()
    .trigger("public.orders", "orders_touch", {
      definition: "BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch()",
    })
    .policy("public.orders", "tenant_isolation", {
      roles: ["PUBLIC", "app_user"],
      using: "(tenant = current_setting('app.tenant'::text))",
    });
}

function summary(findings: ReturnType<typeof diffSnapshots>["findings"]) {
  return findings.map((f) => [f.kind, f.object, f.change, f.attribute, f.severity]);
}

describe("trigger rule", () => {
  it("reports a disabled trigger as one high enabled finding, with ALTER TABLE … ENABLE", () => {
    const actual = base().patch("trigger", TOUCH, { enabled: "disabled" }).build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["trigger", TOUCH, "changed", "enabled", "high"]]);
    expect(findings[0]).toMatchObject({
      table: "public.orders",
      expected: "enabled",
      actual: "disabled",
      message: `trigger ${TOUCH} is disabled (it never fires), expected enabled`,
      remediation: "ALTER TABLE public.orders ENABLE TRIGGER orders_touch;",
    });
  });

  it("spells each enabled state back", () => {
    for (const [state, clause] of [
      ["replica", "ENABLE REPLICA TRIGGER"],
      ["always", "ENABLE ALWAYS TRIGGER"],
      ["disabled", "DISABLE TRIGGER"],
    ] as const) {
      const baseline = base().patch("trigger", TOUCH, { enabled: state }).build();
      const [finding] = diffSnapshots(baseline, base().build()).findings;
      expect(finding?.remediation).toBe(`ALTER TABLE public.orders ${clause} orders_touch;`);
    }
  });

  it("re-creates a trigger whose definition changed", () => {
    const actual = base()
      .patch("trigger", TOUCH, {
        definition: "AFTER UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch()",
      })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["trigger", TOUCH, "changed", "definition", "high"]]);
    expect(findings[0]?.remediation).toBe(
      "DROP TRIGGER orders_touch ON public.orders; CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch();",
    );
  });

  it("reports missing (high) and unexpected (high) triggers with their SQL", () => {
    const baseline = base()
      .trigger("public.orders", "orders_check", {
        definition:
          "CONSTRAINT AFTER INSERT ON public.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch()",
        enabled: "always",
      })
      .build();
    const actual = base().trigger("public.users", "users_audit").build();
    const { findings } = diffSnapshots(baseline, actual);
    expect(summary(findings)).toEqual([
      ["trigger", "public.orders.orders_check", "missing", undefined, "high"],
      ["trigger", "public.users.users_audit", "unexpected", undefined, "high"],
    ]);
    expect(findings[0]?.remediation).toBe(
      "Apply the migration that creates it: CREATE CONSTRAINT TRIGGER orders_check AFTER INSERT ON public.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch(); ALTER TABLE public.orders ENABLE ALWAYS TRIGGER orders_check;",
    );
    expect(findings[1]?.remediation).toContain("DROP TRIGGER users_audit ON public.users;");
  });

  it("reports a renamed trigger as one low name finding", () => {
    const actual = base()
      .without("trigger", TOUCH)
      .trigger("public.orders", "Touch", { definition: base().build().trigger[TOUCH]?.definition })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["trigger", TOUCH, "changed", "name", "low"]]);
    expect(findings[0]?.remediation).toBe(
      'ALTER TRIGGER "Touch" ON public.orders RENAME TO orders_touch;',
    );
  });

  it("folds the triggers and policies of a missing table into it", () => {
    const actual = base().build();
    const dropped = Object.fromEntries(
      Object.entries(actual).map(([kind, objects]) => [
        kind,
        Object.fromEntries(
          Object.entries(objects).filter(
            ([identity, object]) =>
              identity !== "public.orders" &&
              (object as { table?: string }).table !== "public.orders",
          ),
        ),
      ]),
    ) as unknown as typeof actual;
    const { findings } = diffSnapshots(base().build(), dropped);
    expect(summary(findings)).toEqual([
      ["table", "public.orders", "missing", undefined, "critical"],
    ]);
    expect(findings[0]?.evidence).toMatchObject({ triggers: 1, policies: 1 });
  });

  it("creates statements from the stored definition", () => {
    const trigger = base().build().trigger[TOUCH];
    if (!trigger) throw new Error("no trigger");
    expect(createTriggerStatement({ ...trigger, name: "Odd Name" })).toBe(
      'CREATE TRIGGER "Odd Name" BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch();',
    );
  });
});

describe("policy rule", () => {
  it("reports a changed USING as one critical definition finding naming the clause", () => {
    const actual = base().patch("policy", TENANT, { using: "true" }).build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["policy", TENANT, "changed", "definition", "critical"]]);
    expect(findings[0]).toMatchObject({
      expected: { using: "(tenant = current_setting('app.tenant'::text))" },
      actual: { using: "true" },
      message: `policy ${TENANT}: USING is (true), expected ((tenant = current_setting('app.tenant'::text)))`,
      remediation: `ALTER POLICY tenant_isolation ON public.orders USING ((tenant = current_setting('app.tenant'::text)));`,
    });
  });

  it("uses ALTER POLICY for roles and WITH CHECK, DROP + CREATE for command or mode", () => {
    const roles = base()
      .patch("policy", TENANT, { roles: ["PUBLIC"], with_check: "false" })
      .build();
    const [altered] = diffSnapshots(
      base().patch("policy", TENANT, { with_check: "true" }).build(),
      roles,
    ).findings;
    expect(altered?.message).toBe(
      `policy ${TENANT}: roles is PUBLIC, expected PUBLIC, app_user; WITH CHECK is (false), expected (true)`,
    );
    expect(altered?.remediation).toBe(
      "ALTER POLICY tenant_isolation ON public.orders TO PUBLIC, app_user WITH CHECK (true);",
    );
    const restrictive = base()
      .patch("policy", TENANT, { permissive: false, command: "SELECT" })
      .build();
    const [recreated] = diffSnapshots(base().build(), restrictive).findings;
    expect(recreated?.message).toBe(
      `policy ${TENANT}: command is SELECT, expected ALL; mode is RESTRICTIVE, expected PERMISSIVE`,
    );
    expect(recreated?.remediation).toBe(
      "DROP POLICY tenant_isolation ON public.orders; CREATE POLICY tenant_isolation ON public.orders AS PERMISSIVE FOR ALL TO PUBLIC, app_user USING ((tenant = current_setting('app.tenant'::text)));",
    );
  });

  it("re-creates a policy that has an expression the baseline does not", () => {
    const actual = base().patch("policy", TENANT, { with_check: "true" }).build();
    const [finding] = diffSnapshots(base().build(), actual).findings;
    expect(finding?.remediation).toMatch(
      /^DROP POLICY tenant_isolation ON public\.orders; CREATE POLICY/,
    );
  });

  it("compares roles as a set", () => {
    const actual = base()
      .patch("policy", TENANT, { roles: ["app_user", "PUBLIC"] })
      .build();
    expect(diffSnapshots(base().build(), actual).findings).toEqual([]);
  });

  it("reports unexpected policies (high), comments (low) and renames (low)", () => {
    const actual = base()
      .policy("public.users", "open_all", { using: "true" })
      .patch("policy", TENANT, { comment: "who wrote this" })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([
      ["policy", "public.users.open_all", "unexpected", undefined, "high"],
      ["policy", TENANT, "changed", "comment", "low"],
    ]);
    expect(findings[1]?.remediation).toBe(
      "COMMENT ON POLICY tenant_isolation ON public.orders IS NULL;",
    );
    const renamed = base()
      .without("policy", TENANT)
      .policy("public.orders", "tenants", { ...base().build().policy[TENANT], name: "tenants" })
      .build();
    expect(summary(diffSnapshots(base().build(), renamed).findings)).toEqual([
      ["policy", TENANT, "changed", "name", "low"],
    ]);
  });

  it("writes CREATE POLICY with every clause", () => {
    const policy = base().build().policy[TENANT];
    if (!policy) throw new Error("no policy");
    expect(
      createPolicyStatement({ ...policy, permissive: false, command: "UPDATE", with_check: "ok" }),
    ).toBe(
      "CREATE POLICY tenant_isolation ON public.orders AS RESTRICTIVE FOR UPDATE TO PUBLIC, app_user USING ((tenant = current_setting('app.tenant'::text))) WITH CHECK (ok);",
    );
  });
});

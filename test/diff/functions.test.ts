import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { createRoutineStatement, definitionParts } from "../../shared/diff/rules/functions.ts";
import { snapshot } from "./builders.ts";

const COUNT = "public.order_count(bigint)";
const COUNT_DEF = [
  "(uid bigint) RETURNS bigint",
  " LANGUAGE sql PARALLEL UNSAFE COST 100",
  " SET search_path = public, pg_temp",
  "AS $function$ SELECT count(*) FROM public.orders WHERE user_id = uid $function$",
].join("\n");

function base() {
  return snapshot()
    .schema("public")
    .routine(COUNT, { definition: COUNT_DEF, volatility: "stable" })
    .routine(
      "app.archive(date)",
      { definition: "(before date)\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND" },
      "procedure",
    )
    .schema("app");
}

function summary(findings: ReturnType<typeof diffSnapshots>["findings"]) {
  return findings.map((f) => [f.kind, f.object, f.change, f.attribute, f.severity]);
}

describe("function and procedure rules", () => {
  it("reports nothing for identical routines", () => {
    expect(diffSnapshots(base().build(), base().build()).findings).toEqual([]);
  });

  it("reports a missing function as critical, with a runnable CREATE FUNCTION", () => {
    const actual = base().without("function", COUNT).build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["function", COUNT, "missing", undefined, "critical"]]);
    expect(findings[0]?.message).toBe(`function ${COUNT} is missing`);
    expect(findings[0]?.remediation).toBe(
      `Apply the migration that creates it: CREATE FUNCTION public.order_count(uid bigint) RETURNS bigint\n LANGUAGE sql PARALLEL UNSAFE COST 100 STABLE\n SET search_path = public, pg_temp\nAS $function$ SELECT count(*) FROM public.orders WHERE user_id = uid $function$;`,
    );
  });

  it("reports an unexpected overload as its own object (medium)", () => {
    const actual = base().routine("public.order_count(bigint, date)").build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([
      ["function", "public.order_count(bigint, date)", "unexpected", undefined, "medium"],
    ]);
    expect(findings[0]?.remediation).toContain("DROP FUNCTION public.order_count(bigint, date);");
  });

  it("names the part of a changed definition and re-creates it with CREATE OR REPLACE", () => {
    const actual = base()
      .patch("function", COUNT, { definition: COUNT_DEF.replace("user_id = uid", "true") })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["function", COUNT, "changed", "definition", "high"]]);
    expect(findings[0]?.message).toBe(`function ${COUNT}: body differs`);
    expect(findings[0]?.remediation).toMatch(
      /^CREATE OR REPLACE FUNCTION public\.order_count\(uid bigint\)/,
    );
    expect(findings[0]?.remediation).toContain("WHERE user_id = uid");
  });

  it("shows attribute and setting changes, and says DROP + CREATE when the result type changes", () => {
    const settings = base()
      .patch("function", COUNT, {
        definition: COUNT_DEF.replace("PARALLEL UNSAFE", "PARALLEL SAFE").replace(
          "\n SET search_path = public, pg_temp",
          "",
        ),
      })
      .build();
    const [attrs] = diffSnapshots(base().build(), settings).findings;
    expect(attrs?.message).toBe(
      `function ${COUNT}: attributes are LANGUAGE sql PARALLEL SAFE COST 100, expected LANGUAGE sql PARALLEL UNSAFE COST 100; settings are none, expected SET search_path = public, pg_temp`,
    );
    const result = base()
      .patch("function", COUNT, {
        definition: COUNT_DEF.replace("RETURNS bigint", "RETURNS integer"),
      })
      .build();
    const [changed] = diffSnapshots(base().build(), result).findings;
    expect(changed?.message).toContain(
      "arguments and result are (uid bigint) RETURNS integer, expected (uid bigint) RETURNS bigint",
    );
    expect(changed?.remediation).toContain(
      `DROP FUNCTION ${COUNT}; CREATE FUNCTION public.order_count`,
    );
  });

  it("reports security definer (high) and volatility (medium) with ALTER FUNCTION", () => {
    const actual = base()
      .patch("function", COUNT, { security_definer: true, volatility: "volatile" })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([
      ["function", COUNT, "changed", "security_definer", "high"],
      ["function", COUNT, "changed", "volatility", "medium"],
    ]);
    expect(findings[0]?.remediation).toBe(`ALTER FUNCTION ${COUNT} SECURITY INVOKER;`);
    expect(findings[0]?.message).toContain("SECURITY DEFINER");
    expect(findings[1]?.remediation).toBe(`ALTER FUNCTION ${COUNT} STABLE;`);
  });

  it("turns privileges and comments into GRANT/REVOKE EXECUTE and COMMENT ON", () => {
    const actual = base()
      .patch("function", COUNT, {
        privileges: ["OWNER:EXECUTE", "app_reader:EXECUTE"],
        comment: "x",
      })
      .patch("procedure", "app.archive(date)", { privileges: ["OWNER:EXECUTE"] })
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([
      ["function", COUNT, "changed", "privileges", "high"],
      ["procedure", "app.archive(date)", "changed", "privileges", "high"],
      ["function", COUNT, "changed", "comment", "low"],
    ]);
    expect(findings[0]?.remediation).toBe(
      `GRANT EXECUTE ON FUNCTION ${COUNT} TO PUBLIC; REVOKE EXECUTE ON FUNCTION ${COUNT} FROM app_reader;`,
    );
    expect(findings[1]?.remediation).toBe(
      "GRANT EXECUTE ON PROCEDURE app.archive(date) TO PUBLIC;",
    );
    expect(findings[2]?.remediation).toBe(`COMMENT ON FUNCTION ${COUNT} IS NULL;`);
  });

  it("compares owners only when asked", () => {
    const actual = base().patch("function", COUNT, { owner: "someone" }).build();
    expect(diffSnapshots(base().build(), actual).findings).toEqual([]);
    const { findings } = diffSnapshots(base().build(), actual, { compareOwners: true });
    expect(summary(findings)).toEqual([["function", COUNT, "changed", "owner", "low"]]);
    expect(findings[0]?.remediation).toBe(`ALTER FUNCTION ${COUNT} OWNER TO app;`);
  });

  it("folds the routines of a missing schema into the schema", () => {
    const actual = base()
      .without("schema", "app")
      .without("procedure", "app.archive(date)")
      .build();
    const { findings } = diffSnapshots(base().build(), actual);
    expect(summary(findings)).toEqual([["schema", "app", "missing", undefined, "critical"]]);
  });

  it("re-creates procedures without volatility, keeping SECURITY DEFINER", () => {
    const procedure = base()
      .patch("procedure", "app.archive(date)", { security_definer: true })
      .build().procedure["app.archive(date)"];
    if (!procedure) throw new Error("no procedure");
    expect(createRoutineStatement("procedure", procedure, true)).toBe(
      "CREATE OR REPLACE PROCEDURE app.archive(before date)\n LANGUAGE sql SECURITY DEFINER\nBEGIN ATOMIC\n SELECT 1;\nEND;",
    );
  });

  it("splits a definition into its parts", () => {
    expect(definitionParts(COUNT_DEF)).toEqual({
      header: "(uid bigint) RETURNS bigint",
      attributes: "LANGUAGE sql PARALLEL UNSAFE COST 100",
      settings: ["SET search_path = public, pg_temp"],
      body: "AS $function$ SELECT count(*) FROM public.orders WHERE user_id = uid $function$",
    });
    expect(definitionParts("no layout")).toBeNull();
  });
});

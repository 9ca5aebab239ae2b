import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { shop } from "./builders.ts";

describe("schema rule", () => {
  it("reports an unexpected empty schema as medium with a DROP SCHEMA that refuses when not empty", () => {
    const baseline = shop().build();
    const actual = shop().schema("scratch").build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      kind: "schema",
      object: "scratch",
      change: "unexpected",
      severity: "medium",
    });
    expect(finding?.message).toBe("schema scratch exists but no migration creates it");
    expect(finding?.remediation).toContain("DROP SCHEMA scratch;");
  });

  it("reports a changed comment as low with the COMMENT that restores it", () => {
    const baseline = shop().patch("schema", "public", { comment: "the app's tables" }).build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "comment",
      severity: "low",
      expected: "the app's tables",
      actual: null,
    });
    expect(finding?.remediation).toBe("COMMENT ON SCHEMA public IS 'the app''s tables';");
  });

  it("reports a missing grant on a schema as high with the GRANT", () => {
    const baseline = shop()
      .patch("schema", "public", {
        privileges: ["OWNER:CREATE", "OWNER:USAGE", "app_reader:USAGE"],
      })
      .build();
    const actual = shop()
      .patch("schema", "public", { privileges: ["OWNER:USAGE", "OWNER:CREATE"] })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "privileges", severity: "high" });
    expect(finding?.remediation).toBe("GRANT USAGE ON SCHEMA public TO app_reader;");
  });
});

describe("extension rule", () => {
  it("reports a missing extension as critical with CREATE EXTENSION", () => {
    const baseline = shop().extension("citext", { version: "1.6" }).build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      kind: "extension",
      object: "citext",
      change: "missing",
      severity: "critical",
    });
    expect(finding?.remediation).toBe(
      "Apply the migration that creates it: CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION '1.6';",
    );
  });

  it("reports an unexpected extension as medium", () => {
    const baseline = shop().build();
    const actual = shop().extension("pg_trgm").build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ change: "unexpected", severity: "medium" });
  });

  it("reports another version as medium and another schema as high", () => {
    const baseline = shop().extension("citext", { version: "1.6" }).build();
    const actual = shop().extension("citext", { version: "1.5", schema: "extensions" }).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.attribute, f.severity, f.message])).toEqual([
      ["schema", "high", "extension citext: schema is extensions, expected public"],
      ["version", "medium", "extension citext: version is 1.5, expected 1.6"],
    ]);
  });

  it("reports another version as info when the majors differ: each ships its own", () => {
    const baseline = shop().extension("btree_gist", { version: "1.7" }).build();
    const actual = shop().extension("btree_gist", { version: "1.6" }).build();

    const across = diffSnapshots(baseline, actual, { majors: { baseline: 17, environment: 14 } });
    const same = diffSnapshots(baseline, actual, { majors: { baseline: 17, environment: 17 } });

    expect(across.findings.map((f) => [f.attribute, f.severity, f.message, f.evidence])).toEqual([
      [
        "version",
        "info",
        "extension btree_gist: version is 1.6, expected 1.7 (baseline built on PostgreSQL 17, environment runs 14: each major ships its own extension versions)",
        { majorsDiffer: true, baseline: 17, environment: 14 },
      ],
    ]);
    expect(same.findings.map((f) => [f.attribute, f.severity])).toEqual([["version", "medium"]]);
  });
});

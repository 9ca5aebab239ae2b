import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../shared/diff/severity.ts";

/**
 * docs/config.md lists the default severity policy row for row. Each row's severity and change,
 * and each kind and attribute the code names, must appear in the same row of the table (the
 * table words conditions the code keeps in `when`), so the docs cannot fall behind the code.
 */
function documentedRows(): string[][] {
  const text = readFileSync(new URL("../../docs/config.md", import.meta.url), "utf8");
  const section = text.slice(text.indexOf("### Default policy"), text.indexOf("## Errors"));
  return section
    .split("\n")
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("the default policy in docs/config.md", () => {
  const rows = documentedRows();

  it("has one row per policy row, in the same order", () => {
    expect(rows.map((row) => Number(row[0]))).toEqual(DEFAULT_POLICY.map((_, i) => i + 1));
  });

  it("gives each row the code's severity, change, kinds and attributes", () => {
    const mismatches = DEFAULT_POLICY.flatMap((policy, i) => {
      const [, severity, change, kinds = "", attributes = ""] = rows[i] ?? [];
      const problems: string[] = [];
      if (severity !== policy.severity) problems.push(`severity ${severity}`);
      if (change !== policy.change) problems.push(`change ${change}`);
      for (const kind of policy.kinds ?? []) {
        if (!new RegExp(`\\b${kind}\\b`).test(kinds)) problems.push(`kind ${kind}`);
      }
      if (policy.kinds === undefined && !kinds.startsWith("any")) problems.push("kinds any");
      for (const attribute of [...(policy.attributes ?? []), ...(policy.exceptAttributes ?? [])]) {
        if (!attributes.includes(attribute)) problems.push(`attribute ${attribute}`);
      }
      return problems.map((problem) => `row ${i + 1}: ${problem}`);
    });
    expect(mismatches).toEqual([]);
  });
});

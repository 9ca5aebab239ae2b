import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderJson } from "../../shared/report/render-json.ts";
import { REPORT_SCHEMA, validateJsonSchema } from "../../shared/report/schema.ts";
import { sampleReport } from "./sample.ts";

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe("REPORT_SCHEMA", () => {
  it("is the schema printed in docs/report-format.md", () => {
    const doc = readFileSync(new URL("../../docs/report-format.md", import.meta.url), "utf8");
    const section = doc.slice(doc.indexOf("## JSON Schema"));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block ?? "null")).toEqual(REPORT_SCHEMA);
  });

  it("accepts a report as renderJson writes it", () => {
    expect(validateJsonSchema(JSON.parse(renderJson(sampleReport())))).toEqual([]);
  });
});

describe("validateJsonSchema", () => {
  it("names a missing required field", () => {
    const report = clone(sampleReport()) as unknown as Record<string, unknown>;
    delete report.runId;
    expect(validateJsonSchema(report)).toEqual(["$: missing runId"]);
  });

  it("rejects an unknown status, severity or change", () => {
    const report = clone(sampleReport());
    const env = report.environments[0] as unknown as Record<string, unknown>;
    env.status = "fine";
    const finding = (env.findings as Record<string, unknown>[])[0] as Record<string, unknown>;
    finding.severity = "urgent";
    finding.change = "moved";
    const problems = validateJsonSchema(report);
    expect(problems).toContain(
      '$.environments[0].status: "fine" is not one of ["clean","drift","error"]',
    );
    expect(
      problems.some((p) => p.startsWith('$.environments[0].findings[0].severity: "urgent"')),
    ).toBe(true);
    expect(
      problems.some((p) => p.startsWith('$.environments[0].findings[0].change: "moved"')),
    ).toBe(true);
  });

  it("rejects properties the format does not define", () => {
    const report = clone(sampleReport()) as unknown as Record<string, unknown>;
    report.password = "x";
    expect(validateJsonSchema(report)).toEqual(["$: unexpected property password"]);
  });

  it("checks types, patterns and the baseline source alternatives", () => {
    const report = clone(sampleReport()) as unknown as {
      baseline: Record<string, unknown>;
      summary: Record<string, unknown>;
    };
    report.baseline.digest = "md5:abc";
    report.baseline.source = {
      kind: "database",
      serverVersion: "17.6",
      serverVersionNum: 170006,
      database: "x",
    };
    report.summary.findings = -1;
    const problems = validateJsonSchema(report);
    expect(problems).toContain('$.baseline.digest: "md5:abc" does not match ^sha256:[0-9a-f]{64}$');
    expect(problems).toContain(
      "$.baseline.source: matches 0 of the 2 alternatives, expected exactly 1",
    );
    expect(problems).toContain("$.summary.findings: below 0");
  });
});

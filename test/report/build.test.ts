import { describe, expect, it } from "vitest";
import {
  buildReport,
  comparedEnvironment,
  failedEnvironment,
  gateOutcome,
  summarizeEnvironment,
} from "../../shared/report/build.ts";
import type { EnvironmentReport } from "../../shared/report/model.ts";
import { DIGEST, PRODUCTION_FINDINGS, STAGING_FINDINGS, sampleReport } from "./sample.ts";

function reportOf(environments: EnvironmentReport[]) {
  return buildReport({
    runId: "r",
    trigger: "cli",
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:00:01.000Z",
    baseline: {
      source: {
        kind: "database",
        serverVersion: "17.6",
        serverVersionNum: 170006,
        database: "shop",
        host: null,
      },
      digest: DIGEST,
    },
    environments,
  });
}

describe("summarizeEnvironment", () => {
  it("counts findings by severity, the worst one and the ignored ones", () => {
    const summary = summarizeEnvironment(PRODUCTION_FINDINGS, [
      { finding: STAGING_FINDINGS[0] as (typeof STAGING_FINDINGS)[0], reason: "known" },
    ]);
    expect(summary).toEqual({
      total: 4,
      bySeverity: { critical: 3, high: 1, medium: 0, low: 0, info: 0 },
      worst: "critical",
      ignored: 1,
    });
  });

  it("has no worst severity without findings", () => {
    expect(summarizeEnvironment([]).worst).toBeNull();
  });
});

describe("comparedEnvironment", () => {
  it("is drift with findings, sorted critical first", () => {
    const env = comparedEnvironment({
      name: "production",
      serverVersion: "17.6",
      findings: PRODUCTION_FINDINGS,
    });
    expect(env.status).toBe("drift");
    expect(env.findings.map((f) => f.severity)).toEqual([
      "critical",
      "critical",
      "critical",
      "high",
    ]);
    expect(env.findings[0]?.object).toBe("billing.payments.transaction_ref");
  });

  it("is clean only with zero findings left after ignores", () => {
    const env = comparedEnvironment({
      name: "dev",
      serverVersion: "17.6",
      findings: [],
      ignored: [{ finding: STAGING_FINDINGS[0] as (typeof STAGING_FINDINGS)[0], reason: "known" }],
    });
    expect(env.status).toBe("clean");
    expect(env.summary.ignored).toBe(1);
  });
});

describe("buildReport", () => {
  it("summarizes the run across environments", () => {
    const report = sampleReport();
    expect(report.format).toBe("pgdrift.report/v1");
    expect(report.summary).toEqual({
      environments: 4,
      clean: 1,
      drift: 2,
      error: 1,
      findings: 5,
      bySeverity: { critical: 3, high: 1, medium: 1, low: 0, info: 0 },
      worst: "critical",
    });
  });

  it("never reports an environment with an error as clean, nor keeps findings on it", () => {
    const forged: EnvironmentReport = {
      ...comparedEnvironment({ name: "qa", serverVersion: null, findings: PRODUCTION_FINDINGS }),
      status: "clean",
      error: { code: "connection_refused", message: "qa: cannot connect" },
    };
    const env = reportOf([forged]).environments[0];
    expect(env?.status).toBe("error");
    expect(env?.findings).toEqual([]);
    expect(env?.summary.total).toBe(0);
  });

  it("re-derives drift for an entry that claims clean but holds findings", () => {
    const forged: EnvironmentReport = {
      ...comparedEnvironment({
        name: "staging",
        serverVersion: "17.6",
        findings: STAGING_FINDINGS,
      }),
      status: "clean",
    };
    expect(reportOf([forged]).environments[0]?.status).toBe("drift");
  });

  it("gives an error entry a code and message even when none was set", () => {
    const forged: EnvironmentReport = {
      ...comparedEnvironment({ name: "x", serverVersion: null, findings: [] }),
      status: "error",
    };
    expect(reportOf([forged]).environments[0]?.error?.code).toBe("audit_failed");
  });
});

describe("gateOutcome", () => {
  const staging = comparedEnvironment({
    name: "staging",
    serverVersion: "17.6",
    findings: STAGING_FINDINGS,
  });
  const production = comparedEnvironment({
    name: "production",
    serverVersion: "17.6",
    findings: PRODUCTION_FINDINGS,
  });
  const clean = comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] });
  const failed = failedEnvironment({
    name: "qa",
    error: { code: "connection_refused", message: "qa: refused" },
  });

  it("fails on any finding by default (info)", () => {
    expect(gateOutcome(reportOf([staging]), "info")).toBe("drift");
  });

  it("passes medium findings under --fail-on critical, fails critical ones", () => {
    expect(gateOutcome(reportOf([staging]), "critical")).toBe("pass");
    expect(gateOutcome(reportOf([production]), "critical")).toBe("drift");
  });

  it("passes any finding under none", () => {
    expect(gateOutcome(reportOf([production]), "none")).toBe("pass");
  });

  it("passes a clean run", () => {
    expect(gateOutcome(reportOf([clean]), "info")).toBe("pass");
  });

  it("is error when any environment failed, even with none and others clean", () => {
    expect(gateOutcome(reportOf([clean, failed]), "none")).toBe("error");
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  METRIC_AUDIT_DURATION,
  METRIC_ENVIRONMENTS_IN_ERROR,
  METRIC_FINDINGS,
  recordEnvironmentAudit,
  recordEnvironmentInError,
} from "../../shared/aws/metrics.ts";
import { type Captured, captureOutput, testMetrics } from "./support.ts";

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** `[metric, dimension names, dimension values…, value]` per EMF record, to compare at a glance. */
function summarize(records: Record<string, unknown>[]): unknown[] {
  return records.map((record) => {
    const emf = record as Emf;
    const definition = emf._aws.CloudWatchMetrics[0];
    const metric = definition?.Metrics[0];
    const dimensions = (definition?.Dimensions[0] ?? []).filter((name) => name !== "service");
    return {
      metric: metric?.Name,
      unit: metric?.Unit,
      dimensions: Object.fromEntries(dimensions.map((name) => [name, emf[name]])),
      value: metric ? emf[metric.Name] : undefined,
    };
  });
}

describe("recordEnvironmentAudit", () => {
  let out: Captured;
  beforeEach(() => {
    out = captureOutput();
  });
  afterEach(() => out.restore());

  it("emits findings by environment and severity, by severity, the duration and errors", () => {
    recordEnvironmentAudit(testMetrics(), {
      environment: "production",
      status: "drift",
      bySeverity: { critical: 3, high: 1, medium: 0, low: 0, info: 0 },
      durationMs: 1234.4,
    });

    const records = summarize(out.metrics());
    expect(records).toContainEqual({
      metric: METRIC_FINDINGS,
      unit: "Count",
      dimensions: { environment: "production", severity: "critical" },
      value: 3,
    });
    expect(records).toContainEqual({
      metric: METRIC_FINDINGS,
      unit: "Count",
      dimensions: { severity: "critical" },
      value: 3,
    });
    expect(records).toContainEqual({
      metric: METRIC_FINDINGS,
      unit: "Count",
      dimensions: { environment: "production", severity: "medium" },
      value: 0,
    });
    expect(records).toContainEqual({
      metric: METRIC_AUDIT_DURATION,
      unit: "Milliseconds",
      dimensions: { environment: "production" },
      value: 1234,
    });
    expect(records).toContainEqual({
      metric: METRIC_ENVIRONMENTS_IN_ERROR,
      unit: "Count",
      dimensions: {},
      value: 0,
    });
    expect(records).toHaveLength(5 * 2 + 1 + 2);
    const namespaces = out
      .metrics()
      .map((r) => (r as unknown as Emf)._aws.CloudWatchMetrics[0]?.Namespace);
    expect(new Set(namespaces)).toEqual(new Set(["pgdrift-test"]));
  });

  it("counts an environment in error", () => {
    recordEnvironmentAudit(testMetrics(), {
      environment: "staging",
      status: "error",
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      durationMs: 10,
    });

    expect(summarize(out.metrics())).toContainEqual({
      metric: METRIC_ENVIRONMENTS_IN_ERROR,
      unit: "Count",
      dimensions: { environment: "staging" },
      value: 1,
    });
  });

  it("records an environment whose audit function failed", () => {
    recordEnvironmentInError(testMetrics(), "qa");

    expect(summarize(out.metrics())).toEqual([
      {
        metric: METRIC_ENVIRONMENTS_IN_ERROR,
        unit: "Count",
        dimensions: { environment: "qa" },
        value: 1,
      },
      { metric: METRIC_ENVIRONMENTS_IN_ERROR, unit: "Count", dimensions: {}, value: 1 },
    ]);
  });
});

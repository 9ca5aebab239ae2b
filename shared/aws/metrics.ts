import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { SEVERITY_NAMES } from "../config/schema.ts";
import type { SeverityCounts } from "../report/model.ts";
import type { AuditStatus } from "./events.ts";

/*
 * CloudWatch metrics, as EMF through Powertools Metrics (namespace from
 * POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension Powertools adds):
 *
 *   Findings             Count         {environment, severity} and {severity}   every severity, 0 included
 *   AuditDuration        Milliseconds  {environment}
 *   EnvironmentsInError  Count         {environment} and {} (service only)       1 or 0 per audit
 *
 * The `{severity}` and service-only series exist for alarms across environments: critical
 * drift found is `Findings` with severity=critical, Sum > 0; environments in error is
 * `EnvironmentsInError`, Sum > 0. Each dimension set is its own EMF record (`singleMetric`),
 * as EMF applies one dimension set's values to every metric of a record.
 */

export const METRIC_FINDINGS = "Findings";
export const METRIC_AUDIT_DURATION = "AuditDuration";
export const METRIC_ENVIRONMENTS_IN_ERROR = "EnvironmentsInError";

function emit(
  metrics: Metrics,
  dimensions: Record<string, string>,
  name: string,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
): void {
  const single = metrics.singleMetric();
  if (Object.keys(dimensions).length > 0) single.addDimensions(dimensions);
  single.addMetric(name, unit, value);
}

/**
 * Metrics of one environment's audit. `bySeverity` is what the audit found (zeros when it
 * could not compare); `status` is the outcome, `error` also when only the archive or SNS failed.
 */
export function recordEnvironmentAudit(
  metrics: Metrics,
  input: {
    readonly environment: string;
    readonly status: AuditStatus;
    readonly bySeverity: SeverityCounts;
    readonly durationMs: number;
  },
): void {
  const { environment } = input;
  for (const severity of SEVERITY_NAMES) {
    const count = input.bySeverity[severity];
    emit(metrics, { environment, severity }, METRIC_FINDINGS, MetricUnit.Count, count);
    emit(metrics, { severity }, METRIC_FINDINGS, MetricUnit.Count, count);
  }
  emit(
    metrics,
    { environment },
    METRIC_AUDIT_DURATION,
    MetricUnit.Milliseconds,
    Math.max(0, Math.round(input.durationMs)),
  );
  recordEnvironmentInError(metrics, environment, input.status === "error" ? 1 : 0);
}

/**
 * `EnvironmentsInError` alone: the summarize step records it for an environment whose audit
 * function failed outright (it could not record anything itself).
 */
export function recordEnvironmentInError(metrics: Metrics, environment: string, value = 1): void {
  emit(metrics, { environment }, METRIC_ENVIRONMENTS_IN_ERROR, MetricUnit.Count, value);
  emit(metrics, {}, METRIC_ENVIRONMENTS_IN_ERROR, MetricUnit.Count, value);
}

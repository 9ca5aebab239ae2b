import { compareFindings } from "../diff/diff.ts";
import { type Finding, SEVERITIES, type Severity, severityRank } from "../diff/finding.ts";
import type { Snapshot } from "../snapshot/model.ts";
import {
  type ComparedWith,
  type EnvironmentError,
  type EnvironmentReport,
  type EnvironmentSummary,
  type IgnoredFinding,
  REPORT_FORMAT,
  type Report,
  type ReportBaseline,
  type RunSummary,
  type SeverityCounts,
} from "./model.ts";

function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

function worstOf(counts: SeverityCounts): Severity | null {
  return SEVERITIES.find((severity) => counts[severity] > 0) ?? null;
}

/** Report order: the diff engine's (severity, kind, object, attribute, change). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Counts of the findings an environment reports, and of those its ignore rules hid. */
export function summarizeEnvironment(
  findings: readonly Finding[],
  ignored: readonly IgnoredFinding[] = [],
): EnvironmentSummary {
  const bySeverity = countBySeverity(findings);
  return {
    total: findings.length,
    bySeverity,
    worst: worstOf(bySeverity),
    ignored: ignored.length,
  };
}

/** An environment that was fully compared: `drift` when anything is left after ignores, else `clean`. */
export function comparedEnvironment(input: {
  readonly name: string;
  readonly serverVersion: string | null;
  readonly findings: readonly Finding[];
  readonly ignored?: readonly IgnoredFinding[];
  readonly notes?: readonly string[];
  readonly snapshotDigest?: string;
  readonly comparedWith?: ComparedWith;
}): EnvironmentReport {
  const findings = sortFindings(input.findings);
  const ignored = input.ignored ?? [];
  return {
    name: input.name,
    status: findings.length > 0 ? "drift" : "clean",
    serverVersion: input.serverVersion,
    ...(input.notes && input.notes.length > 0 ? { notes: [...input.notes] } : {}),
    ...(input.snapshotDigest ? { snapshotDigest: input.snapshotDigest } : {}),
    ...(input.comparedWith ? { comparedWith: input.comparedWith } : {}),
    findings,
    ...(ignored.length > 0 ? { ignored: [...ignored] } : {}),
    summary: summarizeEnvironment(findings, ignored),
  };
}

/** An environment that could not be audited: never clean, never with findings. */
export function failedEnvironment(input: {
  readonly name: string;
  readonly error: EnvironmentError;
  readonly serverVersion?: string | null;
  readonly notes?: readonly string[];
}): EnvironmentReport {
  return {
    name: input.name,
    status: "error",
    serverVersion: input.serverVersion ?? null,
    error: input.error,
    ...(input.notes && input.notes.length > 0 ? { notes: [...input.notes] } : {}),
    findings: [],
    summary: summarizeEnvironment([]),
  };
}

/**
 * Re-derives an environment's status and summary from what it holds, so a report never says
 * `clean` for an environment in error or with findings, whoever built the entry.
 */
function normalizeEnvironment(env: EnvironmentReport): EnvironmentReport {
  if (env.error || env.status === "error") {
    return {
      ...env,
      status: "error",
      error: env.error ?? { code: "audit_failed", message: `${env.name}: could not be audited` },
      findings: [],
      summary: summarizeEnvironment([], env.ignored),
    };
  }
  const findings = sortFindings(env.findings);
  return {
    ...env,
    status: findings.length > 0 ? "drift" : "clean",
    findings,
    summary: summarizeEnvironment(findings, env.ignored),
  };
}

export function summarizeRun(environments: readonly EnvironmentReport[]): RunSummary {
  const all = environments.flatMap((env) => env.findings);
  const bySeverity = countBySeverity(all);
  const count = (status: EnvironmentReport["status"]) =>
    environments.filter((env) => env.status === status).length;
  return {
    environments: environments.length,
    clean: count("clean"),
    drift: count("drift"),
    error: count("error"),
    findings: all.length,
    bySeverity,
    worst: worstOf(bySeverity),
  };
}

/** What a report says about its baseline: its source, digest and where it was read from. */
export function reportBaseline(snapshot: Snapshot, location?: string): ReportBaseline {
  return {
    source: snapshot.source,
    digest: snapshot.digest,
    ...(location ? { location } : {}),
  };
}

export function buildReport(input: {
  readonly runId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly baseline: ReportBaseline;
  readonly environments: readonly EnvironmentReport[];
}): Report {
  const environments = input.environments.map(normalizeEnvironment);
  return {
    format: REPORT_FORMAT,
    runId: input.runId,
    trigger: input.trigger,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    baseline: input.baseline,
    environments,
    summary: summarizeRun(environments),
  };
}

/** `pass`: nothing at or above the threshold · `drift`: something is · `error`: an environment could not be audited. */
export type GateOutcome = "pass" | "drift" | "error";

/**
 * The verdict a CI gate acts on. `failOn: "none"` never fails on findings; an environment in
 * error always fails, whatever the threshold (an unaudited database is not a passing one).
 */
export function gateOutcome(report: Report, failOn: Severity | "none"): GateOutcome {
  if (report.environments.some((env) => env.status === "error")) return "error";
  if (failOn === "none") return "pass";
  const limit = severityRank(failOn);
  const failing = report.environments.some((env) =>
    env.findings.some((finding) => severityRank(finding.severity) <= limit),
  );
  return failing ? "drift" : "pass";
}

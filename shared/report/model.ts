import type { Finding, Severity } from "../diff/finding.ts";
import type { SnapshotSource } from "../snapshot/model.ts";

export const REPORT_FORMAT = "pgdrift.report/v1";

export type EnvironmentStatus = "clean" | "drift" | "error";

export interface SeverityCounts {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly info: number;
}

export interface EnvironmentSummary {
  readonly total: number;
  readonly bySeverity: SeverityCounts;
  /** Highest severity among the findings, null when there are none. */
  readonly worst: Severity | null;
  /** Findings hidden by ignore rules: counted, never silently dropped. */
  readonly ignored: number;
}

export interface EnvironmentError {
  /** Stable machine-readable code: `connection_refused`, `authentication_failed`, … */
  readonly code: string;
  /** One line naming what failed and what to do; never a password or secret. */
  readonly message: string;
  readonly sqlstate?: string;
}

/** Which of the baseline's migration versions an environment's schema was compared with. */
export interface ComparedWith {
  /** The migration version (the head's, or a checkpoint's); null when the baseline names none. */
  readonly version: string | null;
  /** True: a checkpoint stored by `baseline build --checkpoints`; false: the head. */
  readonly checkpoint: boolean;
}

export interface IgnoredFinding {
  readonly finding: Finding;
  /** The rule that hid it: its reason, as written in the config. */
  readonly reason: string;
}

export interface EnvironmentReport {
  readonly name: string;
  readonly status: EnvironmentStatus;
  readonly serverVersion: string | null;
  /** Set when status is `error`. */
  readonly error?: EnvironmentError;
  /** Notes on how the comparison was made, e.g. a major-version mismatch with the baseline. */
  readonly notes?: readonly string[];
  /** Digest of the environment's snapshot, when one was taken. */
  readonly snapshotDigest?: string;
  /** The baseline version the schema was compared with (baselines built from migrations). */
  readonly comparedWith?: ComparedWith;
  readonly findings: readonly Finding[];
  readonly ignored?: readonly IgnoredFinding[];
  readonly summary: EnvironmentSummary;
}

export interface ReportBaseline {
  readonly source: SnapshotSource;
  readonly digest: string;
  /** Where the baseline came from: a file path, an S3 URI, or a migrations folder. */
  readonly location?: string;
}

export interface RunSummary {
  readonly environments: number;
  readonly clean: number;
  readonly drift: number;
  readonly error: number;
  readonly findings: number;
  readonly bySeverity: SeverityCounts;
  readonly worst: Severity | null;
}

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly runId: string;
  /** `cli`, `schedule`, `on-demand`, `deploy`, … */
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly baseline: ReportBaseline;
  readonly environments: readonly EnvironmentReport[];
  readonly summary: RunSummary;
}

import { createHash } from "node:crypto";

/** Every kind a finding can name (DESIGN.md). Kinds the snapshot does not hold yet are reserved. */
export const FINDING_KINDS = [
  "schema",
  "extension",
  "table",
  "column",
  "index",
  "constraint",
  "view",
  "materialized_view",
  "sequence",
  "function",
  "procedure",
  "trigger",
  "type",
  "domain",
  "policy",
  "migration",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** `missing`: in the baseline only · `unexpected`: in the environment only · `changed`: one attribute differs. */
export const CHANGES = ["missing", "unexpected", "changed"] as const;
export type Change = (typeof CHANGES)[number];

/** Highest first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is at or above `threshold` (critical is the highest). */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

export interface Finding {
  /** Stable: a hash of kind, object, change and attribute, so a finding can be ignored by id. */
  readonly id: string;
  readonly kind: FindingKind;
  /** Identity of the object, e.g. `public.users.last_login`. */
  readonly object: string;
  readonly change: Change;
  /** Set when change is `changed`: the one attribute that differs. */
  readonly attribute?: string;
  readonly severity: Severity;
  /** The baseline's value (null when missing from it). */
  readonly expected: unknown;
  /** The environment's value (null when missing from it). */
  readonly actual: unknown;
  /** One sentence a person reads at a glance. */
  readonly message: string;
  /** Identity of the table the object belongs to, for columns, indexes and constraints. */
  readonly table?: string;
  /** What to do about it. */
  readonly remediation?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

export function findingId(
  kind: string,
  object: string,
  change: string,
  attribute?: string,
  /** The column a view's column comment or grant finding is about: one id per column. */
  column?: string,
): string {
  const parts = [kind, object, change, attribute ?? ""];
  const text = (column === undefined ? parts : [...parts, column]).join("\u0000");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

import type { IgnoredFinding } from "../report/model.ts";
import type { Change, Finding, FindingKind } from "./finding.ts";
import { matchesGlob } from "./glob.ts";

/**
 * Hides findings that are known and accepted. Every field the rule sets must match; a rule
 * that sets none matches nothing (the config rejects such a rule). Hidden findings are kept,
 * with the reason, in `ignored`.
 */
export interface IgnoreRule {
  /** A finding id (`findingId`). */
  readonly id?: string;
  readonly kind?: FindingKind;
  /** Glob over the finding's object: `*` any run of characters, `?` one character. */
  readonly object?: string;
  /** Glob over the finding's table (columns, indexes, constraints): `*.audit_log`. */
  readonly table?: string;
  readonly attribute?: string;
  readonly change?: Change;
  readonly reason: string;
  /** `YYYY-MM-DD`: the rule stops hiding findings after this day (UTC). */
  readonly expires?: string;
}

export interface IgnoreOutcome {
  readonly findings: Finding[];
  readonly ignored: IgnoredFinding[];
  /** Rules past their `expires` date: they hid nothing, and the config should be cleaned up. */
  readonly expiredIgnoreRules: IgnoreRule[];
}

const HISTORY_REASON =
  "migration tool's history table: the tool creates it, not the migrations, so it is expected where the baseline lacks it";

/** Tables migration tools keep their history in, whatever schema they are in. */
export const MIGRATION_HISTORY_TABLES = [
  "flyway_schema_history",
  "_prisma_migrations",
  "schema_migrations",
  "pgmigrations",
  "goose_db_version",
  "knex_migrations",
  "knex_migrations_lock",
  "__drizzle_migrations",
] as const;

/**
 * Applied unless `builtinIgnores: false`: a migration tool's history table (and what hangs
 * off it) that the environment has and the baseline lacks. Only `unexpected` findings: the
 * tool creates the table, so its presence is expected, but a history table that is missing
 * or changed is drift like any other (nothing else reads these tables yet).
 */
export const BUILTIN_IGNORE_RULES: readonly IgnoreRule[] = MIGRATION_HISTORY_TABLES.flatMap(
  (name): IgnoreRule[] => [
    { kind: "table", object: `*.${name}`, change: "unexpected", reason: HISTORY_REASON },
    { kind: "column", object: `*.${name}.*`, change: "unexpected", reason: HISTORY_REASON },
    { kind: "constraint", object: `*.${name}.*`, change: "unexpected", reason: HISTORY_REASON },
    { kind: "index", table: `*.${name}`, change: "unexpected", reason: HISTORY_REASON },
  ],
);

/** True when the rule's `expires` day is before `now`'s day (both UTC). */
export function isExpired(rule: IgnoreRule, now: Date): boolean {
  return rule.expires !== undefined && rule.expires < now.toISOString().slice(0, 10);
}

export function ignoreRuleMatches(rule: IgnoreRule, finding: Finding): boolean {
  const selectors = [rule.id, rule.kind, rule.object, rule.table, rule.attribute, rule.change];
  if (selectors.every((s) => s === undefined)) return false;
  return (
    (rule.id === undefined || rule.id === finding.id) &&
    (rule.kind === undefined || rule.kind === finding.kind) &&
    (rule.object === undefined || matchesGlob(rule.object, finding.object)) &&
    (rule.table === undefined ||
      (finding.table !== undefined && matchesGlob(rule.table, finding.table))) &&
    (rule.attribute === undefined || rule.attribute === finding.attribute) &&
    (rule.change === undefined || rule.change === finding.change)
  );
}

/** Splits findings into kept and ignored; the first matching unexpired rule gives the reason. */
export function applyIgnoreRules(
  findings: readonly Finding[],
  rules: readonly IgnoreRule[],
  now: Date,
): IgnoreOutcome {
  const active = rules.filter((rule) => !isExpired(rule, now));
  const kept: Finding[] = [];
  const ignored: IgnoredFinding[] = [];
  for (const finding of findings) {
    const rule = active.find((r) => ignoreRuleMatches(r, finding));
    if (rule === undefined) kept.push(finding);
    else ignored.push({ finding, reason: rule.reason });
  }
  return {
    findings: kept,
    ignored,
    expiredIgnoreRules: rules.filter((rule) => isExpired(rule, now)),
  };
}

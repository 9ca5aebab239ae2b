import type { IgnoredFinding } from "../report/model.ts";
import type { SnapshotObjects } from "../snapshot/model.ts";
import { compareText } from "./compare.ts";
import { buildContext, type DraftFinding, type RuleContext, type ServerMajors } from "./context.ts";
import { FINDING_KINDS, type Finding, findingId, severityRank } from "./finding.ts";
import { applyIgnoreRules, BUILTIN_IGNORE_RULES, type IgnoreRule } from "./ignore.ts";
import { columnRule } from "./rules/columns.ts";
import { constraintRule } from "./rules/constraints.ts";
import { domainRule } from "./rules/domains.ts";
import { extensionRule } from "./rules/extensions.ts";
import { functionRule, procedureRule } from "./rules/functions.ts";
import { indexRule } from "./rules/indexes.ts";
import { policyRule } from "./rules/policies.ts";
import { schemaRule } from "./rules/schemas.ts";
import { sequenceRule } from "./rules/sequences.ts";
import { tableRule } from "./rules/tables.ts";
import { triggerRule } from "./rules/triggers.ts";
import { typeRule } from "./rules/types.ts";
import { materializedViewRule, viewRule } from "./rules/views.ts";
import { type SeverityOverride, severityOf } from "./severity.ts";

export interface DiffOptions {
  /** Compare owners (off by default: role names differ between environments). */
  readonly compareOwners?: boolean;
  /**
   * The PostgreSQL majors the baseline and the environment were read on. When they differ, an
   * extension at another version is reported as info: each major ships its own versions.
   */
  readonly majors?: ServerMajors;
  /** Severity overrides from the config; the last matching one wins. */
  readonly severity?: readonly SeverityOverride[];
  /** Ignore rules from the config; the first matching one gives the reason. */
  readonly ignore?: readonly IgnoreRule[];
  /** Apply BUILTIN_IGNORE_RULES (migration tools' history tables). Default true. */
  readonly builtinIgnores?: boolean;
  /** The day ignore rules' `expires` is checked against. Default: now. */
  readonly now?: Date;
  /**
   * Findings made elsewhere (the migration history against the repository's files): they go
   * through the same severity policy, overrides, ignore rules and order.
   */
  readonly additionalFindings?: readonly DraftFinding[];
}

export interface DiffResult {
  readonly findings: Finding[];
  /** Findings hidden by ignore rules, with the rule's reason. */
  readonly ignored: IgnoredFinding[];
  /** Configured ignore rules past their `expires` date (they hid nothing). */
  readonly expiredIgnoreRules: IgnoreRule[];
  /**
   * What was left uncompared, and why: a field an earlier pgdrift did not write, missing from
   * one side's snapshot. Reports show these with the environment, so a clean result never
   * hides that part of the comparison did not happen.
   */
  readonly notes: string[];
}

/** Column fields later pgdrift versions write; a snapshot without them was written before. */
const LATER_COLUMN_FIELDS = [
  {
    field: "sequence",
    what: "serial and OWNED BY sequences (the columns' `sequence` and `sequence_privileges`)",
    since: "2026-11-25",
  },
] as const;

/**
 * Notes for the column fields one side lacks. Every column of a snapshot has them or none
 * does (one pgdrift wrote it), so the first pair of columns present on both sides tells.
 */
function uncomparedNotes(ctx: RuleContext): string[] {
  const [pair] = ctx.presence("column").both;
  if (pair === undefined) return [];
  const [, base, env] = pair;
  return LATER_COLUMN_FIELDS.flatMap(({ field, what, since }) => {
    const sides = [
      ...(field in base ? [] : ["the baseline"]),
      ...(field in env ? [] : ["the environment's snapshot"]),
    ];
    if (sides.length === 0) return [];
    return [
      `${what} not compared: ${sides.join(" and ")} ${sides.length > 1 ? "were" : "was"} written by a pgdrift from before ${since}, which did not read them; rebuild ${sides.length > 1 ? "them" : "it"} to compare them`,
    ];
  });
}

type Rule = (ctx: RuleContext) => DraftFinding[];

/** One rule per snapshot kind. */
const RULES: readonly Rule[] = [
  schemaRule,
  extensionRule,
  tableRule,
  columnRule,
  constraintRule,
  indexRule,
  viewRule,
  materializedViewRule,
  sequenceRule,
  functionRule,
  procedureRule,
  triggerRule,
  typeRule,
  domainRule,
  policyRule,
];

const CHANGE_ORDER = { missing: 0, unexpected: 1, changed: 2 } as const;

/** Severity (highest first), then kind (DESIGN order), object, attribute, change. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) ||
    compareText(a.object, b.object) ||
    compareText(a.attribute ?? "", b.attribute ?? "") ||
    CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change]
  );
}

/** A view column's comment or grant finding names its column in the evidence. */
function columnOf(evidence: DraftFinding["evidence"]): string | undefined {
  const column = evidence?.column;
  return typeof column === "string" ? column : undefined;
}

function finalize(draft: DraftFinding, overrides: readonly SeverityOverride[]): Finding {
  const {
    kind,
    object,
    change,
    attribute,
    expected,
    actual,
    message,
    table,
    remediation,
    evidence,
  } = draft;
  return {
    id: findingId(kind, object, change, attribute, columnOf(evidence)),
    kind,
    object,
    change,
    ...(attribute === undefined ? {} : { attribute }),
    severity: severityOf(draft, overrides),
    expected,
    actual,
    message,
    ...(table === undefined ? {} : { table }),
    ...(remediation === undefined ? {} : { remediation }),
    ...(evidence === undefined ? {} : { evidence }),
  };
}

/**
 * Compares an environment's objects (`actual`) with the baseline's: what is missing,
 * unexpected or changed, with a severity, a message and a remediation each. Pure: the same
 * inputs (and `now`) give the same result, in a deterministic order.
 */
export function diffSnapshots(
  baseline: SnapshotObjects,
  actual: SnapshotObjects,
  options: DiffOptions = {},
): DiffResult {
  const ctx = buildContext(baseline, actual, {
    compareOwners: options.compareOwners ?? false,
    ...(options.majors === undefined ? {} : { majors: options.majors }),
  });
  const overrides = options.severity ?? [];
  const findings = [...RULES.flatMap((rule) => rule(ctx)), ...(options.additionalFindings ?? [])]
    .map((draft) => finalize(draft, overrides))
    .sort(compareFindings);
  const rules = [
    ...(options.ignore ?? []),
    ...(options.builtinIgnores === false ? [] : BUILTIN_IGNORE_RULES),
  ];
  return {
    ...applyIgnoreRules(findings, rules, options.now ?? new Date()),
    notes: uncomparedNotes(ctx),
  };
}

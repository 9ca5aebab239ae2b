import type { ViewObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import {
  type AttributeDiff,
  changedMessage,
  diffAttributes,
  type FieldSpec,
  formatValue,
  setMinus,
} from "../compare.ts";
import { type DraftFinding, foldedEvidence, foldedPhrase, type RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

/** What differs between the two kinds: their name in messages and in SQL. */
interface ViewKind {
  readonly kind: "view" | "materialized_view";
  /** `view`, `materialized view` */
  readonly label: string;
  /** `VIEW`, `MATERIALIZED VIEW` */
  readonly sql: string;
}

const VIEW: ViewKind = { kind: "view", label: "view", sql: "VIEW" };
const MATERIALIZED_VIEW: ViewKind = {
  kind: "materialized_view",
  label: "materialized view",
  sql: "MATERIALIZED VIEW",
};

/** Compared column by column (`columnFindings`), never as part of the definition. */
const COLUMN_FIELDS = ["column_comments", "column_privileges"];

function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: ["definition", "options", "privileges", "comment", "owner"],
    skip: [...COLUMN_FIELDS, "schema", "name", ...(compareOwners ? [] : ["owner"])],
    sets: ["privileges", "options"],
  };
}

/**
 * `"a b": text` → `["\"a b\"", "text"]`: the leading column name (quoted as quote_ident
 * quotes it, so an unquoted name holds no space or colon) and what follows `separator`.
 */
export function splitColumn(text: string, separator: string): readonly [string, string] {
  let end = text.indexOf(separator);
  if (text.startsWith('"')) {
    end = 1;
    while (end < text.length && !(text[end] === '"' && text[end + 1] !== '"')) {
      end += text[end] === '"' ? 2 : 1;
    }
    end++;
  }
  if (end < 0) end = text.length;
  return [text.slice(0, end), text.slice(end + separator.length)];
}

/** Entries per column, in the order the columns first appear. */
function byColumn(
  entries: readonly string[] | undefined,
  separator: string,
): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const entry of entries ?? []) {
    const [column, rest] = splitColumn(entry, separator);
    map.set(column, [...(map.get(column) ?? []), rest]);
  }
  return map;
}

/** Columns of either side: the baseline's order, then the environment's other columns. */
function columnsOf(want: Map<string, string[]>, have: Map<string, string[]>): string[] {
  return [...new Set([...want.keys(), ...have.keys()])];
}

/**
 * One `comment` finding per column whose comment differs, and one `privileges` finding per
 * column whose grants differ, each with the column in its evidence. (Snapshots written before
 * these fields existed lack them: read as none.)
 */
function columnFindings(
  what: ViewKind,
  identity: string,
  base: ViewObject,
  env: ViewObject,
): DraftFinding[] {
  const findings: DraftFinding[] = [];
  const changed = { kind: what.kind, object: identity, change: "changed" } as const;
  const wantComments = byColumn(base.column_comments, ": ");
  const haveComments = byColumn(env.column_comments, ": ");
  for (const column of columnsOf(wantComments, haveComments)) {
    const expected = wantComments.get(column)?.[0] ?? null;
    const actual = haveComments.get(column)?.[0] ?? null;
    if (expected === actual) continue;
    findings.push({
      ...changed,
      attribute: "comment",
      expected,
      actual,
      message: `${what.label} ${identity}: comment on column ${column} is ${formatValue(actual)}, expected ${formatValue(expected)}`,
      remediation: commentStatement(`COLUMN ${identity}.${column}`, expected),
      evidence: { column },
    });
  }
  const wantGrants = byColumn(base.column_privileges, " ");
  const haveGrants = byColumn(env.column_privileges, " ");
  for (const column of columnsOf(wantGrants, haveGrants)) {
    const expected = [...new Set(wantGrants.get(column))].sort();
    const actual = [...new Set(haveGrants.get(column))].sort();
    const missing = setMinus(expected, actual);
    const extra = setMinus(actual, expected);
    if (missing.length === 0 && extra.length === 0) continue;
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(extra.length > 0 ? [`not granted by any migration ${extra.join(", ")}`] : []),
    ];
    findings.push({
      ...changed,
      attribute: "privileges",
      expected,
      actual,
      message: `${what.label} ${identity}: privileges on column ${column} differ: ${parts.join("; ")}`,
      remediation: statementsOr(
        privilegeStatements(`TABLE ${identity}`, expected, actual, { column, owner: env.owner }),
        `Grant and revoke privileges on column ${column} of the ${what.label} as the migrations do.`,
      ),
      evidence: { column },
    });
  }
  return findings;
}

/**
 * SQL text on one line: runs of whitespace that hold a line break become one space, except
 * inside string literals and quoted identifiers (their text is kept as it is).
 */
export function oneLine(sql: string): string {
  let out = "";
  let quote: string | null = null;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (quote !== null) {
      out += c;
      if (c === quote) quote = null;
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
      i++;
    } else if (/\s/.test(c)) {
      let end = i;
      while (end < sql.length && /\s/.test(sql[end] as string)) end++;
      const run = sql.slice(i, end);
      out += run.includes("\n") ? " " : run;
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out.trim();
}

/** `CREATE [OR REPLACE] VIEW x WITH (…) AS SELECT …;` as the baseline defines it. */
export function createViewStatement(
  kind: ViewKind["kind"],
  identity: string,
  view: ViewObject,
  orReplace = false,
): string {
  const what = kind === "view" ? VIEW : MATERIALIZED_VIEW;
  const options = view.options.length > 0 ? ` WITH (${view.options.join(", ")})` : "";
  const create = what.kind === "view" && orReplace ? "CREATE OR REPLACE" : "CREATE";
  const data = what.kind === "materialized_view" ? " WITH DATA" : "";
  return `${create} ${what.sql} ${identity}${options} AS ${oneLine(view.definition)}${data};`;
}

/**
 * The lines of a definition that differ, `-` for the baseline's and `+` for the environment's,
 * in order (a longest-common-subsequence line diff without context). Long diffs are cut.
 */
export function definitionDiff(expected: string, actual: string, limit = 40): string[] {
  const a = expected.split("\n");
  const b = actual.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const lines: string[] = [];
  if (x.length * y.length > 250_000) {
    lines.push(...x.map((line) => `-${line}`), ...y.map((line) => `+${line}`));
  } else {
    // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..].
    const width = y.length + 1;
    const lcs = new Uint32Array((x.length + 1) * width);
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i * width + j] =
          x[i] === y[j]
            ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
            : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        i++;
        j++;
      } else if (
        j >= y.length ||
        (i < x.length && (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))
      ) {
        lines.push(`-${x[i++]}`);
      } else {
        lines.push(`+${y[j++]}`);
      }
    }
  }
  if (lines.length <= limit) return lines;
  return [...lines.slice(0, limit), `… ${lines.length - limit} more lines`];
}

function optionKey(option: string): string {
  return option.split("=")[0] ?? option;
}

function optionsStatements(
  what: ViewKind,
  identity: string,
  expected: unknown,
  actual: unknown,
): string[] {
  const want = Array.isArray(expected) ? expected.map(String) : [];
  const have = Array.isArray(actual) ? actual.map(String) : [];
  const set = setMinus(want, have);
  const wantedKeys = new Set(want.map(optionKey));
  const reset = setMinus(have, want)
    .map(optionKey)
    .filter((key) => !wantedKeys.has(key));
  const alter = `ALTER ${what.sql} ${identity}`;
  return [
    ...(set.length > 0 ? [`${alter} SET (${set.join(", ")});`] : []),
    ...(reset.length > 0 ? [`${alter} RESET (${reset.join(", ")});`] : []),
  ];
}

function message(what: ViewKind, identity: string, diff: AttributeDiff): string {
  switch (diff.attribute) {
    case "definition":
      return `${what.label} ${identity}: definition differs from the migrations`;
    case "options":
      return `${what.label} ${identity}: options are ${formatValue(diff.actual)}, expected ${formatValue(diff.expected)}`;
    default:
      return changedMessage(what.label, identity, diff);
  }
}

function definitionRemediation(what: ViewKind, identity: string, base: ViewObject): string {
  if (what.kind === "view") {
    return `${createViewStatement(what.kind, identity, base, true)} CREATE OR REPLACE VIEW keeps the view's columns and can only add new ones at the end: if a column was removed, renamed or changed type, DROP VIEW ${identity}; and CREATE VIEW instead, then re-create the views that depend on it and re-apply its grants.`;
  }
  return `REFRESH MATERIALIZED VIEW does not change a definition: DROP MATERIALIZED VIEW ${identity}; ${createViewStatement(what.kind, identity, base)} then re-create its indexes and re-apply its grants (and re-create the views that depend on it).`;
}

function remediation(
  what: ViewKind,
  identity: string,
  diff: AttributeDiff,
  base: ViewObject,
  env: ViewObject,
): string {
  switch (diff.attribute) {
    case "definition":
      return definitionRemediation(what, identity, base);
    case "options":
      return statementsOr(
        optionsStatements(what, identity, diff.expected, diff.actual),
        `Set the options the migrations set on the ${what.label}.`,
      );
    case "privileges":
      return statementsOr(
        // Views and materialized views take table privileges.
        privilegeStatements(`TABLE ${identity}`, diff.expected, diff.actual, { owner: env.owner }),
        `Grant and revoke privileges on the ${what.label} as the migrations do.`,
      );
    case "comment":
      return commentStatement(`${what.sql} ${identity}`, diff.expected);
    case "owner":
      return `ALTER ${what.sql} ${identity} OWNER TO ${quoteIdent(String(diff.expected))};`;
    default:
      return `Re-create the ${what.label} as the migrations define it.`;
  }
}

function rule(ctx: RuleContext, what: ViewKind): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence(what.kind);
  const findings: DraftFinding[] = [];
  for (const [identity, view] of missing) {
    const counts = ctx.folded(what.kind, identity, "missing") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: what.kind,
      object: identity,
      change: "missing",
      expected: view,
      actual: null,
      message: `${what.label} ${identity} is missing${phrase ? `, with its ${phrase}` : ""}`,
      remediation: `Apply the migration that creates ${identity}; the baseline defines it as: ${createViewStatement(what.kind, identity, view)}`,
      evidence: foldedEvidence(counts),
    });
  }
  for (const [identity, view] of unexpected) {
    const counts = ctx.folded(what.kind, identity, "unexpected") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: what.kind,
      object: identity,
      change: "unexpected",
      expected: null,
      actual: view,
      message: `${what.label} ${identity} exists but no migration creates it${phrase ? ` (${phrase})` : ""}`,
      remediation: `Find out who created it and whether an application or report reads it; add it to a migration if it is needed, or drop it: DROP ${what.sql} ${identity}; (without CASCADE, the drop fails while another view or function depends on it: that is the check).`,
      evidence: foldedEvidence(counts),
    });
  }
  const viewSpec = spec(ctx.compareOwners);
  const changed = changedFindings(
    what.kind,
    both,
    (base, env) => diffAttributes(base, env, viewSpec),
    (identity, diff, base, env) => ({
      message: message(what, identity, diff),
      remediation: remediation(what, identity, diff, base, env),
    }),
  );
  for (const finding of changed) {
    if (
      finding.attribute === "definition" &&
      typeof finding.expected === "string" &&
      typeof finding.actual === "string"
    ) {
      findings.push({
        ...finding,
        evidence: { diff: definitionDiff(finding.expected, finding.actual) },
      });
    } else findings.push(finding);
  }
  for (const [identity, base, env] of both) {
    findings.push(...columnFindings(what, identity, base, env));
  }
  return findings;
}

export function viewRule(ctx: RuleContext): DraftFinding[] {
  return rule(ctx, VIEW);
}

export function materializedViewRule(ctx: RuleContext): DraftFinding[] {
  return rule(ctx, MATERIALIZED_VIEW);
}

import { type Finding, SEVERITIES } from "../diff/finding.ts";
import { OBJECT_KINDS, type SnapshotSource } from "../snapshot/model.ts";
import type { EnvironmentReport, ReportBaseline, SeverityCounts } from "./model.ts";

/** Words and short phrases shared by the text and markdown renderers. */

export const CHANGE_MARKERS = { missing: "-", unexpected: "+", changed: "~" } as const;

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map((item) => String(item)) : [];
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A scalar or small value on one line: `none` for null, lists as `(a, b)`. */
export function formatValue(value: unknown, max = 80): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return truncate(value.replace(/\s*\n\s*/g, " "), max);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item !== "object" || item === null)) {
      return truncate(`(${value.map((item) => String(item)).join(", ")})`, max);
    }
  }
  return truncate(JSON.stringify(value), max);
}

/** What a whole object looks like, for a missing or unexpected one: `timestamp without time zone`, `btree (user_id, status)`. */
export function describeObject(kind: string, value: unknown): string {
  if (!isFields(value)) return value === null || value === undefined ? "" : formatValue(value);
  switch (kind) {
    case "column": {
      let text = str(value.type) ?? "";
      if (value.nullable === false) text += " NOT NULL";
      else if (typeof value.nullable === "string") text += " NOT NULL NOT VALID";
      if (str(value.default)) text += ` DEFAULT ${value.default}`;
      if (str(value.identity))
        text += ` GENERATED ${String(value.identity).toUpperCase()} AS IDENTITY`;
      return truncate(text.trim(), 80);
    }
    case "index": {
      const unique =
        value.unique === true
          ? "UNIQUE "
          : value.unique
            ? `UNIQUE ${String(value.unique).toUpperCase()} `
            : "";
      const method = str(value.method) ?? "";
      let text = `${unique}${method} (${list(value.columns).join(", ")})`;
      const include = list(value.include);
      if (include.length > 0) text += ` INCLUDE (${include.join(", ")})`;
      if (str(value.predicate)) text += ` WHERE ${value.predicate}`;
      return truncate(text, 80);
    }
    case "constraint": {
      const columns = list(value.columns).join(", ");
      switch (value.type) {
        case "primary_key":
          return `PRIMARY KEY (${columns})`;
        case "unique":
          return `UNIQUE (${columns})`;
        case "foreign_key": {
          const ref = isFields(value.references) ? value.references : {};
          let text = `FOREIGN KEY (${columns}) REFERENCES ${str(ref.table) ?? "?"} (${list(ref.columns).join(", ")})`;
          if (str(value.on_delete) && value.on_delete !== "NO ACTION")
            text += ` ON DELETE ${value.on_delete}`;
          if (str(value.on_update) && value.on_update !== "NO ACTION")
            text += ` ON UPDATE ${value.on_update}`;
          return truncate(text, 100);
        }
        default:
          return truncate(str(value.definition) ?? String(value.type ?? ""), 80);
      }
    }
    case "table":
      return value.relkind === "partitioned_table" ? "partitioned table" : "";
    case "extension":
      return str(value.version) ? `version ${value.version}` : "";
    case "schema":
      return "";
    default:
      return str(value.definition) ? truncate(String(value.definition), 80) : "";
  }
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/**
 * `expected → found`. Two long lists that differ as sets (privileges, options) show what
 * differs instead, since truncating both would hide it: `missing A; extra B`.
 */
export function changedDetail(expected: unknown, actual: unknown): string {
  const full = `${formatValue(expected)} → ${formatValue(actual)}`;
  if (typeof expected === "string" && typeof actual === "string") {
    if (full.length <= 100 && !full.includes("\n")) return full;
    if (!expected.includes("\n") && !actual.includes("\n")) return lineDetail(expected, actual);
    return textDetail(expected, actual);
  }
  if (!isTextList(expected) || !isTextList(actual)) return truncate(oneLine(full), 160);
  if (full.length <= 80) return full;
  const missing = expected.filter((item) => !actual.includes(item));
  const extra = actual.filter((item) => !expected.includes(item));
  if (missing.length === 0 && extra.length === 0) return full;
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`extra ${extra.join(", ")}`] : []),
  ];
  return truncate(parts.join("; "), 120);
}

/**
 * Two long one-line texts (a check's definition, a checksum): each around where they first
 * differ, so the difference shows however far in it is:
 * `…amount > 0) AND (amount < 100… → …amount > 0) AND (amount < 1000…`.
 */
function lineDetail(expected: string, actual: string): string {
  let at = 0;
  while (at < expected.length && at < actual.length && expected[at] === actual[at]) at++;
  const from = Math.max(0, at - 20);
  const window = (text: string) =>
    `${from > 0 ? "…" : ""}${text.slice(from, from + 45)}${from + 45 < text.length ? "…" : ""}`;
  return `${window(expected)} → ${window(actual)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/**
 * Two long texts (a view's query, a function's body): the first line that differs, on one
 * line, since the whole of both would not fit: `line 3: WHERE status = 'pending' → WHERE true`.
 */
function textDetail(expected: string, actual: string): string {
  const want = expected.split("\n");
  const have = actual.split("\n");
  let line = 0;
  while (line < want.length && line < have.length && want[line] === have[line]) line++;
  const side = (text: string | undefined) =>
    text === undefined ? "(ends)" : truncate(text.trim(), 60) || "(empty line)";
  return `line ${line + 1}: ${side(want[line])} → ${side(have[line])}`;
}

/** The part of a finding line after the object: what was expected and what was found. */
export function findingDetail(finding: Finding): string {
  switch (finding.change) {
    case "changed":
      return changedDetail(finding.expected, finding.actual);
    case "missing": {
      const what = describeObject(finding.kind, finding.expected);
      const brings = bringsOf(finding);
      const adds = brings ? `; ${brings}` : "";
      return `${what ? `expected ${what}, not found` : "not found"}${adds}`;
    }
    case "unexpected": {
      const what = describeObject(finding.kind, finding.actual);
      return what ? `found ${what}, not in the baseline` : "not in the baseline";
    }
  }
}

/** `3 critical, 1 high` (only the severities present). */
export function severityBreakdown(counts: SeverityCounts): string {
  return SEVERITIES.filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}`)
    .join(", ");
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** `4 findings: 3 critical, 1 high` or `no drift`. */
export function findingsPhrase(counts: SeverityCounts, total: number): string {
  return total === 0 ? "no drift" : `${plural(total, "finding")}: ${severityBreakdown(counts)}`;
}

/** `sha256:1a2b3c4d5e6f` */
export function shortDigest(digest: string): string {
  return digest.slice(0, "sha256:".length + 12);
}

/** `shop.baseline.json: 4 migrations (flyway)` or `prod.json: snapshot of database shop on db.example.com`. */
export function describeBaselineSource(baseline: ReportBaseline): string {
  const source = baseline.source;
  const where = baseline.location ? `${baseline.location}: ` : "";
  if (source.kind === "migrations") {
    const format = source.format && source.format !== "sql" ? ` (${source.format})` : "";
    return `${where}${plural(source.migrations.length, "migration")}${format}`;
  }
  const host = source.host ? ` on ${source.host}` : "";
  return `${where}snapshot of database ${source.database}${host}`;
}

/** An error message without the leading `name: ` the renderers already show. */
export function errorText(env: EnvironmentReport): string {
  const message = env.error?.message ?? "could not be audited";
  const prefix = `${env.name}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/**
 * Which kinds of objects an audit compares, and which it does not: a clean result speaks only
 * for the first list, so reports say so. The migration history is compared when the baseline
 * was built from a migration tool's folder (plain SQL files have no history table).
 */
export function coverageLine(source?: SnapshotSource): string {
  const historyCompared =
    source?.kind === "migrations" && source.format !== "sql" && source.format !== "";
  const compared = [...OBJECT_KINDS, ...(historyCompared ? ["migration history"] : [])];
  const line = `compared: ${compared.join(", ")}`;
  if (historyCompared) return line;
  const why =
    source?.kind === "migrations"
      ? "plain SQL migrations have no history table"
      : "the baseline is a database snapshot";
  return `${line} · migration history not compared (${why})`;
}

/** `compared with baseline version 2 (checkpoint)`, or null when the report does not say. */
export function comparedWithLine(env: EnvironmentReport): string | null {
  const compared = env.comparedWith;
  if (!compared) return null;
  const which = compared.checkpoint ? "checkpoint" : "head";
  return compared.version === null
    ? `compared with the baseline's ${which}`
    : `compared with baseline version ${compared.version} (${which})`;
}

/** At most five names, then how many more: `a, b, c, d, e and 3 more`. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(", ");
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

/** `brings column public.accounts.email` for a pending migration whose evidence lists them. */
export function bringsOf(finding: Finding): string | null {
  const brings = finding.evidence?.brings;
  if (finding.change !== "missing" || !Array.isArray(brings) || brings.length === 0) return null;
  return `brings ${listNames(brings.map(String))}`;
}

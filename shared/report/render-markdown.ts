import { type Finding, SEVERITIES } from "../diff/finding.ts";
import {
  bringsOf,
  comparedWithLine,
  coverageLine,
  describeBaselineSource,
  describeObject,
  errorText,
  findingsPhrase,
  formatValue,
  plural,
  shortDigest,
} from "./describe.ts";
import type { EnvironmentReport, Report } from "./model.ts";

/** Text safe inside a GitHub table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/** An inline code span that survives backticks in the text; empty text gives an empty cell. */
function code(text: string): string {
  if (text === "") return "";
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((run) => run.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return cell(`${fence}${pad}${text}${pad}${fence}`);
}

function expectedCell(finding: Finding): string {
  if (finding.change === "unexpected") return "—";
  const text =
    finding.change === "missing"
      ? describeObject(finding.kind, finding.expected) || "present"
      : formatValue(finding.expected);
  const brings = bringsOf(finding);
  return brings ? `${code(text)} (${cell(brings)})` : code(text);
}

function foundCell(finding: Finding): string {
  if (finding.change === "missing") return "—";
  const text =
    finding.change === "unexpected"
      ? describeObject(finding.kind, finding.actual) || "present"
      : formatValue(finding.actual);
  return code(text);
}

const STATUS_WORD = { clean: "clean", drift: "**drift**", error: "**error**" } as const;

function overviewTable(report: Report): string[] {
  const lines = [
    `| environment | status | findings | ${SEVERITIES.join(" | ")} | ignored |`,
    `| --- | --- | ---: | ${SEVERITIES.map(() => "---:").join(" | ")} | ---: |`,
  ];
  for (const env of report.environments) {
    const failed = env.status === "error";
    const counts = SEVERITIES.map((severity) =>
      failed ? "—" : String(env.summary.bySeverity[severity]),
    );
    const findings = failed ? "—" : String(env.summary.total);
    lines.push(
      `| ${cell(env.name)} | ${STATUS_WORD[env.status]} | ${findings} | ${counts.join(" | ")} | ${env.summary.ignored} |`,
    );
  }
  return lines;
}

function environmentSection(env: EnvironmentReport): string[] {
  const version = env.serverVersion ? ` · PostgreSQL ${env.serverVersion}` : "";
  if (env.status === "error") {
    return [
      `### ${cell(env.name)}: error`,
      "",
      `**${cell(env.error?.code ?? "audit_failed")}**: ${cell(errorText(env))}`,
      "",
    ];
  }
  const lines = [
    `### ${cell(env.name)}: ${env.status}, ${findingsPhrase(env.summary.bySeverity, env.summary.total)}${version}`,
    "",
  ];
  const compared = comparedWithLine(env);
  if (compared) lines.push(`> ${cell(compared)}`, "");
  for (const note of env.notes ?? []) lines.push(`> note: ${cell(note)}`, "");
  if (env.findings.length > 0) {
    lines.push(
      "| severity | change | kind | object | attribute | expected | found |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const f of env.findings) {
      lines.push(
        `| ${f.severity} | ${f.change} | ${f.kind} | ${code(f.object)} | ${f.attribute ? code(f.attribute) : ""} | ${expectedCell(f)} | ${foundCell(f)} |`,
      );
    }
    lines.push("");
    const fixes = env.findings.filter((f) => f.remediation);
    if (fixes.length > 0) {
      lines.push("<details><summary>What to do</summary>", "");
      for (const f of fixes) {
        const what = f.attribute ? `${f.kind} ${f.attribute} ${f.change}` : `${f.change} ${f.kind}`;
        lines.push(`- ${code(f.object)} (${what}): ${cell(f.remediation ?? "")}`);
      }
      lines.push("", "</details>", "");
    }
  }
  if (env.summary.ignored > 0) {
    lines.push(`${plural(env.summary.ignored, "finding")} ignored by config rules.`, "");
  }
  return lines;
}

/** The report as a pull-request comment: an overview table, then one table per environment. */
export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const title =
    s.error > 0
      ? `## pgdrift: ${plural(s.error, "environment")} could not be audited`
      : s.drift > 0
        ? `## pgdrift: drift in ${s.drift} of ${plural(s.environments, "environment")}`
        : `## pgdrift: no drift in ${plural(s.environments, "environment")}`;
  const base = report.baseline;
  const lines = [
    title,
    "",
    `Baseline ${cell(describeBaselineSource(base))} · ${code(shortDigest(base.digest))} · PostgreSQL ${base.source.serverVersion}`,
    "",
    `<sub>${coverageLine(base.source)}</sub>`,
    "",
    ...overviewTable(report),
    "",
  ];
  for (const env of report.environments) lines.push(...environmentSection(env));
  const findings = s.findings === 0 ? "no findings" : findingsPhrase(s.bySeverity, s.findings);
  lines.push(`<sub>run ${cell(report.runId)} · ${report.finishedAt} · ${findings}</sub>`);
  return `${lines.join("\n")}\n`;
}

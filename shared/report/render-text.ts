import { type Finding, SEVERITIES, type Severity } from "../diff/finding.ts";
import {
  CHANGE_MARKERS,
  comparedWithLine,
  coverageLine,
  describeBaselineSource,
  errorText,
  findingDetail,
  findingsPhrase,
  plural,
  shortDigest,
} from "./describe.ts";
import type { EnvironmentReport, Report } from "./model.ts";

export interface TextOptions {
  /** ANSI colors (the CLI turns them on for a terminal unless NO_COLOR is set). */
  readonly color?: boolean;
}

type Style = "bold" | "dim" | "red" | "yellow" | "green" | "cyan" | "magenta";

const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
  magenta: [35, 39],
};

const SEVERITY_STYLE: Record<Severity, Style[]> = {
  critical: ["red", "bold"],
  high: ["red"],
  medium: ["yellow"],
  low: ["cyan"],
  info: ["dim"],
};

type Paint = (text: string, ...styles: Style[]) => string;

function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...styles) =>
    styles.reduce((out, style) => `\u001b[${ANSI[style][0]}m${out}\u001b[${ANSI[style][1]}m`, text);
}

function statusWord(env: EnvironmentReport, paint: Paint): string {
  switch (env.status) {
    case "clean":
      return paint("CLEAN", "green", "bold");
    case "drift":
      return paint(
        "DRIFT",
        env.summary.worst === "critical" || env.summary.worst === "high" ? "red" : "yellow",
        "bold",
      );
    case "error":
      return paint("ERROR", "magenta", "bold");
  }
}

function findingLines(findings: readonly Finding[], paint: Paint): string[] {
  const kindWidth = Math.max(...findings.map((f) => f.kind.length));
  const subject = (f: Finding) => (f.attribute ? `${f.object} ${f.attribute}` : f.object);
  const subjectWidth = Math.min(56, Math.max(...findings.map((f) => subject(f).length)));
  const lines: string[] = [];
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(`  ${paint(severity, ...SEVERITY_STYLE[severity])}`);
    for (const finding of group) {
      const marker = CHANGE_MARKERS[finding.change];
      lines.push(
        `    ${marker} ${finding.kind.padEnd(kindWidth)}  ${subject(finding).padEnd(subjectWidth)}  ${findingDetail(finding)}`,
      );
      if (finding.remediation) lines.push(`        ${paint(`fix: ${finding.remediation}`, "dim")}`);
    }
  }
  return lines;
}

function environmentBlock(env: EnvironmentReport, paint: Paint): string[] {
  const version = env.serverVersion ? paint(` · PostgreSQL ${env.serverVersion}`, "dim") : "";
  const lines: string[] = [];
  if (env.status === "error") {
    const code = env.error?.code ?? "audit_failed";
    lines.push(`${paint(env.name, "bold")}  ${statusWord(env, paint)}  ${code}: ${errorText(env)}`);
  } else {
    lines.push(
      `${paint(env.name, "bold")}  ${statusWord(env, paint)}  ${findingsPhrase(env.summary.bySeverity, env.summary.total)}${version}`,
    );
  }
  const compared = comparedWithLine(env);
  if (compared) lines.push(`  ${paint(compared, "dim")}`);
  for (const note of env.notes ?? []) lines.push(`  ${paint(`note: ${note}`, "dim")}`);
  if (env.findings.length > 0) lines.push(...findingLines(env.findings, paint));
  if (env.summary.ignored > 0) {
    lines.push(
      `  ${paint(`${plural(env.summary.ignored, "finding")} ignored by config rules`, "dim")}`,
    );
  }
  return lines;
}

function summaryLine(report: Report): string {
  const s = report.summary;
  const statuses = (["drift", "error", "clean"] as const)
    .filter((status) => s[status] > 0)
    .map((status) => `${s[status]} ${status}`)
    .join(", ");
  const findings = s.findings === 0 ? "no findings" : findingsPhrase(s.bySeverity, s.findings);
  return `${plural(s.environments, "environment")}${statuses ? `: ${statuses}` : ""} · ${findings}`;
}

/** The report as a person reads it at a glance in a terminal or a CI log. */
export function renderText(report: Report, options: TextOptions = {}): string {
  const paint = painter(options.color ?? false);
  const base = report.baseline;
  const version = `PostgreSQL ${base.source.serverVersion}`;
  const lines = [
    `${paint("pgdrift", "bold")} · baseline ${describeBaselineSource(base)} · ${shortDigest(base.digest)} · ${version}`,
    paint(coverageLine(base.source), "dim"),
    "",
  ];
  for (const env of report.environments) {
    lines.push(...environmentBlock(env, paint), "");
  }
  if (report.environments.length === 0) lines.push("no environments audited", "");
  lines.push(paint(summaryLine(report), "bold"));
  return `${lines.join("\n")}\n`;
}

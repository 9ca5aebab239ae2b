import type { MessageAttributeValue } from "@aws-sdk/client-sns";
import {
  CHANGE_MARKERS,
  errorText,
  findingDetail,
  plural,
  severityBreakdown,
  shortDigest,
} from "../report/describe.ts";
import type {
  EnvironmentError,
  EnvironmentReport,
  Report,
  ReportBaseline,
} from "../report/model.ts";
import type { AuditStatus } from "./events.ts";

/*
 * What SNS subscribers receive: a subject naming the environment and the worst severity, a
 * compact text summary (counts, the top findings, the report's S3 URI) and message attributes
 * that filter policies can match (`environment`, `severity`, `status`, `findingCount`,
 * `runId`, `scope`). Pure functions: notifier.ts publishes.
 */

/** SNS's limit for a message, attributes included (256 KiB). */
export const SNS_MAX_BYTES = 262_144;
/** SNS subjects must be shorter than 100 characters. */
export const SUBJECT_MAX_CHARS = 99;
/** Findings listed in a message before "… N more". */
export const DEFAULT_MAX_FINDINGS = 50;
/** Room kept free under the limit (JSON envelope differences, rounding). */
const SAFETY_BYTES = 1_024;
/** One line of a message is cut at this length. */
const LINE_MAX_CHARS = 1_000;

export type Attributes = Record<string, MessageAttributeValue>;

type Finding = EnvironmentReport["findings"][number];

/** One environment's outcome, as the audit Lambda publishes it. */
export interface EnvironmentNotice {
  readonly runId: string;
  readonly trigger: string;
  readonly requestedBy?: string;
  /** The environment as audited (status, findings, or the error that stopped the audit). */
  readonly environment: EnvironmentReport;
  /**
   * A failure after the audit (the archive write): the outcome becomes `error`, and the
   * message still lists what the audit found, since it is recorded nowhere else.
   */
  readonly failure?: EnvironmentError;
  readonly baseline?: ReportBaseline;
  /** `s3://bucket/key` of the archived report, null when it could not be written. */
  readonly reportUri: string | null;
}

/** The run's outcome, as the summarize Lambda publishes it. */
export interface RunNotice {
  readonly report: Report;
  readonly requestedBy?: string;
  /** `s3://…` of the run report, null when it could not be written. */
  readonly reportUri: string | null;
  /** Why the run report could not be written, when it could not. */
  readonly failure?: EnvironmentError;
  /** Each environment's archived report (`s3://…`), by name. */
  readonly environmentReports?: ReadonlyMap<string, string>;
}

export interface MessageOptions {
  /** Findings (or environments) listed before "… N more". */
  readonly maxFindings?: number;
  /** Size limit of the message and its attributes together. */
  readonly maxBytes?: number;
}

export interface Publication {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Attributes;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ");
}

/** Subjects: one line, no control characters, under 100 characters. */
export function cleanSubject(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const printable = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return printable.length > SUBJECT_MAX_CHARS
    ? `${printable.slice(0, SUBJECT_MAX_CHARS - 3)}...`
    : printable;
}

export function noticeStatus(notice: EnvironmentNotice): AuditStatus {
  return notice.failure ? "error" : notice.environment.status;
}

/** The `severity` attribute: the worst severity, `none` when clean, `error` when in error. */
export function severityAttribute(status: AuditStatus, worst: string | null): string {
  if (status === "error") return "error";
  return worst ?? "none";
}

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: "String", StringValue: value };
}

function numberAttribute(value: number): MessageAttributeValue {
  return { DataType: "Number", StringValue: String(value) };
}

/** Bytes SNS counts for the attributes: names, data types and values. */
export function attributeBytes(attributes: Attributes): number {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total += bytes(name) + bytes(value.DataType ?? "") + bytes(value.StringValue ?? "");
  }
  return total;
}

function findingLine(finding: Finding): string {
  const attribute = finding.attribute ? ` ${finding.attribute}` : "";
  const line = `[${finding.severity}] ${CHANGE_MARKERS[finding.change]} ${finding.kind} ${finding.object}${attribute}: ${findingDetail(finding)}`;
  return clip(oneLine(line), LINE_MAX_CHARS);
}

/**
 * Header lines, then as many item lines as fit in `budget` bytes (and `max` items), then
 * `… N more` naming where the rest is.
 */
function assemble(
  header: readonly string[],
  items: readonly string[],
  options: { budget: number; max: number; rest: string },
): string {
  const lines = header.map((line) => clip(line, LINE_MAX_CHARS));
  let size = bytes(lines.join("\n"));
  const more = (n: number) => `… ${n} more ${options.rest}`;
  const reserve = bytes(`\n${more(items.length)}`);
  let shown = 0;
  for (const item of items) {
    if (shown >= options.max) break;
    const add = bytes(`\n${item}`);
    const needsMore = shown + 1 < items.length;
    if (size + add + (needsMore ? reserve : 0) > options.budget) break;
    lines.push(item);
    size += add;
    shown += 1;
  }
  if (shown < items.length) lines.push(more(items.length - shown));
  const text = lines.join("\n");
  // Only a header of extraordinary size gets here: cut it rather than have SNS refuse it.
  return bytes(text) <= options.budget
    ? text
    : `${Buffer.from(text, "utf8")
        .subarray(0, options.budget - 4)
        .toString("utf8")
        .replace(/\uFFFD$/, "")}…`;
}

function runLine(runId: string, trigger: string, requestedBy: string | undefined): string {
  return `run ${runId} · trigger ${trigger}${requestedBy ? ` · requested by ${requestedBy}` : ""}`;
}

function baselineLine(baseline: ReportBaseline | undefined): string[] {
  if (!baseline) return [];
  const where = baseline.location ? ` (${baseline.location})` : "";
  return [`baseline ${shortDigest(baseline.digest)}${where}`];
}

function countsPhrase(env: EnvironmentReport): string {
  const total = env.summary.total;
  return total === 0
    ? "no findings"
    : `${plural(total, "finding")} (${severityBreakdown(env.summary.bySeverity)})`;
}

export function environmentSubject(notice: EnvironmentNotice): string {
  const env = notice.environment;
  const status = noticeStatus(notice);
  if (status === "error") {
    const code = notice.failure?.code ?? env.error?.code ?? "audit_failed";
    return cleanSubject(`pgdrift: ${env.name} ERROR (${code})`);
  }
  if (status === "clean") return cleanSubject(`pgdrift: ${env.name} CLEAN`);
  return cleanSubject(
    `pgdrift: ${env.name} DRIFT (${env.summary.worst ?? "info"}, ${plural(env.summary.total, "finding")})`,
  );
}

export function environmentAttributes(notice: EnvironmentNotice): Attributes {
  const env = notice.environment;
  const status = noticeStatus(notice);
  return {
    environment: stringAttribute(env.name),
    severity: stringAttribute(severityAttribute(status, env.summary.worst)),
    status: stringAttribute(status),
    findingCount: numberAttribute(env.summary.total),
    runId: stringAttribute(notice.runId),
    scope: stringAttribute("environment"),
  };
}

export function environmentMessage(
  notice: EnvironmentNotice,
  attributes: Attributes,
  options: MessageOptions = {},
): string {
  const env = notice.environment;
  const header: string[] = [];
  if (notice.failure) {
    header.push(`${env.name}: ERROR (${notice.failure.code})`, oneLine(notice.failure.message));
    header.push(
      env.status === "error"
        ? `the audit itself failed too (${env.error?.code ?? "audit_failed"}): ${oneLine(errorText(env))}`
        : `the audit itself completed: ${env.status.toUpperCase()}, ${countsPhrase(env)}; this message is its only record`,
    );
  } else if (env.status === "error") {
    header.push(
      `${env.name}: ERROR (${env.error?.code ?? "audit_failed"})`,
      oneLine(env.error?.message ?? `${env.name}: could not be audited`),
    );
  } else {
    header.push(`${env.name}: ${env.status.toUpperCase()}, ${countsPhrase(env)}`);
  }
  header.push(runLine(notice.runId, notice.trigger, notice.requestedBy));
  if (env.serverVersion) header.push(`server PostgreSQL ${env.serverVersion}`);
  header.push(...baselineLine(notice.baseline));
  header.push(notice.reportUri ? `report ${notice.reportUri}` : "report not archived");
  for (const note of env.notes ?? []) header.push(`note: ${oneLine(note)}`);
  if (env.findings.length > 0) header.push("", "findings:");
  const budget = (options.maxBytes ?? SNS_MAX_BYTES) - attributeBytes(attributes) - SAFETY_BYTES;
  return assemble(header, env.findings.map(findingLine), {
    budget,
    max: options.maxFindings ?? DEFAULT_MAX_FINDINGS,
    rest: notice.reportUri ? `(the full report: ${notice.reportUri})` : "(report not archived)",
  });
}

/** Subject, message and attributes of one environment's notification. */
export function environmentPublication(
  notice: EnvironmentNotice,
  options: MessageOptions = {},
): Publication {
  const attributes = environmentAttributes(notice);
  return {
    subject: environmentSubject(notice),
    message: environmentMessage(notice, attributes, options),
    attributes,
  };
}

function runStatus(notice: RunNotice): AuditStatus {
  if (notice.failure || notice.report.summary.error > 0) return "error";
  return notice.report.summary.drift > 0 ? "drift" : "clean";
}

export function runSubject(notice: RunNotice): string {
  const summary = notice.report.summary;
  const status = runStatus(notice);
  const findings =
    summary.findings > 0
      ? `${summary.worst ?? "info"}, ${plural(summary.findings, "finding")}`
      : "";
  if (status === "error") {
    const what =
      summary.error > 0
        ? `${summary.error} of ${plural(summary.environments, "environment")} in error`
        : `run report not archived`;
    return cleanSubject(`pgdrift run: ERROR (${what}${findings ? `; ${findings}` : ""})`);
  }
  if (status === "clean") {
    return cleanSubject(`pgdrift run: CLEAN (${plural(summary.environments, "environment")})`);
  }
  return cleanSubject(
    `pgdrift run: DRIFT (${findings} in ${summary.drift} of ${plural(summary.environments, "environment")})`,
  );
}

export function runAttributes(notice: RunNotice): Attributes {
  const report = notice.report;
  const status = runStatus(notice);
  return {
    // A list: a filter policy on `environment` matches a run summary that includes it.
    environment: {
      DataType: "String.Array",
      StringValue: JSON.stringify(report.environments.map((env) => env.name)),
    },
    severity: stringAttribute(severityAttribute(status, report.summary.worst)),
    status: stringAttribute(status),
    findingCount: numberAttribute(report.summary.findings),
    runId: stringAttribute(report.runId),
    scope: stringAttribute("run"),
  };
}

function environmentLine(env: EnvironmentReport, reportUri: string | undefined): string {
  const where = reportUri ? ` · ${reportUri}` : "";
  if (env.status === "error") {
    return oneLine(
      `${env.name}: ERROR (${env.error?.code ?? "audit_failed"}) ${errorText(env)}${where}`,
    );
  }
  return `${env.name}: ${env.status.toUpperCase()}, ${countsPhrase(env)}${where}`;
}

export function runMessage(
  notice: RunNotice,
  attributes: Attributes,
  options: MessageOptions = {},
): string {
  const { report } = notice;
  const summary = report.summary;
  const status = runStatus(notice);
  const counts = [
    summary.drift > 0 ? `${summary.drift} drift` : "",
    summary.error > 0 ? `${summary.error} error` : "",
    summary.clean > 0 ? `${summary.clean} clean` : "",
  ].filter(Boolean);
  const findings =
    summary.findings > 0
      ? `, ${plural(summary.findings, "finding")} (${severityBreakdown(summary.bySeverity)})`
      : "";
  const header = [
    `pgdrift run ${report.runId}: ${status.toUpperCase()}, ${plural(summary.environments, "environment")}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}${findings}`,
    `trigger ${report.trigger}${notice.requestedBy ? ` · requested by ${notice.requestedBy}` : ""} · started ${report.startedAt} · finished ${report.finishedAt}`,
    ...baselineLine(report.baseline),
  ];
  if (notice.failure) {
    header.push(`run report not archived: ${oneLine(notice.failure.message)}`);
  } else if (notice.reportUri) {
    header.push(`report ${notice.reportUri}`);
  }
  header.push("", "environments:");
  const lines = report.environments.map((env) =>
    environmentLine(env, notice.environmentReports?.get(env.name)),
  );
  const budget = (options.maxBytes ?? SNS_MAX_BYTES) - attributeBytes(attributes) - SAFETY_BYTES;
  return assemble(header, lines, {
    budget,
    max: options.maxFindings ?? Number.POSITIVE_INFINITY,
    rest: notice.reportUri ? `(the run report: ${notice.reportUri})` : "(run report not archived)",
  });
}

export function runPublication(notice: RunNotice, options: MessageOptions = {}): Publication {
  const attributes = runAttributes(notice);
  return {
    subject: runSubject(notice),
    message: runMessage(notice, attributes, options),
    attributes,
  };
}

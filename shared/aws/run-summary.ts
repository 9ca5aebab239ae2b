import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import { buildReport, failedEnvironment } from "../report/build.ts";
import { plural } from "../report/describe.ts";
import type {
  EnvironmentError,
  EnvironmentReport,
  Report,
  ReportBaseline,
} from "../report/model.ts";
import { ArchiveError, NotificationError, RunSummaryIncompleteError } from "./errors.ts";
import {
  type AuditResult,
  type CaughtItem,
  classifyResults,
  type SummarizeEvent,
  type SummarizeItem,
  type SummarizeResult,
} from "./events.ts";
import type { MessageOptions } from "./messages.ts";
import { recordEnvironmentInError } from "./metrics.ts";
import { archiveGuardedNotifier, type LogLike, publishRunNotice } from "./notifier.ts";
import {
  archiveReport,
  environmentReportKey,
  isUnavailableBaseline,
  readArchivedReport,
  runReportKey,
  s3Uri,
  unavailableBaseline,
} from "./report-archive.ts";

/*
 * The summarize step: reads back each environment's archived report, builds the run report
 * (`pgdrift.report/v1`, every environment of the run), archives it at
 * `reports/runs/date=YYYY-MM-DD/RUNID.json` and publishes one run summary.
 *
 * An environment is `error` in the run report when its audit said so, when its audit function
 * failed (the Map's catch), when its result is malformed, when its result is not this run's
 * (another run id, or a report key that is not `reports/env=NAME/date=…/RUNID.json` for this
 * run and environment: that report is then not read), or when its archived report is missing,
 * unreadable or of another run: a run never calls an environment clean that was not compared.
 */

export interface SummaryDependencies {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly archiveBucket: string;
  readonly topicArn: string;
  readonly logger: LogLike;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  readonly message?: MessageOptions;
}

/** Environment reports read from S3 at the same time. */
const READ_CONCURRENCY = 8;

interface Entry {
  readonly env: EnvironmentReport;
  /** The archived environment report, when one was read. */
  readonly report?: Report;
  readonly reportUri?: string;
  /** True when no audit result could tell anything (the metric is then recorded here). */
  readonly auditFunctionFailed?: boolean;
}

/** `{"errorType":"X","errorMessage":"…"}` → its message; other causes as they are, on one line. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string" && parsed.errorMessage !== "") {
      return parsed.errorMessage;
    }
  } catch {
    // not JSON: use the text
  }
  return cause;
}

function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s*\n\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function caughtEntry(caught: CaughtItem): Entry {
  const name = caught.environment;
  const kind = caught.error.Error ?? "unknown error";
  const detail = causeMessage(caught.error.Cause);
  return {
    env: failedEnvironment({
      name,
      error: {
        code: "audit_function_failed",
        message: oneLine(
          `${name}: the audit function failed (${kind}${detail ? `: ${detail}` : ""}); nothing was compared`,
        ),
      },
    }),
    auditFunctionFailed: true,
  };
}

/**
 * Whether `key` is the report key this run's audit of `environment` writes. Any day is
 * accepted: the audit names it after its own start, which may fall after midnight.
 */
function isOwnReportKey(key: string, environment: string, runId: string): boolean {
  const day = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
  if (!day) return false;
  const date = new Date(`${day}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && environmentReportKey(environment, runId, date) === key;
}

/** Why an audit result cannot be this run's record of its environment, if it cannot. */
function resultMismatch(result: AuditResult, runId: string): EnvironmentError | undefined {
  const name = result.environment;
  if (result.runId !== runId) {
    return {
      code: "result_mismatch",
      message: oneLine(
        `${name}: the audit's result is from run ${result.runId}, not this run (${runId}); its report was not read`,
      ),
    };
  }
  if (result.reportKey !== null && !isOwnReportKey(result.reportKey, name, runId)) {
    return {
      code: "result_mismatch",
      message: oneLine(
        `${name}: the audit's report key ${result.reportKey} is not this run's report for ${name} (reports/env=${name}/date=YYYY-MM-DD/${runId}.json); it was not read`,
      ),
    };
  }
  return undefined;
}

async function resultEntry(
  result: AuditResult,
  runId: string,
  deps: SummaryDependencies,
): Promise<Entry> {
  const name = result.environment;
  const mismatch = resultMismatch(result, runId);
  if (mismatch) {
    // Nothing in the result describes this run's audit: reported here, as a failed function is.
    return { env: failedEnvironment({ name, error: mismatch }), auditFunctionFailed: true };
  }
  let report: Report | undefined;
  let archived: EnvironmentReport | undefined;
  let readError: EnvironmentError | undefined;
  const reportUri = result.reportKey ? s3Uri(deps.archiveBucket, result.reportKey) : undefined;
  if (result.reportKey) {
    try {
      const read = await readArchivedReport(deps.s3, deps.archiveBucket, result.reportKey);
      if (read.runId !== runId) {
        // Under this run's key, yet another run's report: none of it is used.
        readError = {
          code: "report_invalid",
          message: oneLine(
            `${name}: the archived report ${reportUri} is of run ${read.runId}, not this run (${runId})`,
          ),
        };
      } else {
        report = read;
        archived = report.environments.find((env) => env.name === name);
      }
      if (report && !archived) {
        readError = {
          code: "report_invalid",
          message: `${name}: the archived report ${reportUri} has no environment named ${name}`,
        };
      }
    } catch (error) {
      if (!(error instanceof ArchiveError)) throw error;
      deps.logger.error("environment report not read", { environment: name, error: error.message });
      readError = {
        code: "report_unreadable",
        message: `${name}: the archived report could not be read: ${error.message}`,
      };
    }
  }
  const base = { ...(report ? { report } : {}), ...(reportUri ? { reportUri } : {}) };

  if (result.status === "error") {
    const notes =
      archived && archived.status !== "error"
        ? [
            `the audit itself completed (${archived.status}, ${plural(archived.summary.total, "finding")}): see ${reportUri}`,
          ]
        : [];
    return {
      ...base,
      env: failedEnvironment({
        name,
        error: result.error ??
          archived?.error ?? { code: "audit_failed", message: `${name}: the audit failed` },
        serverVersion: archived?.serverVersion ?? null,
        notes: [...(archived?.notes ?? []), ...notes],
      }),
    };
  }
  if (readError) return { ...base, env: failedEnvironment({ name, error: readError }) };
  if (!archived) {
    return {
      ...base,
      env: failedEnvironment({
        name,
        error: {
          code: "report_missing",
          message: `${name}: the audit returned ${result.status} without an archived report, so it is not trusted`,
        },
      }),
    };
  }
  // The archived report is the record (buildReport re-derives status from what it holds).
  return { ...base, env: archived };
}

async function entryFor(
  item: SummarizeItem,
  runId: string,
  deps: SummaryDependencies,
): Promise<Entry> {
  switch (item.kind) {
    case "caught":
      return caughtEntry(item.caught);
    case "invalid":
      return {
        env: failedEnvironment({
          name: item.environment,
          error: {
            code: "invalid_result",
            message: oneLine(
              `${item.environment}: the audit's result is not in the expected shape (${item.problem})`,
            ),
          },
        }),
        auditFunctionFailed: true,
      };
    case "result":
      return resultEntry(item.result, runId, deps);
  }
}

/** The run's baseline: the one the archived reports used (the first real one). */
function runBaseline(entries: readonly Entry[]): ReportBaseline {
  const baselines = entries.flatMap((entry) => (entry.report ? [entry.report.baseline] : []));
  return (
    baselines.find((baseline) => !isUnavailableBaseline(baseline)) ??
    baselines[0] ??
    unavailableBaseline("(no environment report was archived)")
  );
}

/** A note on environments audited against another baseline than the run's (a pin). */
function withBaselineNote(entry: Entry, baseline: ReportBaseline): EnvironmentReport {
  const own = entry.report?.baseline;
  if (!own || own.digest === baseline.digest || isUnavailableBaseline(own)) return entry.env;
  const where = own.location ? ` (${own.location})` : "";
  return {
    ...entry.env,
    notes: [...(entry.env.notes ?? []), `audited against baseline ${own.digest}${where}`],
  };
}

function earliest(dates: readonly string[]): string | undefined {
  return [...dates].sort()[0];
}

/** Builds, archives and publishes the run report; see the file comment. */
export async function summarizeAudits(
  event: SummarizeEvent,
  deps: SummaryDependencies,
): Promise<SummarizeResult> {
  const clock = deps.now ?? (() => new Date());
  const log = deps.logger;
  const items = classifyResults(event.results);
  const entries: Entry[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index];
      if (item) entries[index] = await entryFor(item, event.runId, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));

  for (const entry of entries) {
    if (entry.auditFunctionFailed) {
      recordEnvironmentInError(deps.metrics, entry.env.name);
      log.error("environment not audited", {
        environment: entry.env.name,
        code: entry.env.error?.code,
        error: entry.env.error?.message,
      });
    }
  }

  const baseline = runBaseline(entries);
  const startedAt =
    event.startedAt ??
    earliest(entries.flatMap((entry) => (entry.report ? [entry.report.startedAt] : []))) ??
    clock().toISOString();
  const report = buildReport({
    runId: event.runId,
    trigger: event.trigger,
    startedAt,
    finishedAt: clock().toISOString(),
    baseline,
    environments: entries.map((entry) => withBaselineNote(entry, baseline)),
  });

  const key = runReportKey(event.runId, new Date(startedAt));
  let archiveFailure: ArchiveError | undefined;
  try {
    await archiveReport(deps.s3, deps.archiveBucket, key, report);
    log.info("run report archived", { bucket: deps.archiveBucket, key });
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    archiveFailure = error;
    log.error("run report not archived", { code: error.code, error: error.message });
  }

  const environmentReports = new Map(
    entries.flatMap((entry) => (entry.reportUri ? [[entry.env.name, entry.reportUri]] : [])) as [
      string,
      string,
    ][],
  );
  let notifyFailure: NotificationError | undefined;
  try {
    const outcome = await publishRunNotice(archiveGuardedNotifier(deps, log, clock), {
      report,
      ...(event.requestedBy ? { requestedBy: event.requestedBy } : {}),
      reportUri: archiveFailure ? null : s3Uri(deps.archiveBucket, key),
      ...(archiveFailure
        ? { failure: { code: archiveFailure.code, message: archiveFailure.message } }
        : {}),
      environmentReports,
    });
    log.info("run summary sent", { outcome: outcome.status });
  } catch (error) {
    if (!(error instanceof NotificationError)) throw error;
    notifyFailure = error;
    log.error("run summary not sent", { code: error.code, error: error.message });
  }

  // Nothing recorded, or a retry may help (the marker keeps a retry from publishing twice).
  if ((archiveFailure && notifyFailure) || archiveFailure?.transient || notifyFailure?.transient) {
    const reasons = [archiveFailure?.message, notifyFailure?.message].filter(Boolean).join("; ");
    throw new RunSummaryIncompleteError(
      `run ${event.runId}: the run report was not fully recorded (${reasons})`,
      { runId: event.runId, cause: archiveFailure ?? notifyFailure },
    );
  }

  const summary = report.summary;
  const status =
    summary.error > 0 || archiveFailure || notifyFailure
      ? "error"
      : summary.drift > 0
        ? "drift"
        : "clean";
  const result: SummarizeResult = {
    runId: event.runId,
    status,
    worst: summary.worst,
    environments: summary.environments,
    reportKey: archiveFailure ? null : key,
  };
  log.info("run summarized", { ...result, error: summary.error, drift: summary.drift });
  return result;
}

import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSummarizeHandler, type SummarizeHandlerOptions } from "../../lambdas/summarize.ts";
import { EventValidationError, RunSummaryIncompleteError } from "../../shared/aws/errors.ts";
import { archiveReport, environmentReportKey } from "../../shared/aws/report-archive.ts";
import { buildReport, comparedEnvironment } from "../../shared/report/build.ts";
import type { EnvironmentReport, Report } from "../../shared/report/model.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import {
  ARCHIVE_BUCKET,
  type AwsMocks,
  awsMocks,
  type Captured,
  captureOutput,
  s3Error,
  serviceError,
  TOPIC_ARN,
  testLogger,
  testMetrics,
} from "../aws/support.ts";
import { PRODUCTION_FINDINGS, sampleReport } from "../report/sample.ts";
import { DAY, NOW, SUMMARIZE_SETTINGS } from "./support.ts";

const RUN_KEY = `reports/runs/date=${DAY}/run-1.json`;
const STARTED = "2026-11-25T02:59:00.000Z";

let aws: AwsMocks;
let out: Captured;

beforeEach(() => {
  aws = awsMocks();
  aws.sns.on(PublishCommand).resolves({ MessageId: "run-msg" });
  out = captureOutput();
});

afterEach(() => out.restore());

function handlerWith(overrides: Partial<SummarizeHandlerOptions> = {}) {
  return createSummarizeHandler({
    settings: SUMMARIZE_SETTINGS,
    s3: aws.s3Client,
    sns: aws.snsClient,
    logger: testLogger(),
    metrics: testMetrics(),
    now: () => NOW,
    ...overrides,
  });
}

/** Archives one environment's report the way the audit does, and returns its result. */
async function archivedAudit(
  env: EnvironmentReport,
  options: { runId?: string; at?: Date; reportRunId?: string } = {},
) {
  const { runId = "run-1", at = NOW } = options;
  const reportRunId = options.reportRunId ?? runId;
  const base = sampleReport();
  const report = buildReport({
    runId: reportRunId,
    trigger: "schedule",
    startedAt: STARTED,
    finishedAt: "2026-11-25T02:59:30.000Z",
    baseline: base.baseline,
    environments: [env],
  });
  const key = environmentReportKey(env.name, runId, at);
  await archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, report);
  return {
    environment: env.name,
    runId,
    status: report.environments[0]?.status ?? "error",
    worst: report.environments[0]?.summary.worst ?? null,
    findingCount: report.environments[0]?.summary.total ?? 0,
    reportKey: key,
  };
}

function runReport(): Report {
  const put = aws.s3
    .commandCalls(PutObjectCommand)
    .find((call) => call.args[0].input.Key === RUN_KEY);
  expect(put, `a PutObject of ${RUN_KEY}`).toBeDefined();
  const data = JSON.parse(String(put?.args[0].input.Body)) as unknown;
  expect(validateJsonSchema(data)).toEqual([]);
  return data as Report;
}

function statuses(report: Report) {
  return Object.fromEntries(report.environments.map((env) => [env.name, env.status]));
}

function errors(report: Report) {
  return Object.fromEntries(report.environments.map((env) => [env.name, env.error ?? null]));
}

/** The keys GetObject was asked for. */
function keysRead(): (string | undefined)[] {
  return aws.s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
}

const clean = (name: string) => comparedEnvironment({ name, serverVersion: "17.6", findings: [] });

describe("summarize handler", () => {
  it("builds the run report from the archived reports and failed items", async () => {
    const production = await archivedAudit(
      comparedEnvironment({
        name: "production",
        serverVersion: "16.4",
        findings: PRODUCTION_FINDINGS,
      }),
    );
    const dev = await archivedAudit(
      comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    );
    aws.s3.resetHistory();

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      requestedBy: "alice",
      startedAt: STARTED,
      results: [
        production,
        dev,
        {
          environment: "staging",
          status: "error",
          error: {
            Error: "Sandbox.Timedout",
            Cause: JSON.stringify({
              errorType: "Sandbox.Timedout",
              errorMessage: "Task timed out after 300.00 seconds",
            }),
          },
        },
      ],
    });

    expect(result).toEqual({
      runId: "run-1",
      status: "error",
      worst: "critical",
      environments: 3,
      reportKey: RUN_KEY,
    });
    const report = runReport();
    expect(statuses(report)).toEqual({ production: "drift", dev: "clean", staging: "error" });
    expect(report.environments.find((env) => env.name === "staging")?.error).toEqual({
      code: "audit_function_failed",
      message:
        "staging: the audit function failed (Sandbox.Timedout: Task timed out after 300.00 seconds); nothing was compared",
    });
    expect(report.startedAt).toBe(STARTED);
    expect(report.finishedAt).toBe(NOW.toISOString());
    expect(report.baseline.digest).toBe(sampleReport().baseline.digest);
    expect(report.summary).toMatchObject({
      environments: 3,
      clean: 1,
      drift: 1,
      error: 1,
      findings: 4,
    });

    const messages = aws.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: "pgdrift run: ERROR (1 of 3 environments in error; critical, 4 findings)",
      MessageAttributes: {
        environment: { DataType: "String.Array", StringValue: '["production","dev","staging"]' },
        severity: { DataType: "String", StringValue: "error" },
        status: { DataType: "String", StringValue: "error" },
        findingCount: { DataType: "Number", StringValue: "4" },
        runId: { DataType: "String", StringValue: "run-1" },
        scope: { DataType: "String", StringValue: "run" },
      },
    });
    expect(messages[0]?.Message).toContain(`report s3://${ARCHIVE_BUCKET}/${RUN_KEY}`);
    expect(messages[0]?.Message).toContain("requested by alice");
    expect(messages[0]?.Message).toContain(
      `production: DRIFT, 4 findings (3 critical, 1 high) · s3://${ARCHIVE_BUCKET}/${production.reportKey}`,
    );
    // The environment whose function failed could not record its metric: summarize does.
    expect(out.metrics()).toContainEqual(
      expect.objectContaining({ environment: "staging", EnvironmentsInError: 1 }),
    );
  });

  it("never reports clean for an environment it cannot verify", async () => {
    const dev = await archivedAudit(
      comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    );

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [
        // Claims clean, but nothing was archived.
        { ...dev, environment: "qa", reportKey: null },
        // Claims clean, but its report is gone.
        { ...dev, environment: "uat", reportKey: "reports/env=uat/date=2026-11-25/run-1.json" },
        // Not a result at all.
        { environment: "perf", status: "clean" },
      ],
    });

    expect(result.status).toBe("error");
    const report = runReport();
    expect(statuses(report)).toEqual({ qa: "error", uat: "error", perf: "error" });
    expect(report.environments.map((env) => env.error?.code)).toEqual([
      "report_missing",
      "report_unreadable",
      "invalid_result",
    ]);
  });

  it("never trusts a result of another run, nor reads its report", async () => {
    // A clean report from an earlier run, and a result that still points at it.
    const stale = await archivedAudit(clean("production"), { runId: "run-0" });
    const dev = await archivedAudit(clean("dev"));
    aws.s3.resetHistory();

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [stale, dev],
    });

    expect(result.status).toBe("error");
    const report = runReport();
    expect(statuses(report)).toEqual({ production: "error", dev: "clean" });
    expect(errors(report).production).toEqual({
      code: "result_mismatch",
      message:
        "production: the audit's result is from run run-0, not this run (run-1); its report was not read",
    });
    expect(keysRead()).not.toContain(stale.reportKey);
    expect(keysRead()).toContain(dev.reportKey);
    // Neither the run's baseline nor the summary's links come from the stale report.
    const message = aws.sns.commandCalls(PublishCommand)[0]?.args[0].input.Message;
    expect(message).not.toContain(stale.reportKey);
    expect(out.metrics()).toContainEqual(
      expect.objectContaining({ environment: "production", EnvironmentsInError: 1 }),
    );
  });

  it("never trusts a report key that is not this run's for that environment", async () => {
    const older = await archivedAudit(clean("production"), { runId: "run-0" });
    const dev = await archivedAudit(clean("dev"));
    const runReportKey = `reports/runs/date=${DAY}/run-0.json`;
    await archiveReport(aws.s3Client, ARCHIVE_BUCKET, runReportKey, sampleReport());
    aws.s3.resetHistory();
    const thisRun = { ...dev, runId: "run-1" };
    const mismatched = {
      // This run's result, wired to an older run's clean report.
      production: { ...thisRun, environment: "production", reportKey: older.reportKey },
      // Another environment's report of this run.
      qa: { ...thisRun, environment: "qa", reportKey: dev.reportKey },
      // Not an environment report.
      uat: { ...thisRun, environment: "uat", reportKey: runReportKey },
      // Not a day.
      perf: {
        ...thisRun,
        environment: "perf",
        reportKey: "reports/env=perf/date=2026-02-30/run-1.json",
      },
      // Another bucket's layout.
      ops: { ...thisRun, environment: "ops", reportKey: `archive/${dev.reportKey}` },
    };

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: Object.values(mismatched),
    });

    expect(result.status).toBe("error");
    const report = runReport();
    expect(statuses(report)).toEqual({
      production: "error",
      qa: "error",
      uat: "error",
      perf: "error",
      ops: "error",
    });
    expect(errors(report).production).toEqual({
      code: "result_mismatch",
      message: `production: the audit's report key ${older.reportKey} is not this run's report for production (reports/env=production/date=YYYY-MM-DD/run-1.json); it was not read`,
    });
    expect(report.environments.map((env) => env.error?.code)).toEqual(
      Array(5).fill("result_mismatch"),
    );
    expect(keysRead()).toEqual([]);
    expect(report.summary).toMatchObject({ environments: 5, clean: 0, error: 5 });
  });

  it("accepts this run's report dated the day after the run started", async () => {
    // The audit names its key after its own start, which may fall after midnight.
    const late = await archivedAudit(clean("dev"), { at: new Date("2026-11-26T00:00:05.000Z") });

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [late],
    });

    expect(late.reportKey).toBe("reports/env=dev/date=2026-11-26/run-1.json");
    expect(result.status).toBe("clean");
    expect(statuses(runReport())).toEqual({ dev: "clean" });
  });

  it("never trusts another run's report found under this run's key", async () => {
    const overwritten = await archivedAudit(clean("dev"), { reportRunId: "run-0" });

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [overwritten],
    });

    expect(result.status).toBe("error");
    expect(errors(runReport())).toEqual({
      dev: {
        code: "report_invalid",
        message: `dev: the archived report s3://${ARCHIVE_BUCKET}/${overwritten.reportKey} is of run run-0, not this run (run-1)`,
      },
    });
  });

  it("keeps an audit's error even when its archived report says drift", async () => {
    const production = await archivedAudit(
      comparedEnvironment({
        name: "production",
        serverVersion: "16.4",
        findings: PRODUCTION_FINDINGS,
      }),
    );

    await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [
        {
          ...production,
          status: "error",
          error: { code: "notify_failed", message: "production: could not publish" },
        },
      ],
    });

    const env = runReport().environments[0];
    expect(env).toMatchObject({ status: "error", error: { code: "notify_failed" }, findings: [] });
    expect(env?.notes).toContainEqual(
      expect.stringMatching(/^the audit itself completed \(drift, 4 findings\)/),
    );
  });

  it("reports a clean run as clean, severity none", async () => {
    const dev = await archivedAudit(
      comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    );

    const result = await handlerWith()({ runId: "run-1", trigger: "on-demand", results: [dev] });

    expect(result).toEqual({
      runId: "run-1",
      status: "clean",
      worst: null,
      environments: 1,
      reportKey: RUN_KEY,
    });
    // Without startedAt in the event, the run starts when its first audit did.
    expect(runReport().startedAt).toBe(STARTED);
    const attributes = aws.sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes;
    expect(attributes?.severity).toEqual({ DataType: "String", StringValue: "none" });
    expect(attributes?.status).toEqual({ DataType: "String", StringValue: "clean" });
  });

  it("still publishes, with status error, when the run report cannot be archived", async () => {
    const dev = await archivedAudit(
      comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    );
    aws.s3
      .on(PutObjectCommand, { Key: RUN_KEY })
      .rejects(s3Error("AccessDenied", 403, "Access Denied"));

    const result = await handlerWith()({
      runId: "run-1",
      trigger: "schedule",
      startedAt: STARTED,
      results: [dev],
    });

    expect(result).toMatchObject({ status: "error", reportKey: null });
    const message = aws.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(message?.Subject).toBe("pgdrift run: ERROR (run report not archived)");
    expect(message?.Message).toContain("run report not archived: could not archive the report");
  });

  it("throws when the run could be recorded nowhere", async () => {
    aws.s3.on(PutObjectCommand, { Key: RUN_KEY }).rejects(s3Error("AccessDenied", 403));
    aws.sns.on(PublishCommand).rejects(serviceError("AuthorizationErrorException", 403));

    await expect(
      handlerWith()({ runId: "run-1", trigger: "schedule", results: [] }),
    ).rejects.toBeInstanceOf(RunSummaryIncompleteError);
  });

  it("publishes the run summary once when retried", async () => {
    const dev = await archivedAudit(
      comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    );
    const handler = handlerWith();
    const event = { runId: "run-1", trigger: "schedule", startedAt: STARTED, results: [dev] };

    await handler(event);
    await handler(event);

    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("refuses an event without results, naming the field", async () => {
    await expect(handlerWith()({ runId: "run-1", trigger: "schedule" })).rejects.toBeInstanceOf(
      EventValidationError,
    );
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

import { PutObjectCommand } from "@aws-sdk/client-s3";
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
async function archivedAudit(env: EnvironmentReport) {
  const base = sampleReport();
  const report = buildReport({
    runId: "run-1",
    trigger: "schedule",
    startedAt: STARTED,
    finishedAt: "2026-11-25T02:59:30.000Z",
    baseline: base.baseline,
    environments: [env],
  });
  const key = environmentReportKey(env.name, "run-1", NOW);
  await archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, report);
  return {
    environment: env.name,
    runId: "run-1",
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

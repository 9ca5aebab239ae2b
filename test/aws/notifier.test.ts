import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotificationError } from "../../shared/aws/errors.ts";
import {
  attributeBytes,
  type EnvironmentNotice,
  environmentPublication,
  runPublication,
  SNS_MAX_BYTES,
} from "../../shared/aws/messages.ts";
import {
  environmentMarkerKey,
  type NotifierOptions,
  publishEnvironmentNotice,
  publishRunNotice,
} from "../../shared/aws/notifier.ts";
import { findingId } from "../../shared/diff/finding.ts";
import { buildReport, comparedEnvironment, failedEnvironment } from "../../shared/report/build.ts";
import { PRODUCTION_FINDINGS, sampleReport } from "../report/sample.ts";
import {
  ARCHIVE_BUCKET,
  awsMocks,
  type Captured,
  captureOutput,
  s3Error,
  serviceError,
  TOPIC_ARN,
  testLogger,
} from "./support.ts";

const REPORT_URI = `s3://${ARCHIVE_BUCKET}/reports/env=production/date=2026-11-25/run-1.json`;

function driftNotice(overrides: Partial<EnvironmentNotice> = {}): EnvironmentNotice {
  return {
    runId: "run-1",
    trigger: "schedule",
    environment: comparedEnvironment({
      name: "production",
      serverVersion: "16.4",
      findings: PRODUCTION_FINDINGS,
    }),
    reportUri: REPORT_URI,
    ...overrides,
  };
}

function errorNotice(): EnvironmentNotice {
  return driftNotice({
    environment: failedEnvironment({
      name: "staging",
      error: {
        code: "connection_refused",
        message: "staging: cannot connect to db:5432 (connection refused): check host",
      },
    }),
  });
}

/** `n` findings with long messages, as a badly drifted database would give. */
function hugeEnvironment(n: number) {
  const findings = Array.from({ length: n }, (_, i) => {
    const object = `public.table_${String(i).padStart(5, "0")}.column_with_a_long_name_${"x".repeat(40)}`;
    return {
      id: findingId("column", object, "missing"),
      kind: "column" as const,
      object,
      change: "missing" as const,
      severity: i % 2 === 0 ? ("critical" as const) : ("medium" as const),
      expected: { type: "text", nullable: false, default: `'${"y".repeat(200)}'::text` },
      actual: null,
      message: `column ${object} is missing`,
    };
  });
  return comparedEnvironment({ name: "production", serverVersion: "17.6", findings });
}

describe("environmentPublication", () => {
  it("names the environment, the worst severity and the count in the subject", () => {
    expect(environmentPublication(driftNotice()).subject).toBe(
      "pgdrift: production DRIFT (critical, 4 findings)",
    );
    expect(environmentPublication(errorNotice()).subject).toBe(
      "pgdrift: staging ERROR (connection_refused)",
    );
    const clean = driftNotice({
      environment: comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    });
    expect(environmentPublication(clean).subject).toBe("pgdrift: dev CLEAN");
  });

  it("keeps the subject under 100 characters", () => {
    const name = "a-very-long-environment-name-".repeat(2).concat("0123456");
    const notice = driftNotice({
      environment: comparedEnvironment({
        name,
        serverVersion: "17.6",
        findings: PRODUCTION_FINDINGS,
      }),
    });
    const { subject } = environmentPublication(notice);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toContain(name);
  });

  it("sets the filterable attributes for drift", () => {
    expect(environmentPublication(driftNotice()).attributes).toEqual({
      environment: { DataType: "String", StringValue: "production" },
      severity: { DataType: "String", StringValue: "critical" },
      status: { DataType: "String", StringValue: "drift" },
      findingCount: { DataType: "Number", StringValue: "4" },
      runId: { DataType: "String", StringValue: "run-1" },
      scope: { DataType: "String", StringValue: "environment" },
    });
  });

  it("says none for a clean environment and error for one in error", () => {
    const clean = driftNotice({
      environment: comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] }),
    });
    expect(environmentPublication(clean).attributes).toMatchObject({
      severity: { DataType: "String", StringValue: "none" },
      status: { DataType: "String", StringValue: "clean" },
      findingCount: { DataType: "Number", StringValue: "0" },
    });
    expect(environmentPublication(errorNotice()).attributes).toMatchObject({
      severity: { DataType: "String", StringValue: "error" },
      status: { DataType: "String", StringValue: "error" },
    });
  });

  it("summarizes counts, lists the findings and gives the report's key", () => {
    const { message } = environmentPublication(driftNotice());
    const lines = message.split("\n");
    expect(lines[0]).toBe("production: DRIFT, 4 findings (3 critical, 1 high)");
    expect(message).toContain(`report ${REPORT_URI}`);
    expect(message).toContain(
      "[critical] ~ constraint public.orders.orders_user_id_fkey on_delete: CASCADE → RESTRICT",
    );
    expect(lines.filter((line) => line.startsWith("["))).toHaveLength(4);
  });

  it("cuts the list after maxFindings with … N more and where the rest is", () => {
    const { message } = environmentPublication(driftNotice(), { maxFindings: 1 });
    expect(message.split("\n").filter((line) => line.startsWith("["))).toHaveLength(1);
    expect(message.endsWith(`… 3 more (the full report: ${REPORT_URI})`)).toBe(true);
  });

  it("stays within SNS's 256 KB, attributes included, with a huge report", () => {
    const notice = driftNotice({ environment: hugeEnvironment(20_000) });

    const pub = environmentPublication(notice, { maxFindings: Number.POSITIVE_INFINITY });

    const size = Buffer.byteLength(pub.message) + attributeBytes(pub.attributes);
    expect(size).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(size).toBeGreaterThan(SNS_MAX_BYTES - 4_096);
    const shown = pub.message.split("\n").filter((line) => line.startsWith("[")).length;
    expect(pub.message.endsWith(`… ${20_000 - shown} more (the full report: ${REPORT_URI})`)).toBe(
      true,
    );
    expect(pub.attributes.findingCount).toEqual({ DataType: "Number", StringValue: "20000" });
  });

  it("reports an archive failure as error and still lists what the audit found", () => {
    const notice = driftNotice({
      reportUri: null,
      failure: {
        code: "archive_write_failed",
        message: "could not archive the report (AccessDenied)",
      },
    });

    const pub = environmentPublication(notice);

    expect(pub.subject).toBe("pgdrift: production ERROR (archive_write_failed)");
    expect(pub.attributes.status).toEqual({ DataType: "String", StringValue: "error" });
    expect(pub.attributes.severity).toEqual({ DataType: "String", StringValue: "error" });
    expect(pub.message).toContain("report not archived");
    expect(pub.message).toContain("the audit itself completed: DRIFT, 4 findings");
    expect(pub.message).toContain("[critical] - column billing.payments.transaction_ref");
  });
});

describe("runPublication", () => {
  it("summarizes the run and lists the environments as a String.Array attribute", () => {
    const report = sampleReport();

    const pub = runPublication({ report, reportUri: `s3://${ARCHIVE_BUCKET}/reports/runs/x.json` });

    expect(pub.subject).toBe(
      "pgdrift run: ERROR (1 of 4 environments in error; critical, 5 findings)",
    );
    expect(pub.attributes).toEqual({
      environment: {
        DataType: "String.Array",
        StringValue: '["production","staging","dev","qa"]',
      },
      severity: { DataType: "String", StringValue: "error" },
      status: { DataType: "String", StringValue: "error" },
      findingCount: { DataType: "Number", StringValue: "5" },
      runId: { DataType: "String", StringValue: "run-1" },
      scope: { DataType: "String", StringValue: "run" },
    });
    expect(pub.message).toContain(
      "qa: ERROR (connection_refused) cannot connect to db.example.com:5432",
    );
    expect(pub.message).toContain("dev: CLEAN, no findings");
  });

  it("says CLEAN when every environment is", () => {
    const report = buildReport({
      ...sampleReport(),
      environments: [comparedEnvironment({ name: "dev", serverVersion: "17.6", findings: [] })],
    });
    const pub = runPublication({ report, reportUri: null });
    expect(pub.subject).toBe("pgdrift run: CLEAN (1 environment)");
    expect(pub.attributes.severity).toEqual({ DataType: "String", StringValue: "none" });
  });
});

describe("publishEnvironmentNotice", () => {
  let out: Captured;
  beforeEach(() => {
    out = captureOutput();
  });
  afterEach(() => out.restore());

  function options(aws: ReturnType<typeof awsMocks>): NotifierOptions {
    return {
      sns: aws.snsClient,
      topicArn: TOPIC_ARN,
      guard: { s3: aws.s3Client, bucket: ARCHIVE_BUCKET },
      logger: testLogger(),
      now: () => new Date("2026-11-25T03:00:00Z"),
    };
  }

  it("publishes, then writes the marker with IfNoneMatch", async () => {
    const aws = awsMocks();
    aws.sns.on(PublishCommand).resolves({ MessageId: "m-1" });

    const outcome = await publishEnvironmentNotice(options(aws), driftNotice());

    expect(outcome).toEqual({
      status: "published",
      messageId: "m-1",
      subject: "pgdrift: production DRIFT (critical, 4 findings)",
    });
    const publish = aws.sns.commandCalls(PublishCommand);
    expect(publish).toHaveLength(1);
    expect(publish[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: "pgdrift: production DRIFT (critical, 4 findings)",
      MessageAttributes: { status: { DataType: "String", StringValue: "drift" } },
    });
    const marker = aws.s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(marker).toMatchObject({
      Bucket: ARCHIVE_BUCKET,
      Key: "notifications/run-1/env=production",
      IfNoneMatch: "*",
    });
    expect(JSON.parse(String(marker?.Body))).toEqual({
      messageId: "m-1",
      subject: "pgdrift: production DRIFT (critical, 4 findings)",
      publishedAt: "2026-11-25T03:00:00.000Z",
    });
  });

  it("does not publish twice for the same run and environment", async () => {
    const aws = awsMocks();
    aws.sns.on(PublishCommand).resolves({ MessageId: "m-1" });

    await publishEnvironmentNotice(options(aws), driftNotice());
    const second = await publishEnvironmentNotice(options(aws), driftNotice());

    expect(second).toEqual({
      status: "already_published",
      markerKey: environmentMarkerKey("run-1", "production"),
    });
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("sends no PublishCommand when the marker is already there", async () => {
    const aws = awsMocks();
    aws.bucket.put(ARCHIVE_BUCKET, "notifications/run-1/env=production", "{}");

    const outcome = await publishEnvironmentNotice(options(aws), driftNotice());

    expect(outcome.status).toBe("already_published");
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(aws.s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: ARCHIVE_BUCKET,
      Key: "notifications/run-1/env=production",
    });
  });

  it("publishes when the marker cannot be checked (403 without s3:ListBucket), with a warning", async () => {
    const aws = awsMocks();
    aws.s3.on(HeadObjectCommand).rejects(s3Error("Forbidden", 403));
    aws.sns.on(PublishCommand).resolves({ MessageId: "m-2" });

    const outcome = await publishEnvironmentNotice(options(aws), driftNotice());

    expect(outcome.status).toBe("published");
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(out.logs()).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "could not check the notification marker",
      }),
    );
  });

  it("throws NotificationError when SNS refuses, and writes no marker", async () => {
    const aws = awsMocks();
    aws.sns
      .on(PublishCommand)
      .rejects(serviceError("AuthorizationErrorException", 403, "not authorized"));

    const error = await publishEnvironmentNotice(options(aws), driftNotice()).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(NotificationError);
    expect(error).toMatchObject({
      code: "notify_failed",
      environment: "production",
      transient: false,
      message: `production: could not publish to ${TOPIC_ARN} (AuthorizationErrorException: not authorized)`,
    });
    expect(aws.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe("publishRunNotice", () => {
  it("publishes the run summary once per run", async () => {
    const aws = awsMocks();
    aws.sns.on(PublishCommand).resolves({ MessageId: "m-run" });
    const opts: NotifierOptions = {
      sns: aws.snsClient,
      topicArn: TOPIC_ARN,
      guard: { s3: aws.s3Client, bucket: ARCHIVE_BUCKET },
    };
    const notice = { report: sampleReport(), reportUri: null };

    await publishRunNotice(opts, notice);
    await publishRunNotice(opts, notice);

    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(aws.bucket.get(ARCHIVE_BUCKET, "notifications/run-1/run")).toBeDefined();
  });
});

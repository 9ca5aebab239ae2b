import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAuditHandler } from "../../lambdas/audit.ts";
import { createSummarizeHandler } from "../../lambdas/summarize.ts";
import type { Report } from "../../shared/report/model.ts";
import {
  ARCHIVE_BUCKET,
  awsMocks,
  type Captured,
  captureOutput,
  secretArn,
  TOPIC_ARN,
  testLogger,
  testMetrics,
} from "../aws/support.ts";
import {
  AUDIT_SETTINGS,
  closedPort,
  createShop,
  DAY,
  NOW,
  publishTestBaseline,
  type Shop,
  SUMMARIZE_SETTINGS,
} from "./support.ts";

let shop: Shop;
let out: Captured;

beforeAll(async () => {
  shop = await createShop("lambda_run");
});

afterAll(async () => {
  await shop?.drop();
});

afterEach(() => out?.restore());

describe("a full run: two environments, one drifted and one unreachable", () => {
  it("archives two reports, notifies each, and summarizes the run as error", async () => {
    const aws = awsMocks();
    aws.sns.on(PublishCommand).resolves({ MessageId: "msg" });
    aws.secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: shop.role, password: shop.password }) });
    await publishTestBaseline(aws, shop.baseline);
    out = captureOutput();
    const clients = {
      s3: aws.s3Client,
      sns: aws.snsClient,
      logger: testLogger(),
      metrics: testMetrics(),
      now: () => NOW,
    };
    const audit = createAuditHandler({
      ...clients,
      settings: AUDIT_SETTINGS,
      secretsManager: aws.secretsClient,
      tls: false,
      connectTimeoutMs: 5_000,
    });
    const summarize = createSummarizeHandler({ ...clients, settings: SUMMARIZE_SETTINGS });
    const unreachable = await closedPort();
    const runId = "nightly-20261125";
    const item = (environment: string, target: Record<string, unknown>) => ({
      environment,
      runId,
      trigger: "schedule",
      target: { secretArn: secretArn("shop-auditor"), ...target },
    });

    // The Map: one audit per environment.
    const results = [
      await audit(
        item("production", { host: shop.host, port: shop.port, database: shop.production.name }),
      ),
      await audit(item("staging", { host: "127.0.0.1", port: unreachable, database: "shop" })),
    ];

    expect(results.map((r) => [r.environment, r.status, r.error?.code ?? null])).toEqual([
      ["production", "drift", null],
      ["staging", "error", "connection_refused"],
    ]);
    const reportKeys = aws.s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.Key?.startsWith("reports/"))
      .map((input) => `${input.Bucket}/${input.Key}`);
    expect(reportKeys).toEqual([
      `${ARCHIVE_BUCKET}/reports/env=production/date=${DAY}/${runId}.json`,
      `${ARCHIVE_BUCKET}/reports/env=staging/date=${DAY}/${runId}.json`,
    ]);
    const environmentMessages = aws.sns
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input);
    expect(environmentMessages.map((m) => [m.Subject, m.MessageAttributes])).toEqual([
      [
        `pgdrift: production DRIFT (critical, ${results[0]?.findingCount} findings)`,
        {
          environment: { DataType: "String", StringValue: "production" },
          severity: { DataType: "String", StringValue: "critical" },
          status: { DataType: "String", StringValue: "drift" },
          findingCount: { DataType: "Number", StringValue: String(results[0]?.findingCount) },
          runId: { DataType: "String", StringValue: runId },
          scope: { DataType: "String", StringValue: "environment" },
        },
      ],
      [
        "pgdrift: staging ERROR (connection_refused)",
        {
          environment: { DataType: "String", StringValue: "staging" },
          severity: { DataType: "String", StringValue: "error" },
          status: { DataType: "String", StringValue: "error" },
          findingCount: { DataType: "Number", StringValue: "0" },
          runId: { DataType: "String", StringValue: runId },
          scope: { DataType: "String", StringValue: "environment" },
        },
      ],
    ]);
    expect(environmentMessages.every((m) => m.TopicArn === TOPIC_ARN)).toBe(true);

    // The summarize step, with what the Map collected.
    const summary = await summarize({ runId, trigger: "schedule", results });

    const runKey = `reports/runs/date=${DAY}/${runId}.json`;
    expect(summary).toEqual({
      runId,
      status: "error",
      worst: "critical",
      environments: 2,
      reportKey: runKey,
    });
    const runPut = aws.s3
      .commandCalls(PutObjectCommand)
      .find((call) => call.args[0].input.Key === runKey);
    const runReport = JSON.parse(String(runPut?.args[0].input.Body)) as Report;
    expect(runReport.environments.map((env) => [env.name, env.status])).toEqual([
      ["production", "drift"],
      ["staging", "error"],
    ]);
    expect(runReport.baseline.digest).toBe(shop.baseline.digest);
    expect(runReport.summary).toMatchObject({ environments: 2, drift: 1, error: 1, clean: 0 });

    const all = aws.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(all).toHaveLength(3);
    expect(all[2]?.MessageAttributes).toMatchObject({
      environment: { DataType: "String.Array", StringValue: '["production","staging"]' },
      status: { DataType: "String", StringValue: "error" },
      severity: { DataType: "String", StringValue: "error" },
      runId: { DataType: "String", StringValue: runId },
    });
    expect(all[2]?.Subject).toBe(
      `pgdrift run: ERROR (1 of 2 environments in error; critical, ${results[0]?.findingCount} findings)`,
    );
    expect(out.text()).not.toContain(shop.password);

    // Another run handed these results (a mis-wired or stale input) trusts none of them.
    aws.s3.resetHistory();
    const otherRun = "nightly-20261126";
    const other = await summarize({ runId: otherRun, trigger: "schedule", results });

    expect(other.status).toBe("error");
    expect(aws.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    const otherPut = aws.s3
      .commandCalls(PutObjectCommand)
      .find((call) => call.args[0].input.Key === `reports/runs/date=${DAY}/${otherRun}.json`);
    const otherReport = JSON.parse(String(otherPut?.args[0].input.Body)) as Report;
    expect(otherReport.environments.map((env) => [env.name, env.status, env.error?.code])).toEqual([
      ["production", "error", "result_mismatch"],
      ["staging", "error", "result_mismatch"],
    ]);
  });
});

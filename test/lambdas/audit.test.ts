import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuditHandlerOptions, createAuditHandler } from "../../lambdas/audit.ts";
import type { AuthTokenSigner } from "../../shared/aws/credentials.ts";
import { AuditIncompleteError, EventValidationError } from "../../shared/aws/errors.ts";
import type { AuditResult } from "../../shared/aws/events.ts";
import type { Report } from "../../shared/report/model.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import {
  ARCHIVE_BUCKET,
  type AwsMocks,
  awsMocks,
  BASELINE_BUCKET,
  type Captured,
  captureOutput,
  s3Error,
  secretArn,
  serviceError,
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
} from "./support.ts";

const SECRET = secretArn("shop-auditor");
const REPORT_KEY = (env: string) => `reports/env=${env}/date=${DAY}/run-1.json`;

let shop: Shop;
let aws: AwsMocks;
let out: Captured;

beforeAll(async () => {
  shop = await createShop("lambda_audit");
});

afterAll(async () => {
  await shop?.drop();
});

beforeEach(async () => {
  aws = awsMocks();
  aws.sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
  aws.secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ username: shop.role, password: shop.password }) });
  await publishTestBaseline(aws, shop.baseline);
  out = captureOutput();
});

afterEach(() => {
  out.restore();
});

function handlerWith(overrides: Partial<AuditHandlerOptions> = {}) {
  return createAuditHandler({
    settings: AUDIT_SETTINGS,
    s3: aws.s3Client,
    sns: aws.snsClient,
    secretsManager: aws.secretsClient,
    logger: testLogger(),
    metrics: testMetrics(),
    now: () => NOW,
    // The embedded test server has no TLS: plaintext, through the factory only.
    tls: false,
    connectTimeoutMs: 5_000,
    ...overrides,
  });
}

function event(environment: string, target: Record<string, unknown> = {}) {
  return {
    environment,
    runId: "run-1",
    trigger: "schedule",
    target: {
      host: shop.host,
      port: shop.port,
      database: environment === "production" ? shop.production.name : shop.head.name,
      secretArn: SECRET,
      ...target,
    },
  };
}

function archived(key: string): Report {
  const put = aws.s3
    .commandCalls(PutObjectCommand)
    .find((call) => call.args[0].input.Key === key && call.args[0].input.Bucket === ARCHIVE_BUCKET);
  expect(put, `a PutObject of ${key}`).toBeDefined();
  const data = JSON.parse(String(put?.args[0].input.Body)) as unknown;
  expect(validateJsonSchema(data)).toEqual([]);
  return data as Report;
}

function published() {
  return aws.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

function reportPuts(): string[] {
  return aws.s3
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input.Key ?? "")
    .filter((key) => key.startsWith("reports/"));
}

describe("audit handler", () => {
  it("finds the production drift, archives the report and notifies with attributes", async () => {
    const result = await handlerWith()(event("production"));

    expect(result).toEqual({
      environment: "production",
      runId: "run-1",
      status: "drift",
      worst: "critical",
      findingCount: expect.any(Number),
      reportKey: REPORT_KEY("production"),
    } satisfies AuditResult);
    expect(result.findingCount).toBeGreaterThanOrEqual(4);

    const report = archived(REPORT_KEY("production"));
    expect(report.runId).toBe("run-1");
    expect(report.trigger).toBe("schedule");
    expect(report.baseline.digest).toBe(shop.baseline.digest);
    expect(report.baseline.location).toMatch(
      new RegExp(`^s3://${BASELINE_BUCKET}/baselines/sha256-[0-9a-f]{64}\\.json$`),
    );
    expect(report.environments).toHaveLength(1);
    const env = report.environments[0];
    expect(env?.status).toBe("drift");
    expect(env?.findings.map((f) => `${f.kind} ${f.object} ${f.change}`)).toEqual(
      expect.arrayContaining([
        "column billing.payments.transaction_ref missing",
        "constraint public.orders.orders_user_id_fkey changed",
      ]),
    );

    const messages = published();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: `pgdrift: production DRIFT (critical, ${result.findingCount} findings)`,
      MessageAttributes: {
        environment: { DataType: "String", StringValue: "production" },
        severity: { DataType: "String", StringValue: "critical" },
        status: { DataType: "String", StringValue: "drift" },
        findingCount: { DataType: "Number", StringValue: String(result.findingCount) },
        runId: { DataType: "String", StringValue: "run-1" },
      },
    });
    expect(messages[0]?.Message).toContain(
      `report s3://${ARCHIVE_BUCKET}/${REPORT_KEY("production")}`,
    );

    // The marker that keeps a retry from publishing again.
    expect(aws.bucket.get(ARCHIVE_BUCKET, "notifications/run-1/env=production")).toContain("msg-1");

    // Metrics: critical findings by environment, the audit's duration.
    const emf = out.metrics();
    expect(emf).toContainEqual(
      expect.objectContaining({ environment: "production", severity: "critical", Findings: 3 }),
    );
    expect(emf).toContainEqual(
      expect.objectContaining({ environment: "production", AuditDuration: expect.any(Number) }),
    );
    expect(emf).toContainEqual(
      expect.objectContaining({ environment: "production", EnvironmentsInError: 0 }),
    );

    // Logs: JSON, with the run's keys, and never the password.
    expect(out.logs()).toContainEqual(
      expect.objectContaining({
        message: "audit finished",
        environment: "production",
        runId: "run-1",
        status: "drift",
      }),
    );
    expect(out.text()).not.toContain(shop.password);
  });

  it("reports an identical database as clean, severity none", async () => {
    const result = await handlerWith()(event("head"));

    expect(result).toMatchObject({ status: "clean", worst: null, findingCount: 0 });
    expect(archived(REPORT_KEY("head")).environments[0]?.status).toBe("clean");
    expect(published()[0]).toMatchObject({
      Subject: "pgdrift: head CLEAN",
      MessageAttributes: {
        severity: { DataType: "String", StringValue: "none" },
        status: { DataType: "String", StringValue: "clean" },
        findingCount: { DataType: "Number", StringValue: "0" },
      },
    });
  });

  it("reports an unreachable database as error: archived and notified", async () => {
    const port = await closedPort();

    const result = await handlerWith()(event("staging", { host: "127.0.0.1", port }));

    expect(result).toEqual({
      environment: "staging",
      runId: "run-1",
      status: "error",
      worst: null,
      findingCount: 0,
      reportKey: REPORT_KEY("staging"),
      error: {
        code: "connection_refused",
        message: expect.stringMatching(`^staging: cannot connect to 127\\.0\\.0\\.1:${port}`),
      },
    });
    const env = archived(REPORT_KEY("staging")).environments[0];
    expect(env).toMatchObject({
      status: "error",
      error: { code: "connection_refused" },
      findings: [],
    });
    expect(published()[0]).toMatchObject({
      Subject: "pgdrift: staging ERROR (connection_refused)",
      MessageAttributes: {
        environment: { DataType: "String", StringValue: "staging" },
        severity: { DataType: "String", StringValue: "error" },
        status: { DataType: "String", StringValue: "error" },
        findingCount: { DataType: "Number", StringValue: "0" },
        runId: { DataType: "String", StringValue: "run-1" },
      },
    });
    expect(out.metrics()).toContainEqual(
      expect.objectContaining({ environment: "staging", EnvironmentsInError: 1 }),
    );
    expect(out.logs()).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        message: "audit finished in error",
        environment: "staging",
        code: "connection_refused",
      }),
    );
  });

  it("reports a wrong password as authentication_failed, and never shows it", async () => {
    const wrong = "wrong-Pa55word-that-must-not-leak";
    aws.secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: shop.role, password: wrong }) });

    const result = await handlerWith()(event("production"));

    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("authentication_failed");
    expect(result.error?.message).toContain(`check the username and password in secret ${SECRET}`);
    const body = JSON.stringify(archived(REPORT_KEY("production")));
    expect(body).toContain("authentication_failed");
    const message = published()[0];
    expect(message?.MessageAttributes?.status?.StringValue).toBe("error");
    for (const text of [body, message?.Message ?? "", JSON.stringify(result), out.text()]) {
      expect(text).not.toContain(wrong);
    }
  });

  it("verifies TLS by default, and never falls back to plaintext", async () => {
    const handler = createAuditHandler({
      settings: AUDIT_SETTINGS,
      s3: aws.s3Client,
      sns: aws.snsClient,
      secretsManager: aws.secretsClient,
      logger: testLogger(),
      metrics: testMetrics(),
      now: () => NOW,
    });

    const result = await handler(event("production"));

    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("tls_failed");
    expect(archived(REPORT_KEY("production")).environments[0]?.status).toBe("error");
  });

  it("connects with an RDS IAM token from the signer", async () => {
    const requests: Parameters<AuthTokenSigner>[0][] = [];
    // The test server has no IAM auth: the role's password stands in for the token.
    const signToken: AuthTokenSigner = async (request) => {
      requests.push(request);
      return shop.password;
    };

    const result = await handlerWith({ signToken })(
      event("head", { secretArn: undefined, iamAuth: true, user: shop.role }),
    );

    expect(result.status).toBe("clean");
    expect(requests).toEqual([{ hostname: shop.host, port: shop.port, username: shop.role }]);
    expect(aws.secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it("reports a missing baseline as error, without connecting", async () => {
    aws.bucket.objects.clear();

    const result = await handlerWith()(event("production"));

    expect(result).toMatchObject({
      status: "error",
      reportKey: REPORT_KEY("production"),
      error: {
        code: "baseline_not_found",
        message: expect.stringContaining(
          `s3://${BASELINE_BUCKET}/baselines/current.json not found`,
        ),
      },
    });
    expect(aws.s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: BASELINE_BUCKET,
      Key: "baselines/current.json",
    });
    expect(aws.secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    const report = archived(REPORT_KEY("production"));
    expect(report.environments[0]?.status).toBe("error");
    expect(report.baseline.location).toBe(`s3://${BASELINE_BUCKET}/baselines/current.json`);
    expect(published()[0]?.MessageAttributes?.status?.StringValue).toBe("error");
  });

  it("refuses a baseline whose content does not match its digest", async () => {
    const key = [...aws.bucket.objects.keys()].find((k) => k.includes("/baselines/sha256-")) ?? "";
    const original = aws.bucket.objects.get(key) ?? "";
    aws.bucket.objects.set(
      key,
      original.replace('"shop"', '"shop_tampered"').replace("orders", "orderz"),
    );

    const result = await handlerWith()(event("production"));

    expect(result.status).toBe("error");
    expect(result.error?.code).toMatch(/^baseline_(corrupt|digest_mismatch)$/);
    expect(published()[0]?.Subject).toMatch(/^pgdrift: production ERROR \(baseline_/);
  });

  it("loads the pinned baseline instead of the current pointer", async () => {
    const pin = shop.baseline.digest;

    const result = await handlerWith()(event("head", { baselinePin: pin }));

    expect(result.status).toBe("clean");
    const keys = aws.s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toEqual([`baselines/sha256-${pin.slice("sha256:".length)}.json`]);
  });

  it("still notifies, with status error, when the archive write fails", async () => {
    aws.s3
      .on(PutObjectCommand, { Bucket: ARCHIVE_BUCKET, Key: REPORT_KEY("production") })
      .rejects(s3Error("AccessDenied", 403, "Access Denied"));

    const result = await handlerWith()(event("production"));

    expect(result).toMatchObject({
      status: "error",
      worst: "critical",
      reportKey: null,
      error: { code: "archive_write_failed" },
    });
    const messages = published();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      Subject: "pgdrift: production ERROR (archive_write_failed)",
      MessageAttributes: {
        severity: { DataType: "String", StringValue: "error" },
        status: { DataType: "String", StringValue: "error" },
      },
    });
    expect(messages[0]?.Message).toContain("report not archived");
    expect(messages[0]?.Message).toContain("[critical] - column billing.payments.transaction_ref");
  });

  it("returns status error when SNS refuses the notification", async () => {
    aws.sns.on(PublishCommand).rejects(serviceError("AuthorizationErrorException", 403, "denied"));

    const result = await handlerWith()(event("production"));

    expect(result).toMatchObject({
      status: "error",
      worst: "critical",
      reportKey: REPORT_KEY("production"),
      error: { code: "notify_failed", message: expect.stringContaining(TOPIC_ARN) },
    });
    expect(archived(REPORT_KEY("production")).environments[0]?.status).toBe("drift");
    expect(aws.bucket.get(ARCHIVE_BUCKET, "notifications/run-1/env=production")).toBeUndefined();
  });

  it("throws, for the state machine to retry, when neither S3 nor SNS takes the outcome", async () => {
    aws.s3
      .on(PutObjectCommand, { Bucket: ARCHIVE_BUCKET })
      .rejects(s3Error("SlowDown", 503, "Please reduce your request rate."));
    aws.sns.on(PublishCommand).rejects(serviceError("InternalErrorException", 500, "internal"));

    const error = await handlerWith()(event("production")).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuditIncompleteError);
    expect(error).toMatchObject({
      name: "AuditIncompleteError",
      environment: "production",
      runId: "run-1",
    });
  });

  it("does not publish twice when the same invocation is retried", async () => {
    const handler = handlerWith();

    await handler(event("production"));
    await handler(event("production"));

    expect(reportPuts()).toEqual([REPORT_KEY("production"), REPORT_KEY("production")]);
    expect(published()).toHaveLength(1);
  });

  it("refuses a bad event with an error naming the field", async () => {
    const handler = handlerWith();

    const error = await handler({ ...event("production"), target: { host: "h" } }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).message).toMatch(
      /^invalid audit event: target\.database: /,
    );
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(reportPuts()).toEqual([]);
  });
});

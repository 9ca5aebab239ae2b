import { afterEach, describe, expect, it, vi } from "vitest";
import { handler as auditHandler } from "../../lambdas/audit.ts";
import {
  once,
  parseDiffOptions,
  readAuditSettings,
  readSummarizeSettings,
} from "../../lambdas/env.ts";
import { handler as summarizeHandler } from "../../lambdas/summarize.ts";
import { EnvironmentVariableError } from "../../shared/aws/errors.ts";
import { TOPIC_ARN } from "../aws/support.ts";

const ENV = {
  BASELINE_BUCKET: "pgdrift-baselines",
  BASELINE_PREFIX: "",
  ARCHIVE_BUCKET: "pgdrift-archive",
  TOPIC_ARN,
  POWERTOOLS_SERVICE_NAME: "pgdrift-audit",
  POWERTOOLS_METRICS_NAMESPACE: "pgdrift",
};

function refusal(fn: () => unknown): EnvironmentVariableError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentVariableError);
    return error as EnvironmentVariableError;
  }
  throw new Error("expected an EnvironmentVariableError");
}

describe("readAuditSettings", () => {
  it("reads the audit function's variables", () => {
    expect(
      readAuditSettings({
        ...ENV,
        BASELINE_PREFIX: "team/shop/",
        PGDRIFT_DIFF_OPTIONS: JSON.stringify({
          compareOwners: true,
          ignore: [{ object: "public.legacy_*", reason: "being dropped" }],
          severity: [{ kind: "index", change: "unexpected", severity: "low" }],
        }),
      }),
    ).toEqual({
      baselineBucket: "pgdrift-baselines",
      baselinePrefix: "team/shop/",
      archiveBucket: "pgdrift-archive",
      topicArn: TOPIC_ARN,
      diffOptions: {
        compareOwners: true,
        ignore: [{ object: "public.legacy_*", reason: "being dropped" }],
        severity: [{ kind: "index", change: "unexpected", severity: "low" }],
      },
      serviceName: "pgdrift-audit",
      metricsNamespace: "pgdrift",
    });
  });

  it("reads how the migration history is read from PGDRIFT_DIFF_OPTIONS' history", () => {
    const settings = (history: unknown) =>
      readAuditSettings({ ...ENV, PGDRIFT_DIFF_OPTIONS: JSON.stringify({ history }) });
    expect(settings({ table: "ops.flyway_schema_history", pendingAgeDays: 3 })).toMatchObject({
      diffOptions: {},
      history: { table: { schema: "ops", table: "flyway_schema_history" }, pendingAgeDays: 3 },
    });
    expect(settings(false)).toMatchObject({ history: { enabled: false } });
    expect(() => settings(true)).toThrow(/PGDRIFT_DIFF_OPTIONS: history/);
  });

  it("accepts an empty or unset prefix and no diff options", () => {
    const { BASELINE_PREFIX: _, ...withoutPrefix } = ENV;
    expect(readAuditSettings(withoutPrefix)).toMatchObject({ baselinePrefix: "", diffOptions: {} });
  });

  it.each([
    "BASELINE_BUCKET",
    "ARCHIVE_BUCKET",
    "TOPIC_ARN",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
  ])("names %s when it is missing", (name) => {
    const error = refusal(() => readAuditSettings({ ...ENV, [name]: "" }));
    expect(error.variable).toBe(name);
    expect(error.message).toMatch(
      new RegExp(`^environment variable ${name} is not set: it must hold `),
    );
  });

  it("refuses a bucket name or topic ARN that cannot be one", () => {
    expect(
      refusal(() => readAuditSettings({ ...ENV, ARCHIVE_BUCKET: "s3://archive" })).message,
    ).toMatch(/ARCHIVE_BUCKET is "s3:\/\/archive", not an S3 bucket name/);
    expect(
      refusal(() => readAuditSettings({ ...ENV, TOPIC_ARN: "pgdrift-findings" })).variable,
    ).toBe("TOPIC_ARN");
    expect(
      refusal(() => readAuditSettings({ ...ENV, TOPIC_ARN: `${TOPIC_ARN}.fifo` })).message,
    ).toMatch(/not the ARN of a standard SNS topic/);
  });
});

describe("parseDiffOptions", () => {
  it("names the key that is wrong", () => {
    expect(
      refusal(() => parseDiffOptions(JSON.stringify({ ignore: [{ object: "public.x" }] }))).message,
    ).toBe(
      "environment variable PGDRIFT_DIFF_OPTIONS: ignore[0].reason: expected why the findings are ignored (a non-empty string)",
    );
    expect(refusal(() => parseDiffOptions('{"compareOwner": true}')).message).toMatch(
      /PGDRIFT_DIFF_OPTIONS: \(top level\): unknown key "compareOwner"/,
    );
    expect(refusal(() => parseDiffOptions("{not json")).message).toMatch(
      /^environment variable PGDRIFT_DIFF_OPTIONS is not valid JSON/,
    );
  });
});

describe("readSummarizeSettings", () => {
  it("needs only the archive, the topic and Powertools' names", () => {
    expect(
      readSummarizeSettings({
        ARCHIVE_BUCKET: "a-bucket",
        TOPIC_ARN,
        POWERTOOLS_SERVICE_NAME: "s",
        POWERTOOLS_METRICS_NAMESPACE: "n",
      }),
    ).toEqual({
      archiveBucket: "a-bucket",
      topicArn: TOPIC_ARN,
      serviceName: "s",
      metricsNamespace: "n",
    });
  });
});

describe("once", () => {
  it("runs the initializer once, and keeps its failure", () => {
    const init = vi.fn(() => {
      throw new EnvironmentVariableError("X", "environment variable X is not set");
    });
    const get = once(init);
    expect(get).toThrow("environment variable X is not set");
    expect(get).toThrow("environment variable X is not set");
    expect(init).toHaveBeenCalledTimes(1);
  });
});

describe("the Lambda entry points", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("load without their variables, and fail each invocation naming the missing one", async () => {
    vi.stubEnv("BASELINE_BUCKET", "");
    vi.stubEnv("ARCHIVE_BUCKET", "");

    await expect(auditHandler({})).rejects.toThrow(
      "environment variable BASELINE_BUCKET is not set: it must hold the name of the baselines bucket",
    );
    await expect(summarizeHandler({})).rejects.toThrow(
      "environment variable ARCHIVE_BUCKET is not set: it must hold the name of the report archive bucket",
    );
  });
});

import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ArchiveError } from "../../shared/aws/errors.ts";
import {
  archiveReport,
  environmentReportKey,
  readArchivedReport,
  runReportKey,
  UNAVAILABLE_BASELINE_DIGEST,
  unavailableBaseline,
} from "../../shared/aws/report-archive.ts";
import { buildReport, failedEnvironment } from "../../shared/report/build.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import { sampleReport } from "../report/sample.ts";
import { ARCHIVE_BUCKET, awsMocks, s3Error } from "./support.ts";

describe("report keys", () => {
  it("partitions environment reports by environment and UTC day", () => {
    // 23:30 in New York on the 24th is already the 25th in UTC.
    const at = new Date("2026-11-24T23:30:00-05:00");
    expect(environmentReportKey("production", "run-1", at)).toBe(
      "reports/env=production/date=2026-11-25/run-1.json",
    );
  });

  it("puts run reports under reports/runs", () => {
    expect(runReportKey("run-1", new Date("2026-11-25T03:00:00Z"))).toBe(
      "reports/runs/date=2026-11-25/run-1.json",
    );
  });
});

describe("archiveReport", () => {
  const key = "reports/env=production/date=2026-11-25/run-1.json";

  it("writes the report as JSON with its SHA-256 checksum", async () => {
    const aws = awsMocks();
    const report = sampleReport();

    const archived = await archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, report);

    const calls = aws.s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    const body = String(input?.Body);
    const checksum = createHash("sha256").update(body).digest("base64");
    expect(input).toMatchObject({
      Bucket: ARCHIVE_BUCKET,
      Key: key,
      ContentType: "application/json",
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: checksum,
    });
    expect(archived).toEqual({ bucket: ARCHIVE_BUCKET, key, checksum });
    expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("reports a refused write as archive_write_failed, transient or not", async () => {
    const aws = awsMocks();
    aws.s3.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    const denied = await archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, sampleReport()).catch(
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(ArchiveError);
    expect(denied).toMatchObject({
      code: "archive_write_failed",
      transient: false,
      key,
      message: `could not archive the report to s3://${ARCHIVE_BUCKET}/${key} (AccessDenied: Access Denied)`,
    });

    aws.s3
      .on(PutObjectCommand)
      .rejects(s3Error("SlowDown", 503, "Please reduce your request rate."));
    await expect(
      archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, sampleReport()),
    ).rejects.toMatchObject({ code: "archive_write_failed", transient: true });
  });
});

describe("readArchivedReport", () => {
  const key = "reports/runs/date=2026-11-25/run-1.json";

  it("reads back what was archived, asking S3 to verify the checksum", async () => {
    const aws = awsMocks();
    const report = sampleReport();
    await archiveReport(aws.s3Client, ARCHIVE_BUCKET, key, report);

    const back = await readArchivedReport(aws.s3Client, ARCHIVE_BUCKET, key);

    expect(back).toEqual(JSON.parse(JSON.stringify(report)));
    expect(aws.s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: ARCHIVE_BUCKET,
      Key: key,
      ChecksumMode: "ENABLED",
    });
  });

  it("refuses content that does not match the checksum S3 returns", async () => {
    const aws = awsMocks();
    const body = JSON.stringify(sampleReport());
    aws.s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => body } as never,
      ChecksumSHA256: createHash("sha256").update("something else").digest("base64"),
    });

    await expect(readArchivedReport(aws.s3Client, ARCHIVE_BUCKET, key)).rejects.toMatchObject({
      code: "archive_report_invalid",
      message: expect.stringMatching(/does not match its SHA-256 checksum/),
    });
  });

  it("refuses an object that is not a pgdrift report", async () => {
    const aws = awsMocks();
    aws.bucket.put(ARCHIVE_BUCKET, key, JSON.stringify({ format: "pgdrift.snapshot/v1" }));

    await expect(readArchivedReport(aws.s3Client, ARCHIVE_BUCKET, key)).rejects.toMatchObject({
      code: "archive_report_invalid",
      message: expect.stringMatching(/not a pgdrift\.report\/v1 report/),
    });
  });

  it("reports a missing object as archive_read_failed", async () => {
    const aws = awsMocks();
    await expect(readArchivedReport(aws.s3Client, ARCHIVE_BUCKET, key)).rejects.toMatchObject({
      code: "archive_read_failed",
      message: `s3://${ARCHIVE_BUCKET}/${key} not found`,
    });
  });
});

describe("unavailableBaseline", () => {
  it("keeps a report without a loaded baseline valid, with the all-zero digest", () => {
    const report = buildReport({
      runId: "run-1",
      trigger: "schedule",
      startedAt: "2026-11-25T03:00:00.000Z",
      finishedAt: "2026-11-25T03:00:01.000Z",
      baseline: unavailableBaseline("s3://b/baselines/current.json"),
      environments: [
        failedEnvironment({
          name: "production",
          error: { code: "baseline_not_found", message: "production: no baseline" },
        }),
      ],
    });
    expect(validateJsonSchema(JSON.parse(JSON.stringify(report)))).toEqual([]);
    expect(report.baseline.digest).toBe(UNAVAILABLE_BASELINE_DIGEST);
  });
});

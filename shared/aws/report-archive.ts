import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Report, ReportBaseline } from "../report/model.ts";
import { renderJson } from "../report/render-json.ts";
import { validateJsonSchema } from "../report/schema.ts";
import { ArchiveError, awsErrorInfo, describeAwsError, isTransientAwsError } from "./errors.ts";

/*
 * The report archive. Keys are Hive-style partitions, so Athena can read them as a table:
 *   reports/env=NAME/date=YYYY-MM-DD/RUNID.json   one environment's report (pgdrift.report/v1)
 *   reports/runs/date=YYYY-MM-DD/RUNID.json       the run report, across environments
 * Bodies are the report's canonical JSON, sent with a SHA-256 checksum that S3 verifies (and
 * that an Object Lock bucket requires), and checked again on the way back.
 */

/** `2026-11-25` (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function environmentReportKey(environment: string, runId: string, date: Date): string {
  return `reports/env=${environment}/date=${isoDay(date)}/${runId}.json`;
}

export function runReportKey(runId: string, date: Date): string {
  return `reports/runs/date=${isoDay(date)}/${runId}.json`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

export interface ArchivedReport {
  readonly bucket: string;
  readonly key: string;
  /** Base64 SHA-256 of the body, as S3 stores it. */
  readonly checksum: string;
}

/** Writes a report as JSON with its SHA-256 checksum. */
export async function archiveReport(
  s3: S3Client,
  bucket: string,
  key: string,
  report: Report,
): Promise<ArchivedReport> {
  const body = renderJson(report);
  const checksum = sha256Base64(body);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        ChecksumAlgorithm: "SHA256",
        ChecksumSHA256: checksum,
      }),
    );
  } catch (error) {
    throw new ArchiveError(
      "archive_write_failed",
      `could not archive the report to ${s3Uri(bucket, key)} (${describeAwsError(error)})`,
      { bucket, key, transient: isTransientAwsError(error), cause: error },
    );
  }
  return { bucket, key, checksum };
}

/** Reads a report back, checking its checksum (when S3 returns one) and its format. */
export async function readArchivedReport(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<Report> {
  const uri = s3Uri(bucket, key);
  let text: string | undefined;
  let checksum: string | undefined;
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
    );
    text = await response.Body?.transformToString("utf8");
    checksum = response.ChecksumSHA256;
  } catch (error) {
    const { name } = awsErrorInfo(error);
    const missing = name === "NoSuchKey" || name === "NotFound";
    throw new ArchiveError(
      "archive_read_failed",
      missing ? `${uri} not found` : `could not read ${uri} (${describeAwsError(error)})`,
      { bucket, key, transient: !missing && isTransientAwsError(error), cause: error },
    );
  }
  const invalid = (problem: string, cause?: unknown) =>
    new ArchiveError("archive_report_invalid", `${uri}: ${problem}`, {
      bucket,
      key,
      ...(cause === undefined ? {} : { cause }),
    });
  if (text === undefined || text === "") throw invalid("empty object");
  // Whole-object checksums only (a multipart upload's composite checksum ends in `-N`).
  if (checksum && !checksum.includes("-") && checksum !== sha256Base64(text)) {
    throw invalid("content does not match its SHA-256 checksum");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw invalid("not valid JSON", cause);
  }
  const problems = validateJsonSchema(data);
  if (problems.length > 0) {
    throw invalid(`not a pgdrift.report/v1 report (${problems[0]})`);
  }
  return data as Report;
}

/** The digest a report shows when no baseline could be loaded (no real digest is all zeros). */
export const UNAVAILABLE_BASELINE_DIGEST = `sha256:${"0".repeat(64)}`;

/**
 * What a report says about its baseline when none could be loaded (missing, corrupt, access
 * denied): `pgdrift.report/v1` requires one, so this placeholder names where it was looked for,
 * with the all-zero digest and an `unknown` source. The environment's error says what failed.
 */
export function unavailableBaseline(location: string): ReportBaseline {
  return {
    source: {
      kind: "database",
      serverVersion: "unknown",
      serverVersionNum: 0,
      database: "(baseline unavailable)",
      host: null,
    },
    digest: UNAVAILABLE_BASELINE_DIGEST,
    location,
  };
}

export function isUnavailableBaseline(baseline: ReportBaseline): boolean {
  return baseline.digest === UNAVAILABLE_BASELINE_DIGEST;
}

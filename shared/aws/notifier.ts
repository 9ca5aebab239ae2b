import type { Logger } from "@aws-lambda-powertools/logger";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  awsErrorInfo,
  describeAwsError,
  isTransientAwsError,
  NotificationError,
} from "./errors.ts";
import {
  type EnvironmentNotice,
  environmentPublication,
  type MessageOptions,
  type Publication,
  type RunNotice,
  runPublication,
} from "./messages.ts";

/*
 * Publishes notifications to SNS, at most once per (run, environment) as far as S3 allows.
 *
 * The guard: before publishing, look for a marker object (`notifications/RUNID/env=NAME`, or
 * `notifications/RUNID/run` for the run summary) in the archive bucket; publish only when it
 * is absent; then write it with `IfNoneMatch: "*"`. A retried invocation (the state machine's
 * retry, a Lambda retry) finds the marker and does not publish again.
 *
 * Delivery stays at-least-once: if the function stops between the publish and the marker
 * write, or the marker cannot be written or read, a retry publishes a second time (subscribers
 * can deduplicate on the `runId` and `environment` attributes). The other order (marker first)
 * would lose the message instead, and a lost drift alert is worse than a repeated one.
 * Without s3:ListBucket on the bucket, a missing marker reads as 403: the guard then cannot
 * tell, logs a warning and publishes.
 */

export type LogLike = Pick<Logger, "debug" | "info" | "warn" | "error">;

export interface NotifierOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** Where the idempotency markers live; without it every call publishes. */
  readonly guard?: { readonly s3: S3Client; readonly bucket: string };
  readonly logger?: LogLike;
  readonly message?: MessageOptions;
  readonly now?: () => Date;
}

/** Notifier options for a run's publications: markers kept in the archive bucket. */
export function archiveGuardedNotifier(
  deps: {
    readonly sns: SNSClient;
    readonly s3: S3Client;
    readonly topicArn: string;
    readonly archiveBucket: string;
    readonly message?: MessageOptions;
  },
  logger: LogLike,
  now: () => Date,
): NotifierOptions {
  return {
    sns: deps.sns,
    topicArn: deps.topicArn,
    guard: { s3: deps.s3, bucket: deps.archiveBucket },
    logger,
    ...(deps.message ? { message: deps.message } : {}),
    now,
  };
}

export type PublishOutcome =
  | { readonly status: "published"; readonly messageId: string | null; readonly subject: string }
  | { readonly status: "already_published"; readonly markerKey: string };

export function environmentMarkerKey(runId: string, environment: string): string {
  return `notifications/${runId}/env=${environment}`;
}

export function runMarkerKey(runId: string): string {
  return `notifications/${runId}/run`;
}

async function markerExists(options: NotifierOptions, key: string): Promise<boolean | "unknown"> {
  if (!options.guard) return false;
  const { s3, bucket } = options.guard;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const { name, status } = awsErrorInfo(error);
    if (name === "NotFound" || name === "NoSuchKey" || status === 404) return false;
    options.logger?.warn("could not check the notification marker", {
      bucket,
      key,
      error: describeAwsError(error),
    });
    return "unknown";
  }
}

async function writeMarker(
  options: NotifierOptions,
  key: string,
  record: { messageId: string | null; subject: string },
): Promise<void> {
  if (!options.guard) return;
  const { s3, bucket } = options.guard;
  const body = `${JSON.stringify({
    ...record,
    publishedAt: (options.now?.() ?? new Date()).toISOString(),
  })}\n`;
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        IfNoneMatch: "*",
      }),
    );
  } catch (error) {
    const { name, status } = awsErrorInfo(error);
    const concurrent = name === "PreconditionFailed" || status === 412;
    options.logger?.warn(
      concurrent
        ? "notification marker already written: another invocation published too"
        : "could not write the notification marker: a retry would publish again",
      { bucket, key, error: describeAwsError(error) },
    );
  }
}

/** Publishes unless the marker says it was done; writes the marker after publishing. */
export async function publishOnce(
  options: NotifierOptions,
  markerKey: string,
  publication: Publication,
  context: { environment?: string } = {},
): Promise<PublishOutcome> {
  if ((await markerExists(options, markerKey)) === true) {
    options.logger?.info("notification already published", { markerKey });
    return { status: "already_published", markerKey };
  }
  let messageId: string | null;
  try {
    const response = await options.sns.send(
      new PublishCommand({
        TopicArn: options.topicArn,
        Subject: publication.subject,
        Message: publication.message,
        MessageAttributes: publication.attributes,
      }),
    );
    messageId = response.MessageId ?? null;
  } catch (error) {
    const about = context.environment ? `${context.environment}: ` : "";
    throw new NotificationError(
      `${about}could not publish to ${options.topicArn} (${describeAwsError(error)})`,
      {
        topicArn: options.topicArn,
        ...(context.environment ? { environment: context.environment } : {}),
        transient: isTransientAwsError(error),
        cause: error,
      },
    );
  }
  await writeMarker(options, markerKey, { messageId, subject: publication.subject });
  return { status: "published", messageId, subject: publication.subject };
}

/** One environment's outcome, once per (runId, environment). */
export function publishEnvironmentNotice(
  options: NotifierOptions,
  notice: EnvironmentNotice,
): Promise<PublishOutcome> {
  return publishOnce(
    options,
    environmentMarkerKey(notice.runId, notice.environment.name),
    environmentPublication(notice, options.message),
    { environment: notice.environment.name },
  );
}

/** The run summary, once per run. */
export function publishRunNotice(
  options: NotifierOptions,
  notice: RunNotice,
): Promise<PublishOutcome> {
  return publishOnce(
    options,
    runMarkerKey(notice.report.runId),
    runPublication(notice, options.message),
  );
}

/**
 * Errors of the AWS adapters. Each carries a stable `code` (the one an environment report or
 * an audit result shows), typed context fields, and `transient`: whether retrying the same
 * request later may succeed (throttling, a 5xx, a network failure) — the audit Lambda throws
 * only for those, so the state machine's retry can help.
 *
 * Messages never contain a password, a secret value or a connection string with a password.
 */

export type CredentialsErrorCode =
  /** The secret does not exist (or is in another account or region). */
  | "secret_not_found"
  /** IAM, the secret's resource policy or its KMS key refused the read. */
  | "secret_access_denied"
  /** The secret was read but is not in the RDS JSON format. */
  | "secret_invalid"
  /** Secrets Manager failed (throttling, network, service error). */
  | "secret_unavailable"
  /** The RDS IAM auth token could not be generated. */
  | "iam_token_failed";

/** Database credentials could not be obtained. */
export class CredentialsError extends Error {
  readonly code: CredentialsErrorCode;
  readonly environment: string;
  /** The secret's ARN (an identifier, not a secret), when the target uses one. */
  readonly secretArn: string | undefined;
  readonly transient: boolean;
  constructor(
    code: CredentialsErrorCode,
    message: string,
    context: { environment: string; secretArn?: string; transient?: boolean; cause?: unknown },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "CredentialsError";
    this.code = code;
    this.environment = context.environment;
    this.secretArn = context.secretArn;
    this.transient = context.transient ?? false;
  }
}

export type ArchiveErrorCode =
  /** PutObject of a report failed. */
  | "archive_write_failed"
  /** GetObject of a report failed. */
  | "archive_read_failed"
  /** The object read back is not a `pgdrift.report/v1` report. */
  | "archive_report_invalid";

/** A report could not be written to or read from the archive bucket. */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  readonly bucket: string;
  readonly key: string;
  readonly transient: boolean;
  constructor(
    code: ArchiveErrorCode,
    message: string,
    context: { bucket: string; key: string; transient?: boolean; cause?: unknown },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "ArchiveError";
    this.code = code;
    this.bucket = context.bucket;
    this.key = context.key;
    this.transient = context.transient ?? false;
  }
}

/** SNS refused or failed a publish. */
export class NotificationError extends Error {
  readonly code = "notify_failed";
  readonly topicArn: string;
  /** The environment the message was about; undefined for a run summary. */
  readonly environment: string | undefined;
  readonly transient: boolean;
  constructor(
    message: string,
    context: { topicArn: string; environment?: string; transient?: boolean; cause?: unknown },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "NotificationError";
    this.topicArn = context.topicArn;
    this.environment = context.environment;
    this.transient = context.transient ?? false;
  }
}

/** A Lambda event that does not have the agreed shape; the message names the field. */
export class EventValidationError extends Error {
  readonly code = "invalid_event";
  /** Which handler's event: `audit` or `summarize`. */
  readonly event: "audit" | "summarize";
  /** Path of the first bad field, e.g. `target.port`; `(event)` for the whole event. */
  readonly field: string;
  constructor(event: "audit" | "summarize", field: string, message: string) {
    super(message);
    this.name = "EventValidationError";
    this.event = event;
    this.field = field;
  }
}

/** A Lambda environment variable is missing or invalid; the message names the variable. */
export class EnvironmentVariableError extends Error {
  readonly code = "invalid_configuration";
  readonly variable: string;
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EnvironmentVariableError";
    this.variable = variable;
  }
}

/**
 * Thrown by the audit when its outcome could be recorded nowhere (neither the report archive
 * nor SNS took it) and a retry may help. The state machine retries; after the last attempt
 * its catch records the environment as failed, and the run summary reports it as error.
 */
export class AuditIncompleteError extends Error {
  readonly environment: string;
  readonly runId: string;
  constructor(message: string, context: { environment: string; runId: string; cause?: unknown }) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "AuditIncompleteError";
    this.environment = context.environment;
    this.runId = context.runId;
  }
}

interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Name, HTTP status and first message line of an AWS SDK (or network) error. */
export function awsErrorInfo(error: unknown): {
  name: string;
  status: number | undefined;
  message: string;
} {
  const e = (error !== null && typeof error === "object" ? error : {}) as AwsErrorShape;
  const name =
    typeof e.name === "string" && e.name !== "Error"
      ? e.name
      : typeof e.code === "string"
        ? e.code
        : "Error";
  const status =
    typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const message =
    typeof e.message === "string" ? (e.message.split("\n")[0] ?? "") : String(error ?? "");
  return { name, status, message };
}

/** `NoSuchBucket: The specified bucket does not exist`, or just the name when that is all. */
export function describeAwsError(error: unknown): string {
  const { name, message } = awsErrorInfo(error);
  return message && message !== name ? `${name}: ${message}` : name;
}

const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "InternalError",
  "InternalFailure",
  "InternalServiceError",
  "InternalErrorException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "KMSThrottlingException",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
]);

/** Whether retrying may help: throttling, a 5xx, a timeout or a dropped connection. */
export function isTransientAwsError(error: unknown): boolean {
  const e = (error !== null && typeof error === "object" ? error : {}) as AwsErrorShape;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const { name, status } = awsErrorInfo(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return TRANSIENT_NAMES.has(name);
}

/**
 * Thrown by the summarize step when the run report was recorded nowhere (neither archived
 * nor published), or when a retry may complete it: the execution fails loudly or retries.
 */
export class RunSummaryIncompleteError extends Error {
  readonly runId: string;
  constructor(message: string, context: { runId: string; cause?: unknown }) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "RunSummaryIncompleteError";
    this.runId = context.runId;
  }
}

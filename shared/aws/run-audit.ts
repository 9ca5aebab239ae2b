import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SNSClient } from "@aws-sdk/client-sns";
import { scrubSecrets } from "../introspect/connection-errors.ts";
import { auditEnvironment, type DiffOptions } from "../report/audit.ts";
import { buildReport, failedEnvironment, reportBaseline } from "../report/build.ts";
import type { AuditHistoryOptions } from "../report/history.ts";
import type { EnvironmentError, EnvironmentReport, ReportBaseline } from "../report/model.ts";
import type { Snapshot } from "../snapshot/model.ts";
import {
  type BaselineLocation,
  BaselineStoreError,
  baselineKey,
  loadBaseline,
  pointerKey,
} from "./baseline-store.ts";
import {
  type AuthTokenSigner,
  type DatabaseLogin,
  resolveCredentials,
  secretsOf,
} from "./credentials.ts";
import { CONNECT_TIMEOUT_MS, openDatabase } from "./database.ts";
import {
  ArchiveError,
  AuditIncompleteError,
  CredentialsError,
  NotificationError,
} from "./errors.ts";
import type { AuditEvent, AuditResult } from "./events.ts";
import type { MessageOptions } from "./messages.ts";
import { recordEnvironmentAudit } from "./metrics.ts";
import { archiveGuardedNotifier, type LogLike, publishEnvironmentNotice } from "./notifier.ts";
import {
  archiveReport,
  environmentReportKey,
  s3Uri,
  unavailableBaseline,
} from "./report-archive.ts";
import { type RdsTlsOptions, rdsTls } from "./tls.ts";

/*
 * One environment's audit, as the audit Lambda runs it:
 *   baseline from S3 → credentials → one verified-TLS session → auditEnvironment
 *   → the report archived → a notification on SNS → metrics → the result.
 * Every failure (baseline, credentials, database, archive, SNS) ends as status `error` for
 * the environment, recorded wherever still possible; nothing here reports `clean` for an
 * environment that was not compared. It throws only when the outcome could be recorded
 * nowhere and a retry may help (AuditIncompleteError).
 */

export interface AuditDependencies {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly secretsManager: SecretsManagerClient;
  /** RDS IAM token signer; default `@aws-sdk/rds-signer`. */
  readonly signToken?: AuthTokenSigner;
  readonly baselines: BaselineLocation;
  readonly archiveBucket: string;
  readonly topicArn: string;
  readonly diffOptions: DiffOptions;
  /** How each environment's migration history is read (default: found and compared). */
  readonly history?: AuditHistoryOptions;
  readonly logger: LogLike;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /** Default: verified TLS with the RDS CA bundle. `false` (plaintext) is for tests only. */
  readonly tls?: RdsTlsOptions | false;
  readonly connectTimeoutMs?: number;
  readonly message?: MessageOptions;
}

type Prepared =
  | {
      readonly ok: true;
      readonly snapshot: Snapshot;
      readonly baseline: ReportBaseline;
      readonly login: DatabaseLogin;
    }
  | { readonly ok: false; readonly baseline: ReportBaseline; readonly error: EnvironmentError };

function baselineUri(event: AuditEvent, location: BaselineLocation): string {
  const pin = event.target.baselinePin;
  const key = pin ? baselineKey(location, pin) : pointerKey(location);
  return s3Uri(location.bucket, key);
}

async function prepare(event: AuditEvent, deps: AuditDependencies): Promise<Prepared> {
  const name = event.environment;
  const pin = event.target.baselinePin;
  let loaded: { snapshot: Snapshot; key: string };
  try {
    loaded = await loadBaseline(deps.s3, deps.baselines, pin ? { pin } : {});
  } catch (error) {
    const code = error instanceof BaselineStoreError ? error.code : "baseline_unavailable";
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.error("baseline not loaded", { code, error: message });
    return {
      ok: false,
      baseline: unavailableBaseline(baselineUri(event, deps.baselines)),
      error: { code, message: `${name}: cannot use the baseline: ${message}` },
    };
  }
  const baseline = reportBaseline(loaded.snapshot, s3Uri(deps.baselines.bucket, loaded.key));
  try {
    const login = await resolveCredentials(event.target, {
      environment: name,
      secretsManager: deps.secretsManager,
      ...(deps.signToken ? { signToken: deps.signToken } : {}),
    });
    return { ok: true, snapshot: loaded.snapshot, baseline, login };
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    deps.logger.error("credentials not resolved", { code: error.code, error: error.message });
    return { ok: false, baseline, error: { code: error.code, message: error.message } };
  }
}

/** Authentication advice for where Lambda credentials come from (not a URL or PGPASSWORD). */
function adviseOnLogin(
  env: EnvironmentReport,
  login: DatabaseLogin,
  event: AuditEvent,
): EnvironmentReport {
  if (env.error?.code !== "authentication_failed") return env;
  const where = `${login.host}:${login.port}`;
  const advice =
    login.method === "iam"
      ? `IAM authentication failed for user ${login.user} on ${where}: the user needs GRANT rds_iam, and the function's role rds-db:connect on it`
      : `authentication failed for user ${login.user} on ${where}: check the username and password in secret ${event.target.secretArn} (a rotation may have changed them)`;
  return {
    ...env,
    error: { ...env.error, message: `${env.name}: ${advice}` },
  };
}

async function auditOne(event: AuditEvent, deps: AuditDependencies, now: Date) {
  const prepared = await prepare(event, deps);
  if (!prepared.ok) {
    return {
      env: failedEnvironment({ name: event.environment, error: prepared.error }),
      baseline: prepared.baseline,
    };
  }
  const { login } = prepared;
  const tls = deps.tls ?? rdsTls();
  const connectTimeoutMs = deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const env = await auditEnvironment({
    name: event.environment,
    connect: () => openDatabase({ login, tls, connectTimeoutMs }),
    baseline: prepared.snapshot,
    ...(event.target.schemas ? { schemas: event.target.schemas } : {}),
    diffOptions: deps.diffOptions,
    ...(deps.history ? { history: deps.history } : {}),
    now,
    target: { host: login.host, port: login.port, database: login.database, user: login.user },
    secrets: secretsOf(login),
    connectTimeoutMs,
  });
  return { env: adviseOnLogin(env, login, event), baseline: prepared.baseline };
}

function asEnvironmentError(error: ArchiveError | NotificationError): EnvironmentError {
  return { code: error.code, message: error.message };
}

/** Audits one environment and records the outcome; see the file comment. */
export async function runEnvironmentAudit(
  event: AuditEvent,
  deps: AuditDependencies,
): Promise<AuditResult> {
  const clock = deps.now ?? (() => new Date());
  const startedAt = clock();
  const started = performance.now();
  const { environment: name, runId, target } = event;
  const log = deps.logger;
  log.info("audit started", {
    trigger: event.trigger,
    host: target.host,
    port: target.port,
    database: target.database,
    auth: target.secretArn ? "secret" : "iam",
    ...(target.baselinePin ? { baselinePin: target.baselinePin } : {}),
  });

  let audited: { env: EnvironmentReport; baseline: ReportBaseline };
  try {
    audited = await auditOne(event, deps, startedAt);
  } catch (error) {
    // A bug or an unforeseen failure: still an environment in error, archived and notified.
    const message = scrubSecrets(error instanceof Error ? error.message : String(error));
    log.error("audit failed unexpectedly", { error: message });
    audited = {
      env: failedEnvironment({
        name,
        error: { code: "internal_error", message: `${name}: unexpected error: ${message}` },
      }),
      baseline: unavailableBaseline(baselineUri(event, deps.baselines)),
    };
  }

  const report = buildReport({
    runId,
    trigger: event.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    baseline: audited.baseline,
    environments: [audited.env],
  });
  const env = report.environments[0] ?? audited.env;

  const key = environmentReportKey(name, runId, startedAt);
  let archiveFailure: ArchiveError | undefined;
  try {
    await archiveReport(deps.s3, deps.archiveBucket, key, report);
    log.info("report archived", { bucket: deps.archiveBucket, key });
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    archiveFailure = error;
    log.error("report not archived", { code: error.code, error: error.message });
  }
  const reportUri = archiveFailure ? null : s3Uri(deps.archiveBucket, key);

  let notifyFailure: NotificationError | undefined;
  try {
    const outcome = await publishEnvironmentNotice(archiveGuardedNotifier(deps, log, clock), {
      runId,
      trigger: event.trigger,
      ...(event.requestedBy ? { requestedBy: event.requestedBy } : {}),
      environment: env,
      ...(archiveFailure ? { failure: asEnvironmentError(archiveFailure) } : {}),
      baseline: report.baseline,
      reportUri,
    });
    log.info("notification sent", { outcome: outcome.status });
  } catch (error) {
    if (!(error instanceof NotificationError)) throw error;
    notifyFailure = error;
    log.error("notification not sent", { code: error.code, error: error.message });
  }

  if (archiveFailure && notifyFailure && (archiveFailure.transient || notifyFailure.transient)) {
    throw new AuditIncompleteError(
      `${name}: neither the report archive nor SNS took the outcome (${archiveFailure.message}; ${notifyFailure.message}): retrying`,
      { environment: name, runId, cause: archiveFailure },
    );
  }

  const failure = archiveFailure ?? notifyFailure;
  const status = failure ? "error" : env.status;
  const error = env.error ?? (failure ? asEnvironmentError(failure) : undefined);
  const durationMs = performance.now() - started;
  recordEnvironmentAudit(deps.metrics, {
    environment: name,
    status,
    bySeverity: env.summary.bySeverity,
    durationMs,
  });
  const result: AuditResult = {
    environment: name,
    runId,
    status,
    worst: env.summary.worst,
    findingCount: env.summary.total,
    reportKey: archiveFailure ? null : key,
    ...(status === "error" && error ? { error: { code: error.code, message: error.message } } : {}),
  };
  const finished = {
    status,
    worst: result.worst,
    findingCount: result.findingCount,
    reportKey: result.reportKey,
    durationMs: Math.round(durationMs),
    ...(result.error ? { code: result.error.code, error: result.error.message } : {}),
  };
  if (status === "error") log.error("audit finished in error", finished);
  else log.info("audit finished", finished);
  return result;
}

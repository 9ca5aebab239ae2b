import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import type { AuthTokenSigner } from "../shared/aws/credentials.ts";
import { EventValidationError } from "../shared/aws/errors.ts";
import { type AuditResult, parseAuditEvent } from "../shared/aws/events.ts";
import type { MessageOptions } from "../shared/aws/messages.ts";
import { type AuditDependencies, runEnvironmentAudit } from "../shared/aws/run-audit.ts";
import type { RdsTlsOptions } from "../shared/aws/tls.ts";
import { type AuditLambdaSettings, once, readAuditSettings } from "./env.ts";

/**
 * The audit Lambda: one environment per invocation. Event and result shapes are in
 * shared/aws/events.ts; the work is in shared/aws/run-audit.ts.
 */

export interface AuditHandlerOptions {
  readonly settings: AuditLambdaSettings;
  readonly s3?: S3Client;
  readonly sns?: SNSClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly signToken?: AuthTokenSigner;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => Date;
  /** Default: verified TLS against the RDS CA bundle. `false` (plaintext) exists for tests. */
  readonly tls?: RdsTlsOptions | false;
  readonly connectTimeoutMs?: number;
  readonly message?: MessageOptions;
}

export type AuditHandler = (event: unknown, context?: Context) => Promise<AuditResult>;

interface Runtime extends AuditDependencies {
  readonly logger: Logger;
}

function runtime(options: AuditHandlerOptions): Runtime {
  const { settings } = options;
  return {
    s3: options.s3 ?? new S3Client({}),
    sns: options.sns ?? new SNSClient({}),
    secretsManager: options.secretsManager ?? new SecretsManagerClient({}),
    ...(options.signToken ? { signToken: options.signToken } : {}),
    baselines: { bucket: settings.baselineBucket, prefix: settings.baselinePrefix },
    archiveBucket: settings.archiveBucket,
    topicArn: settings.topicArn,
    diffOptions: settings.diffOptions,
    ...(settings.history ? { history: settings.history } : {}),
    logger: options.logger ?? new Logger({ serviceName: settings.serviceName }),
    metrics:
      options.metrics ??
      new Metrics({ serviceName: settings.serviceName, namespace: settings.metricsNamespace }),
    ...(options.now ? { now: options.now } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.connectTimeoutMs !== undefined
      ? { connectTimeoutMs: options.connectTimeoutMs }
      : {}),
    ...(options.message ? { message: options.message } : {}),
  };
}

/**
 * Builds the handler. Options (or a function returning them, called once, on the first
 * invocation) supply the settings and, in tests, the clients, clock and TLS settings.
 */
export function createAuditHandler(
  options: AuditHandlerOptions | (() => AuditHandlerOptions),
): AuditHandler {
  const deps = once(() => runtime(typeof options === "function" ? options() : options));
  return async (event, context) => {
    const d = deps();
    if (context) d.logger.addContext(context);
    let parsed: ReturnType<typeof parseAuditEvent>;
    try {
      parsed = parseAuditEvent(event);
    } catch (error) {
      if (error instanceof EventValidationError) {
        d.logger.error("invalid audit event", { field: error.field, error: error.message });
      }
      throw error;
    }
    d.logger.appendKeys({ environment: parsed.environment, runId: parsed.runId });
    try {
      return await runEnvironmentAudit(parsed, d);
    } catch (error) {
      d.logger.error("audit outcome not recorded", {
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      d.logger.removeKeys(["environment", "runId"]);
    }
  };
}

/** The Lambda entry point: settings from the environment, read once per container. */
export const handler: AuditHandler = createAuditHandler(() => ({
  settings: readAuditSettings(process.env),
}));

import { Token } from "aws-cdk-lib";
import { DriftAuditorPropsError } from "./errors.ts";
import type { AuditTarget } from "./functions.ts";

/** One database to audit, and how the audit Lambda signs in to it. */
export interface DriftAuditorEnvironment {
  /** Unique; letters, digits, '.', '_' or '-'. Names the environment in reports and alerts. */
  readonly name: string;
  /** A host name; a token (an endpoint of the same app) works too. */
  readonly host: string;
  /** Default: 5432. A number known at synth time. */
  readonly port?: number;
  readonly database: string;
  /**
   * A Secrets Manager secret in the RDS JSON format (`username`, `password`, …): its complete
   * ARN (with the 6-character suffix), or `secret.secretArn` of a secret in the same app.
   */
  readonly secretArn?: string;
  /**
   * The customer-managed KMS key the secret is encrypted with, when it is not the default
   * `aws/secretsmanager` key (RDS-managed master user secrets may use one): its key ARN. The
   * audit Lambda is granted `kms:Decrypt` on it, only through Secrets Manager.
   */
  readonly secretKmsKeyArn?: string;
  /** Or: the database user that signs in with RDS IAM authentication. */
  readonly iamUser?: string;
  /** The RDS instance (`db-…`) or cluster (`cluster-…`) resource id, to narrow rds-db:connect. */
  readonly dbResourceId?: string;
  /** Schemas to read; default: the baseline's scope. */
  readonly schemas?: readonly string[];
  /** The baseline digest (`sha256:…`) this environment is compared with instead of `current`. */
  readonly baselinePin?: string;
}

/** Names become S3 key parts (`reports/env=NAME/…`); the audit Lambda accepts up to 64. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^[A-Za-z0-9.-]+$/;
/** A key ARN (not an alias: kms:Decrypt is authorized on the key itself). */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Validates the environments and turns each into the Map item the audit Lambda receives. */
export function auditTargets(
  environments: readonly DriftAuditorEnvironment[],
): { environment: string; target: AuditTarget }[] {
  if (environments.length === 0) {
    throw new DriftAuditorPropsError("environments", "expected at least one environment");
  }
  const seen = new Set<string>();
  return environments.map((env, index) => {
    const at = `environments[${index}]`;
    if (!NAME.test(env.name)) {
      throw new DriftAuditorPropsError(
        `${at}.name`,
        `expected 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(env.name)}`,
      );
    }
    if (seen.has(env.name)) {
      throw new DriftAuditorPropsError(`${at}.name`, `duplicate environment name "${env.name}"`);
    }
    seen.add(env.name);
    if (!Token.isUnresolved(env.host) && !HOST.test(env.host)) {
      throw new DriftAuditorPropsError(
        `${at}.host`,
        `expected a host name, got ${JSON.stringify(env.host)}`,
      );
    }
    const port = env.port ?? 5432;
    if (Token.isUnresolved(port)) {
      // The port is written into the state machine definition as a JSON number.
      throw new DriftAuditorPropsError(
        `${at}.port`,
        "expected a port number known at synth time (like 5432), not a token",
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new DriftAuditorPropsError(`${at}.port`, `expected a TCP port, got ${port}`);
    }
    if ((env.secretArn === undefined) === (env.iamUser === undefined)) {
      throw new DriftAuditorPropsError(
        at,
        `environment "${env.name}" needs exactly one of secretArn or iamUser`,
      );
    }
    if (env.baselinePin !== undefined && !DIGEST.test(env.baselinePin)) {
      throw new DriftAuditorPropsError(
        `${at}.baselinePin`,
        `expected a baseline digest, sha256:<64 hexadecimal digits>, got ${JSON.stringify(env.baselinePin)}`,
      );
    }
    if (env.secretKmsKeyArn !== undefined) {
      if (env.secretArn === undefined) {
        throw new DriftAuditorPropsError(`${at}.secretKmsKeyArn`, "only applies with secretArn");
      }
      if (!Token.isUnresolved(env.secretKmsKeyArn) && !KMS_KEY_ARN.test(env.secretKmsKeyArn)) {
        throw new DriftAuditorPropsError(
          `${at}.secretKmsKeyArn`,
          `expected a KMS key ARN, like arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, got ${JSON.stringify(env.secretKmsKeyArn)}`,
        );
      }
    }
    if (env.dbResourceId !== undefined && env.iamUser === undefined) {
      throw new DriftAuditorPropsError(`${at}.dbResourceId`, "only applies with iamUser");
    }
    const target: AuditTarget = {
      host: env.host,
      port,
      database: env.database,
      ...(env.iamUser === undefined ? {} : { user: env.iamUser, iamAuth: true }),
      ...(env.secretArn === undefined ? {} : { secretArn: env.secretArn }),
      ...(env.schemas === undefined ? {} : { schemas: [...env.schemas] }),
      ...(env.baselinePin === undefined ? {} : { baselinePin: env.baselinePin }),
    };
    return { environment: env.name, target };
  });
}

import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsErrorInfo, CredentialsError, describeAwsError, isTransientAwsError } from "./errors.ts";
import type { AuditTarget } from "./events.ts";

/**
 * Database credentials for an audit target: a Secrets Manager secret in the RDS JSON format
 * (`{ username, password, host?, port?, dbname? }`), or an RDS IAM auth token.
 *
 * Nothing here ever puts the password, the token or the secret's text in an error message or
 * an error's cause: a JSON parse error quotes the text it failed on, so it is not forwarded.
 */

export const DEFAULT_PORT = 5432;

/** Everything needed to open a connection. `password` is secret: keep it out of logs. */
export interface DatabaseLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The password, or the IAM auth token. */
  readonly password: string;
  readonly method: "secret" | "iam";
}

/** The fields of an RDS secret pgdrift uses. */
export interface RdsSecret {
  readonly username: string;
  readonly password: string;
  readonly host?: string;
  readonly port?: number;
  readonly dbname?: string;
}

/** Signs an RDS IAM auth token (default: `@aws-sdk/rds-signer`, with the function's role). */
export type AuthTokenSigner = (request: {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
}) => Promise<string>;

/**
 * The default signer. `@aws-sdk/rds-signer` is loaded on first use: a function bundled with
 * `@aws-sdk/*` left external (the Lambda runtime's SDK may not include this package) then
 * fails only its IAM-auth audits, each with `iam_token_failed`, instead of every invocation.
 */
export const rdsAuthToken: AuthTokenSigner = async (request) => {
  const { Signer } = await import("@aws-sdk/rds-signer");
  return new Signer({
    hostname: request.hostname,
    port: request.port,
    username: request.username,
  }).getAuthToken();
};

export interface ResolveCredentialsOptions {
  /** The environment the target belongs to, for messages. */
  readonly environment: string;
  readonly secretsManager?: SecretsManagerClient;
  readonly signToken?: AuthTokenSigner;
}

const RDS_FORMAT = 'the RDS format { "username", "password", "host"?, "port"?, "dbname"? }';

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Reads an RDS-format secret. Problems name the secret and the field, never a value; extra
 * keys (`engine`, `dbInstanceIdentifier`, …) are allowed, as RDS writes them.
 */
export function parseRdsSecret(text: string, secretArn: string, environment: string): RdsSecret {
  const invalid = (problem: string) =>
    new CredentialsError("secret_invalid", `${environment}: secret ${secretArn} ${problem}`, {
      environment,
      secretArn,
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parse error quotes the text: neither its message nor the error itself goes further.
    throw invalid(`is not JSON: expected ${RDS_FORMAT}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw invalid(`is not a JSON object: expected ${RDS_FORMAT}`);
  }
  const fields = data as Record<string, unknown>;
  const username = optionalText(fields.username);
  if (username === undefined) {
    throw invalid(`has no "username" (a non-empty string): expected ${RDS_FORMAT}`);
  }
  const password = optionalText(fields.password);
  if (password === undefined) {
    throw invalid(`has no "password" (a non-empty string): expected ${RDS_FORMAT}`);
  }
  let port: number | undefined;
  if (fields.port !== undefined && fields.port !== null && fields.port !== "") {
    port = typeof fields.port === "string" ? Number(fields.port) : (fields.port as number);
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw invalid('has a "port" that is not a port number (1 to 65535)');
    }
  }
  const host = optionalText(fields.host);
  const dbname = optionalText(fields.dbname);
  return {
    username,
    password,
    ...(host ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(dbname ? { dbname } : {}),
  };
}

async function readSecret(
  client: SecretsManagerClient,
  secretArn: string,
  environment: string,
): Promise<string> {
  let text: string | undefined;
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    text = response.SecretString;
  } catch (error) {
    const { name } = awsErrorInfo(error);
    const context = { environment, secretArn, cause: error };
    if (name === "ResourceNotFoundException") {
      throw new CredentialsError(
        "secret_not_found",
        `${environment}: secret ${secretArn} not found: check target.secretArn (account and region included)`,
        context,
      );
    }
    if (name === "AccessDeniedException" || name === "DecryptionFailure") {
      throw new CredentialsError(
        "secret_access_denied",
        `${environment}: cannot read secret ${secretArn} (${name}): the audit function needs secretsmanager:GetSecretValue on it, and kms:Decrypt on its key`,
        context,
      );
    }
    throw new CredentialsError(
      "secret_unavailable",
      `${environment}: could not read secret ${secretArn} (${describeAwsError(error)})`,
      { ...context, transient: isTransientAwsError(error) },
    );
  }
  if (text === undefined || text === "") {
    throw new CredentialsError(
      "secret_invalid",
      `${environment}: secret ${secretArn} has no string value (a binary secret?): expected ${RDS_FORMAT}`,
      { environment, secretArn },
    );
  }
  return text;
}

/**
 * The login for a target. With `secretArn`, the secret's values fill what the target does
 * not set (the target's own `host`, `port`, `database` and `user` win); with `iamAuth`, the
 * password is a 15-minute IAM auth token for `user`.
 */
export async function resolveCredentials(
  target: AuditTarget,
  options: ResolveCredentialsOptions,
): Promise<DatabaseLogin> {
  const { environment } = options;
  if (target.secretArn !== undefined) {
    const client = options.secretsManager ?? new SecretsManagerClient({});
    const text = await readSecret(client, target.secretArn, environment);
    const secret = parseRdsSecret(text, target.secretArn, environment);
    return {
      host: target.host,
      port: target.port ?? secret.port ?? DEFAULT_PORT,
      database: target.database,
      user: target.user ?? secret.username,
      password: secret.password,
      method: "secret",
    };
  }
  // The event schema guarantees `iamAuth: true` with a user when there is no secret.
  const user = target.user ?? "";
  const port = target.port ?? DEFAULT_PORT;
  const sign = options.signToken ?? rdsAuthToken;
  let token: string;
  try {
    token = await sign({ hostname: target.host, port, username: user });
  } catch (error) {
    throw new CredentialsError(
      "iam_token_failed",
      `${environment}: could not sign an RDS IAM auth token for ${user}@${target.host}:${port} (${describeAwsError(error)}): check the function's credentials and region`,
      { environment, transient: isTransientAwsError(error), cause: error },
    );
  }
  if (typeof token !== "string" || token === "") {
    throw new CredentialsError(
      "iam_token_failed",
      `${environment}: the RDS IAM signer returned an empty token for ${user}@${target.host}:${port}`,
      { environment },
    );
  }
  return {
    host: target.host,
    port,
    database: target.database,
    user,
    password: token,
    method: "iam",
  };
}

/** Strings a message must never contain for this login: the password (raw and URL-encoded). */
export function secretsOf(login: DatabaseLogin): string[] {
  const encoded = encodeURIComponent(login.password);
  return encoded === login.password ? [login.password] : [login.password, encoded];
}

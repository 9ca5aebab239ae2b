import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type AuthTokenSigner,
  parseRdsSecret,
  rdsAuthToken,
  resolveCredentials,
  secretsOf,
} from "../../shared/aws/credentials.ts";
import { CredentialsError } from "../../shared/aws/errors.ts";
import type { AuditTarget } from "../../shared/aws/events.ts";
import { awsMocks, secretArn, serviceError } from "./support.ts";

const ARN = secretArn("prod-db");
const PASSWORD = "s3cr3t-Pa55word!";

/** A secret as RDS writes it when it manages the master password. */
const RDS_SECRET = JSON.stringify({
  username: "pgdrift_auditor",
  password: PASSWORD,
  engine: "postgres",
  host: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
  port: 5433,
  dbname: "shop",
  dbInstanceIdentifier: "prod",
});

function thrown(fn: () => unknown): CredentialsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError);
    return error as CredentialsError;
  }
  throw new Error("expected a CredentialsError");
}

describe("parseRdsSecret", () => {
  it("reads the RDS JSON format and ignores the keys it does not use", () => {
    expect(parseRdsSecret(RDS_SECRET, ARN, "production")).toEqual({
      username: "pgdrift_auditor",
      password: PASSWORD,
      host: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
      port: 5433,
      dbname: "shop",
    });
  });

  it("accepts a port written as a string", () => {
    const text = JSON.stringify({ username: "u", password: "p", port: "6543" });
    expect(parseRdsSecret(text, ARN, "production").port).toBe(6543);
  });

  it("names the secret and the missing field, never a value", () => {
    const error = thrown(() =>
      parseRdsSecret(JSON.stringify({ username: "u", pass: PASSWORD }), ARN, "production"),
    );
    expect(error.code).toBe("secret_invalid");
    expect(error.message).toContain(ARN);
    expect(error.message).toContain('"password"');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.secretArn).toBe(ARN);
  });

  it("refuses a port that is not a port, without quoting it", () => {
    const error = thrown(() =>
      parseRdsSecret(JSON.stringify({ username: "u", password: "p", port: 99999 }), ARN, "prod"),
    );
    expect(error.code).toBe("secret_invalid");
    expect(error.message).toMatch(/"port" that is not a port number/);
  });

  it("does not leak text that is not JSON, in the message or as the cause", () => {
    const error = thrown(() => parseRdsSecret(`password=${PASSWORD}`, ARN, "production"));
    expect(error.code).toBe("secret_invalid");
    expect(error.message).toMatch(/is not JSON/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PASSWORD);
  });
});

describe("resolveCredentials with a Secrets Manager secret", () => {
  const target: AuditTarget = { host: "db.internal", database: "shop", secretArn: ARN };

  it("reads the secret and fills what the target does not set", async () => {
    const aws = awsMocks();
    aws.secrets.on(GetSecretValueCommand).resolves({ SecretString: RDS_SECRET });

    const login = await resolveCredentials(target, {
      environment: "production",
      secretsManager: aws.secretsClient,
    });

    expect(aws.secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN },
    ]);
    expect(login).toEqual({
      host: "db.internal",
      port: 5433,
      database: "shop",
      user: "pgdrift_auditor",
      password: PASSWORD,
      method: "secret",
    });
  });

  it("lets the target's own port and user win over the secret's", async () => {
    const aws = awsMocks();
    aws.secrets.on(GetSecretValueCommand).resolves({ SecretString: RDS_SECRET });

    const login = await resolveCredentials(
      { ...target, port: 5432, user: "readonly" },
      { environment: "production", secretsManager: aws.secretsClient },
    );

    expect(login.port).toBe(5432);
    expect(login.user).toBe("readonly");
  });

  it("uses 5432 when neither the target nor the secret has a port", async () => {
    const aws = awsMocks();
    aws.secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: "u", password: "p" }) });

    const login = await resolveCredentials(target, {
      environment: "production",
      secretsManager: aws.secretsClient,
    });

    expect(login.port).toBe(5432);
  });

  it.each([
    ["ResourceNotFoundException", 400, "secret_not_found", false],
    ["AccessDeniedException", 400, "secret_access_denied", false],
    ["DecryptionFailure", 400, "secret_access_denied", false],
    ["ThrottlingException", 400, "secret_unavailable", true],
    ["InternalServiceError", 500, "secret_unavailable", true],
  ] as const)("maps %s to %s", async (name, status, code, transient) => {
    const aws = awsMocks();
    aws.secrets.on(GetSecretValueCommand).rejects(serviceError(name, status));

    const error = await resolveCredentials(target, {
      environment: "production",
      secretsManager: aws.secretsClient,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).code).toBe(code);
    expect((error as CredentialsError).transient).toBe(transient);
    expect((error as CredentialsError).message).toMatch(/^production: /);
    expect((error as CredentialsError).message).toContain(ARN);
  });

  it("refuses a binary secret", async () => {
    const aws = awsMocks();
    aws.secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });

    await expect(
      resolveCredentials(target, { environment: "production", secretsManager: aws.secretsClient }),
    ).rejects.toMatchObject({ code: "secret_invalid", message: /has no string value/ });
  });
});

describe("resolveCredentials with RDS IAM auth", () => {
  const target: AuditTarget = {
    host: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
    port: 5432,
    database: "shop",
    user: "pgdrift_iam",
    iamAuth: true,
  };

  it("signs a token for the target's host, port and user and uses it as the password", async () => {
    const aws = awsMocks();
    const requests: Parameters<AuthTokenSigner>[0][] = [];
    const signToken: AuthTokenSigner = async (request) => {
      requests.push(request);
      return "prod.cluster-abc…?Action=connect&X-Amz-Signature=abc";
    };

    const login = await resolveCredentials(target, {
      environment: "production",
      secretsManager: aws.secretsClient,
      signToken,
    });

    expect(requests).toEqual([
      {
        hostname: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
        port: 5432,
        username: "pgdrift_iam",
      },
    ]);
    expect(login).toMatchObject({
      user: "pgdrift_iam",
      password: "prod.cluster-abc…?Action=connect&X-Amz-Signature=abc",
      method: "iam",
    });
    expect(aws.secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it("reports a signer failure as iam_token_failed, naming where it was for", async () => {
    const signToken: AuthTokenSigner = async () => {
      throw serviceError("CredentialsProviderError", 400, "Could not load credentials");
    };

    await expect(
      resolveCredentials(target, { environment: "production", signToken }),
    ).rejects.toMatchObject({
      code: "iam_token_failed",
      message: expect.stringContaining(
        "pgdrift_iam@prod.cluster-abc.eu-west-1.rds.amazonaws.com:5432",
      ),
    });
  });
});

describe("rdsAuthToken", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("signs an rds-db connect token offline with the function's credentials", async () => {
    // Dummy credentials from the environment, as the Lambda runtime provides its role's.
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    vi.stubEnv("AWS_SESSION_TOKEN", "");
    vi.stubEnv("AWS_REGION", "eu-west-1");

    const token = await rdsAuthToken({
      hostname: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
      port: 5432,
      username: "pgdrift_iam",
    });

    const url = new URL(`https://${token}`);
    expect(url.host).toBe("prod.cluster-abc.eu-west-1.rds.amazonaws.com:5432");
    expect(url.searchParams.get("Action")).toBe("connect");
    expect(url.searchParams.get("DBUser")).toBe("pgdrift_iam");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("secretsOf", () => {
  it("lists the password raw and URL-encoded", () => {
    const login = {
      host: "h",
      port: 5432,
      database: "d",
      user: "u",
      password: "p@ss word",
      method: "secret" as const,
    };
    expect(secretsOf(login)).toEqual(["p@ss word", "p%40ss%20word"]);
  });
});

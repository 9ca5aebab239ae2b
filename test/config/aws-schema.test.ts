import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/errors.ts";
import { parseConfig } from "../../shared/config/load.ts";

const FILE = "pgdrift.config.json";
const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/prod-AbCdEf";
const vpc = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
};
const prodAws = {
  host: "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
  database: "app",
  secretArn,
};

function errorOf(config: unknown): ConfigError {
  try {
    parseConfig(JSON.stringify(config), FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig: the aws block", () => {
  it("accepts a complete aws block and aws connections, keeping every field", () => {
    const input = {
      environments: [
        { name: "prod", aws: { ...prodAws, port: 5432 } },
        {
          name: "reporting",
          urlEnv: "REPORTING_URL",
          aws: {
            host: "reporting.db.internal",
            database: "dw",
            iamUser: "pgdrift_ro",
            dbResourceId: "db-ABCDEFGHIJKLMNOP",
            baselinePin: `sha256:${"a".repeat(64)}`,
          },
        },
        {
          name: "billing",
          aws: {
            ...prodAws,
            secretKmsKeyArn:
              "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          },
        },
      ],
      aws: {
        vpc,
        schedule: {
          cron: { minute: "0", hour: "3", weekDay: "MON-FRI" },
          timezone: "Europe/Paris",
        },
        mapConcurrency: 8,
        archiveRetentionDays: 400,
        codePipelineNames: ["shop-deploy"],
        alarmEmail: "dba@example.com",
      },
    };

    expect(parseConfig(JSON.stringify(input), FILE)).toEqual(input);
  });

  it("lets an environment with an aws connection go without url or urlEnv", () => {
    const config = parseConfig(
      JSON.stringify({ environments: [{ name: "prod", aws: prodAws }] }),
      FILE,
    );

    expect(config.environments?.[0]?.url).toBeUndefined();
    expect(config.environments?.[0]?.urlEnv).toBeUndefined();
  });

  it.each<[string, unknown, string, string | undefined]>([
    [
      "an aws environment with both url and urlEnv",
      {
        environments: [
          { name: "prod", url: "postgresql://db/app", urlEnv: "PROD_URL", aws: prodAws },
        ],
      },
      'pgdrift.config.json: environments[0]: environment "prod" has both "url" and "urlEnv"; keep at most one (prefer "urlEnv")',
      "environments[0]",
    ],
    [
      "an aws connection with both a secret and an IAM user",
      { environments: [{ name: "prod", aws: { ...prodAws, iamUser: "drift" } }] },
      'pgdrift.config.json: environments[0].aws: needs exactly one of "secretArn" (a Secrets Manager secret in the RDS JSON format) or "iamUser" (RDS IAM authentication)',
      "environments[0].aws",
    ],
    [
      "an aws connection with neither a secret nor an IAM user",
      { environments: [{ name: "prod", aws: { host: "db", database: "app" } }] },
      'pgdrift.config.json: environments[0].aws: needs exactly one of "secretArn" (a Secrets Manager secret in the RDS JSON format) or "iamUser" (RDS IAM authentication)',
      "environments[0].aws",
    ],
    [
      "a secret given by name instead of ARN",
      { environments: [{ name: "prod", aws: { ...prodAws, secretArn: "pgdrift/prod" } }] },
      'pgdrift.config.json: environments[0].aws.secretArn: expected a Secrets Manager secret ARN, like arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/prod-AbCdEf, got "pgdrift/prod"',
      "environments[0].aws.secretArn",
    ],
    [
      "a resource id without an IAM user",
      { environments: [{ name: "prod", aws: { ...prodAws, dbResourceId: "db-ABC" } }] },
      'pgdrift.config.json: environments[0].aws.dbResourceId: "dbResourceId" narrows rds-db:connect for "iamUser"; set "iamUser" or remove it',
      "environments[0].aws.dbResourceId",
    ],
    [
      "a secret key named by alias",
      {
        environments: [
          {
            name: "prod",
            aws: {
              ...prodAws,
              secretKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/pgdrift",
            },
          },
        ],
      },
      'pgdrift.config.json: environments[0].aws.secretKmsKeyArn: expected the ARN of the KMS key the secret is encrypted with, like arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key ARN, not an alias), got "arn:aws:kms:eu-west-1:123456789012:alias/pgdrift"',
      "environments[0].aws.secretKmsKeyArn",
    ],
    [
      "a secret key without a secret",
      {
        environments: [
          {
            name: "prod",
            aws: {
              host: "db",
              database: "app",
              iamUser: "drift",
              secretKmsKeyArn:
                "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
          },
        ],
      },
      'pgdrift.config.json: environments[0].aws.secretKmsKeyArn: "secretKmsKeyArn" is the key of the "secretArn" secret; set "secretArn" or remove it',
      "environments[0].aws.secretKmsKeyArn",
    ],
    [
      "a baseline pin that is not a digest",
      { environments: [{ name: "prod", aws: { ...prodAws, baselinePin: "current" } }] },
      'pgdrift.config.json: environments[0].aws.baselinePin: expected a baseline digest, sha256:<64 hexadecimal digits>, got "current"',
      "environments[0].aws.baselinePin",
    ],
    [
      "a port out of range",
      { environments: [{ name: "prod", aws: { ...prodAws, port: 0 } }] },
      "pgdrift.config.json: environments[0].aws.port: expected a TCP port, an integer from 1 to 65535, got 0",
      "environments[0].aws.port",
    ],
    [
      "an aws block without vpc",
      { aws: { mapConcurrency: 4 } },
      'pgdrift.config.json: aws.vpc: missing; expected an object like { "vpcId": "vpc-…", "subnetIds": ["subnet-…"], "availabilityZones": ["eu-west-1a"] }',
      "aws.vpc",
    ],
    [
      "an unknown key in the aws block",
      { aws: { vpc, concurrency: 4 } },
      'pgdrift.config.json: unknown key "concurrency" in aws (expected one of: vpc, schedule, mapConcurrency, archiveRetentionDays, codePipelineNames, alarmEmail)',
      "aws.concurrency",
    ],
    [
      "a VPC id that is not one",
      { aws: { vpc: { ...vpc, vpcId: "my-vpc" } } },
      'pgdrift.config.json: aws.vpc.vpcId: expected a VPC id, like vpc-0123456789abcdef0, got "my-vpc"',
      "aws.vpc.vpcId",
    ],
    [
      "subnets that do not spread evenly over the zones",
      { aws: { vpc: { ...vpc, subnetIds: ["subnet-0123456789abcdef0"] } } },
      "pgdrift.config.json: aws.vpc.subnetIds: expected the same number of subnets in each availability zone: 1 subnet(s) for 2 zone(s), listed in zone order",
      "aws.vpc.subnetIds",
    ],
    [
      "a time zone that does not exist",
      { aws: { vpc, schedule: { cron: { minute: "0", hour: "3" }, timezone: "Mars/Olympus" } } },
      'pgdrift.config.json: aws.schedule.timezone: expected an IANA time zone, like "Europe/Paris" or "UTC", got "Mars/Olympus"',
      "aws.schedule.timezone",
    ],
    [
      "a cron hour given as a number",
      { aws: { vpc, schedule: { cron: { minute: "0", hour: 3 }, timezone: "UTC" } } },
      'pgdrift.config.json: aws.schedule.cron.hour: expected the hour field of a cron expression (a string, like "3"), got 3',
      "aws.schedule.cron.hour",
    ],
    [
      "a map concurrency of zero",
      { aws: { vpc, mapConcurrency: 0 } },
      "pgdrift.config.json: aws.mapConcurrency: expected how many environments to audit at once, an integer from 1 to 1000, got 0",
      "aws.mapConcurrency",
    ],
    [
      "an empty pipeline list",
      { aws: { vpc, codePipelineNames: [] } },
      "pgdrift.config.json: aws.codePipelineNames: expected a non-empty list of pipeline names (leave the key out to follow all), got a list",
      "aws.codePipelineNames",
    ],
    [
      "an alarm email that is not one",
      { aws: { vpc, alarmEmail: "dba team" } },
      'pgdrift.config.json: aws.alarmEmail: expected an email address, got "dba team"',
      "aws.alarmEmail",
    ],
  ])("rejects %s with one line naming the key", (_case, input, message, key) => {
    const error = errorOf(input);

    expect(error.message).toBe(message);
    expect(error.key).toBe(key);
  });

  it("still requires url or urlEnv of an environment without an aws connection", () => {
    expect(errorOf({ environments: [{ name: "local" }] }).message).toBe(
      'pgdrift.config.json: environments[0]: environment "local" needs exactly one of "url" or "urlEnv" (prefer "urlEnv": it keeps the password out of the file)',
    );
  });
});

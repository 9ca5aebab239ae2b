import { describe, expect, it } from "vitest";
import { auditorSettings } from "../../infra/config.ts";
import { DriftAuditorPropsError } from "../../infra/errors.ts";
import { parseConfig } from "../../shared/config/load.ts";

const FILE = "pgdrift.config.json";
const vpc = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0"],
  availabilityZones: ["eu-west-1a"],
};
const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/prod-AbCdEf";

function settingsOf(config: unknown) {
  return auditorSettings(parseConfig(JSON.stringify(config), FILE), FILE);
}

describe("auditorSettings", () => {
  it("keeps the environments with an aws connection, with the config's schemas", () => {
    const settings = settingsOf({
      schemas: ["public"],
      environments: [
        { name: "local", urlEnv: "LOCAL_URL" },
        { name: "prod", aws: { host: "prod.db", database: "app", secretArn } },
        {
          name: "reporting",
          schemas: ["marts"],
          aws: { host: "rep.db", port: 5433, database: "dw", iamUser: "drift" },
        },
      ],
      aws: { vpc },
    });

    expect(settings.environments).toEqual([
      { name: "prod", host: "prod.db", database: "app", secretArn, schemas: ["public"] },
      {
        name: "reporting",
        host: "rep.db",
        port: 5433,
        database: "dw",
        iamUser: "drift",
        schemas: ["marts"],
      },
    ]);
    expect(settings.vpc).toEqual(vpc);
  });

  it("passes the config's diff options and the aws block's settings through", () => {
    const settings = settingsOf({
      compareOwners: true,
      ignore: [{ kind: "index", reason: "noise" }],
      severity: [{ kind: "index", severity: "low" }],
      history: { table: "ops.flyway_schema_history" },
      environments: [{ name: "prod", aws: { host: "prod.db", database: "app", secretArn } }],
      aws: {
        vpc,
        schedule: { cron: { minute: "0", hour: "4" }, timezone: "Europe/Berlin" },
        mapConcurrency: 8,
        archiveRetentionDays: 30,
        codePipelineNames: ["deploy"],
        alarmEmail: "ops@example.com",
      },
    });

    expect(settings).toMatchObject({
      diffOptions: {
        compareOwners: true,
        ignore: [{ kind: "index", reason: "noise" }],
        severity: [{ kind: "index", severity: "low" }],
        history: { table: "ops.flyway_schema_history" },
      },
      schedule: { cron: { minute: "0", hour: "4" }, timezone: "Europe/Berlin" },
      mapConcurrency: 8,
      archiveRetentionDays: 30,
      codePipelineNames: ["deploy"],
      alarmEmail: "ops@example.com",
    });
  });

  it("refuses a config without an aws block, naming the file", () => {
    expect(() => settingsOf({ environments: [{ name: "a", urlEnv: "A" }] })).toThrow(
      new DriftAuditorPropsError(
        `${FILE}: aws`,
        'missing; the AWS stack needs an "aws" block with at least "vpc" (vpcId, subnetIds, availabilityZones)',
      ),
    );
  });

  it("refuses a config where no environment has an aws connection", () => {
    expect(() => settingsOf({ environments: [{ name: "a", urlEnv: "A" }], aws: { vpc } })).toThrow(
      /no environment has an "aws" connection/,
    );
  });
});

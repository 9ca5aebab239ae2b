import type { AwsConfig, PgdriftConfig } from "../shared/config/schema.ts";
import type {
  DriftAuditorDiffOptions,
  DriftAuditorEnvironment,
  DriftAuditorSchedule,
} from "./drift-auditor.ts";
import { DriftAuditorPropsError } from "./errors.ts";

/** What the stack takes from pgdrift.config.json. */
export interface AuditorSettings {
  readonly vpc: AwsConfig["vpc"];
  readonly environments: DriftAuditorEnvironment[];
  readonly schedule: DriftAuditorSchedule | undefined;
  readonly mapConcurrency: number | undefined;
  readonly archiveRetentionDays: number | undefined;
  readonly codePipelineNames: readonly string[] | undefined;
  readonly alarmEmail: string | undefined;
  readonly diffOptions: DriftAuditorDiffOptions;
}

/**
 * The AWS part of a validated config: the top-level `aws` block and the environments that
 * have an `aws` connection (the others are for CLI runs only). `origin` names the file.
 */
export function auditorSettings(config: PgdriftConfig, origin: string): AuditorSettings {
  const aws = config.aws;
  if (aws === undefined) {
    throw new DriftAuditorPropsError(
      `${origin}: aws`,
      'missing; the AWS stack needs an "aws" block with at least "vpc" (vpcId, subnetIds, availabilityZones)',
    );
  }
  const environments = (config.environments ?? []).flatMap((env): DriftAuditorEnvironment[] => {
    if (env.aws === undefined) return [];
    const schemas = env.schemas ?? config.schemas;
    const { host, port, database, secretArn, secretKmsKeyArn, iamUser, dbResourceId, baselinePin } =
      env.aws;
    return [
      {
        name: env.name,
        host,
        database,
        ...(port === undefined ? {} : { port }),
        ...(secretArn === undefined ? {} : { secretArn }),
        ...(secretKmsKeyArn === undefined ? {} : { secretKmsKeyArn }),
        ...(iamUser === undefined ? {} : { iamUser }),
        ...(dbResourceId === undefined ? {} : { dbResourceId }),
        ...(schemas === undefined ? {} : { schemas }),
        ...(baselinePin === undefined ? {} : { baselinePin }),
      },
    ];
  });
  if (environments.length === 0) {
    throw new DriftAuditorPropsError(
      `${origin}: environments`,
      'no environment has an "aws" connection ({ "host", "database", "secretArn" or "iamUser" }); nothing to audit on AWS',
    );
  }
  const diffOptions: DriftAuditorDiffOptions = {
    ...(config.compareOwners === undefined ? {} : { compareOwners: config.compareOwners }),
    ...(config.ignore === undefined ? {} : { ignore: config.ignore }),
    ...(config.severity === undefined ? {} : { severity: config.severity }),
    ...(config.history === undefined ? {} : { history: config.history }),
  };
  return {
    vpc: aws.vpc,
    environments,
    schedule: aws.schedule,
    mapConcurrency: aws.mapConcurrency,
    archiveRetentionDays: aws.archiveRetentionDays,
    codePipelineNames: aws.codePipelineNames,
    alarmEmail: aws.alarmEmail,
    diffOptions,
  };
}

import { z } from "zod";
import { text } from "./fields.ts";

/** The `aws` block: where and how the AWS stack (infra/) runs the audits. */

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const cronField = (what: string, pattern: RegExp, example: string) =>
  z
    .string({
      error: `expected the ${what} field of a cron expression (a string, like "${example}")`,
    })
    .regex(pattern, {
      error: `expected the ${what} field of a cron expression, like "${example}"`,
    });

export const AwsVpcConfigSchema = z
  .strictObject(
    {
      vpcId: z
        .string({ error: "expected a VPC id, like vpc-0123456789abcdef0" })
        .regex(/^vpc-[0-9a-f]+$/, { error: "expected a VPC id, like vpc-0123456789abcdef0" }),
      subnetIds: z
        .array(
          z
            .string({ error: "expected a subnet id, like subnet-0123456789abcdef0" })
            .regex(/^subnet-[0-9a-f]+$/, {
              error: "expected a subnet id, like subnet-0123456789abcdef0",
            }),
          { error: "expected a list of private subnet ids" },
        )
        .min(1, { error: "expected a non-empty list of private subnet ids" }),
      availabilityZones: z
        .array(text("expected an availability zone, like eu-west-1a"), {
          error: "expected a list of availability zones",
        })
        .min(1, { error: "expected a non-empty list of availability zones" }),
    },
    {
      error:
        'expected an object like { "vpcId": "vpc-…", "subnetIds": ["subnet-…"], "availabilityZones": ["eu-west-1a"] }',
    },
  )
  .superRefine((vpc, ctx) => {
    if (vpc.subnetIds.length % vpc.availabilityZones.length !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["subnetIds"],
        params: { complete: true },
        message: `expected the same number of subnets in each availability zone: ${vpc.subnetIds.length} subnet(s) for ${vpc.availabilityZones.length} zone(s), listed in zone order`,
      });
    }
  });

export const AwsScheduleConfigSchema = z.strictObject(
  {
    cron: z.strictObject(
      {
        minute: cronField("minute", /^[0-9*,/-]+$/, "0"),
        hour: cronField("hour", /^[0-9*,/-]+$/, "3"),
        weekDay: cronField("day-of-week", /^[0-9A-Za-z*,/#?L-]+$/, "MON-FRI").optional(),
      },
      { error: 'expected an object like { "minute": "0", "hour": "3" }' },
    ),
    timezone: z
      .string({ error: 'expected an IANA time zone, like "Europe/Paris" or "UTC"' })
      .refine(isTimeZone, { error: 'expected an IANA time zone, like "Europe/Paris" or "UTC"' }),
  },
  {
    error:
      'expected an object like { "cron": { "minute": "0", "hour": "3" }, "timezone": "Europe/Paris" }',
  },
);

/** Where and how the AWS stack (infra/) runs the audits. */
export const AwsConfigSchema = z.strictObject(
  {
    vpc: AwsVpcConfigSchema,
    schedule: AwsScheduleConfigSchema.optional(),
    mapConcurrency: z
      .int({ error: "expected how many environments to audit at once, an integer from 1 to 1000" })
      .min(1, {
        error: "expected how many environments to audit at once, an integer from 1 to 1000",
      })
      .max(1000, {
        error: "expected how many environments to audit at once, an integer from 1 to 1000",
      })
      .optional(),
    archiveRetentionDays: z
      .int({ error: "expected the report archive's retention in days, an integer from 1 to 36500" })
      .min(1, {
        error: "expected the report archive's retention in days, an integer from 1 to 36500",
      })
      .max(36500, {
        error: "expected the report archive's retention in days, an integer from 1 to 36500",
      })
      .optional(),
    codePipelineNames: z
      .array(
        z
          .string({ error: "expected a CodePipeline pipeline name" })
          .regex(/^[A-Za-z0-9.@_-]{1,100}$/, { error: "expected a CodePipeline pipeline name" }),
        { error: "expected a list of CodePipeline pipeline names" },
      )
      .min(1, {
        error: "expected a non-empty list of pipeline names (leave the key out to follow all)",
      })
      .optional(),
    alarmEmail: z.email({ error: "expected an email address" }).optional(),
  },
  { error: 'expected an object like { "vpc": { "vpcId": "vpc-…", … } }' },
);

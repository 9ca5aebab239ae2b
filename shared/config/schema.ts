import { z } from "zod";
import { AwsConfigSchema } from "./aws-schema.ts";
import { choice, schemaList, text } from "./fields.ts";

/*
 * `pgdrift.config.json`. Every object is strict: an unknown key is a typo until proven
 * otherwise. Each field's error says what was expected; load.ts turns the first problem
 * into one line naming the file and the key.
 *
 * The lists below mirror shared/diff (FINDING_KINDS, CHANGES, SEVERITIES): config imports
 * nothing from other modules (only its own files), and a test keeps the copies equal.
 */

export const SEVERITY_NAMES = ["critical", "high", "medium", "low", "info"] as const;
export const CHANGE_NAMES = ["missing", "unexpected", "changed"] as const;
export const KIND_NAMES = [
  "schema",
  "extension",
  "table",
  "column",
  "index",
  "constraint",
  "view",
  "materialized_view",
  "sequence",
  "function",
  "procedure",
  "trigger",
  "type",
  "domain",
  "policy",
  "migration",
] as const;
export const MIGRATION_FORMATS = [
  "auto",
  "sql",
  "flyway",
  "golang-migrate",
  "dbmate",
  "prisma",
  "node-pg-migrate",
] as const;

export { AwsConfigSchema, AwsScheduleConfigSchema, AwsVpcConfigSchema } from "./aws-schema.ts";

const SETUP_EXPECTED =
  'expected a setup SQL file path, or a non-empty list of them, like "db/setup.sql"';

export const MigrationsConfigSchema = z.strictObject(
  {
    dir: text("expected the migrations folder (a non-empty string)"),
    format: choice(MIGRATION_FORMATS).optional(),
    /** Flyway placeholders by name (`flyway:user`, or a user placeholder's name). */
    placeholders: z
      .record(z.string(), z.string({ error: "expected a string value" }), {
        error: 'expected an object of placeholder values, like { "flyway:user": "app" }',
      })
      .optional(),
    /** Flyway's `placeholderReplacement` (default true). */
    placeholderReplacement: z.boolean({ error: "expected true or false" }).optional(),
    /**
     * SQL file(s) run on the scratch database before the first migration (what the platform
     * provides: roles, schemas, stub tables and functions); not migrations.
     */
    setup: z
      .union(
        [
          text(SETUP_EXPECTED),
          z
            .array(text(SETUP_EXPECTED), { error: SETUP_EXPECTED })
            .min(1, { error: SETUP_EXPECTED }),
        ],
        { error: SETUP_EXPECTED },
      )
      .optional(),
  },
  { error: 'expected an object like { "dir": "migrations" }' },
);

/**
 * How audits read each environment's migration history: `false` to skip it, or where to look
 * and when a pending migration is overdue. `table` is `name` or `schema.name`.
 */
export const HistoryConfigSchema = z.strictObject(
  {
    schema: text("expected the schema the migration tool uses (a non-empty string)").optional(),
    table: text("expected the history table, as name or schema.name").optional(),
    pendingAgeDays: z
      .int({ error: "expected a whole number of days (0 or more)" })
      .min(0, { error: "expected a whole number of days (0 or more)" })
      .optional(),
  },
  { error: 'expected false, or an object like { "table": "flyway_schema_history" }' },
);

/** How the AWS audit reaches an environment's database (`environments[].aws`). */
export const AwsEnvironmentConfigSchema = z
  .strictObject(
    {
      host: text("expected the database host name (a non-empty string)").regex(/^[A-Za-z0-9.-]+$/, {
        error: "expected a host name: letters, digits, '.' and '-'",
      }),
      port: z
        .int({ error: "expected a TCP port, an integer from 1 to 65535" })
        .min(1, { error: "expected a TCP port, an integer from 1 to 65535" })
        .max(65535, { error: "expected a TCP port, an integer from 1 to 65535" })
        .optional(),
      database: text("expected the database name (a non-empty string)"),
      secretArn: z
        .string({ error: "expected a Secrets Manager secret ARN" })
        .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, {
          error:
            "expected a Secrets Manager secret ARN, like arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/prod-AbCdEf",
        })
        .optional(),
      secretKmsKeyArn: z
        .string({ error: "expected a KMS key ARN" })
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
          error:
            "expected the ARN of the KMS key the secret is encrypted with, like arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key ARN, not an alias)",
        })
        .optional(),
      iamUser: z
        .string({ error: "expected the database user that signs in with RDS IAM authentication" })
        .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, {
          error: "expected a PostgreSQL user name (letters, digits, '_' and '$')",
        })
        .optional(),
      dbResourceId: z
        .string({ error: "expected the RDS resource id, like db-ABCDEFGHIJKLMNOPQRSTUVWXY0" })
        .regex(/^(db|cluster)-[A-Z0-9]+$/, {
          error: "expected the RDS resource id, like db-ABCDEFGHIJKLMNOPQRSTUVWXY0 or cluster-…",
        })
        .optional(),
      baselinePin: z
        .string({ error: "expected a baseline digest, sha256:<64 hexadecimal digits>" })
        .regex(/^sha256:[0-9a-f]{64}$/, {
          error: "expected a baseline digest, sha256:<64 hexadecimal digits>",
        })
        .optional(),
    },
    {
      error:
        'expected an object like { "host": "prod.cluster-…rds.amazonaws.com", "database": "app", "secretArn": "arn:aws:secretsmanager:…" }',
    },
  )
  .superRefine((aws, ctx) => {
    if ((aws.secretArn === undefined) === (aws.iamUser === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        params: { complete: true },
        message:
          'needs exactly one of "secretArn" (a Secrets Manager secret in the RDS JSON format) or "iamUser" (RDS IAM authentication)',
      });
    }
    if (aws.secretKmsKeyArn !== undefined && aws.secretArn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["secretKmsKeyArn"],
        params: { complete: true },
        message:
          '"secretKmsKeyArn" is the key of the "secretArn" secret; set "secretArn" or remove it',
      });
    }
    if (aws.dbResourceId !== undefined && aws.iamUser === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["dbResourceId"],
        params: { complete: true },
        message: '"dbResourceId" narrows rds-db:connect for "iamUser"; set "iamUser" or remove it',
      });
    }
  });

export const EnvironmentConfigBase = z.strictObject(
  {
    name: z
      .string({ error: "expected the environment's name (a string)" })
      .regex(/^[A-Za-z0-9_.-]+$/, { error: "expected letters, digits, '.', '_' or '-'" }),
    url: text("expected a PostgreSQL connection URL (a non-empty string)").optional(),
    urlEnv: z
      .string({ error: "expected the name of an environment variable holding the URL" })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error:
          "expected the name of an environment variable (letters, digits and '_', not starting with a digit)",
      })
      .optional(),
    schemas: schemaList.optional(),
    aws: AwsEnvironmentConfigSchema.optional(),
  },
  { error: 'expected an object like { "name": "prod", "urlEnv": "PROD_DATABASE_URL" }' },
);

export const EnvironmentConfigSchema = EnvironmentConfigBase.superRefine((env, ctx) => {
  if (env.aws !== undefined) {
    // Audited on AWS: the connection is in `aws`; a URL is optional (for CLI runs).
    if (env.url !== undefined && env.urlEnv !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        params: { complete: true },
        message: `environment "${env.name}" has both "url" and "urlEnv"; keep at most one (prefer "urlEnv")`,
      });
    }
    return;
  }
  if ((env.url === undefined) === (env.urlEnv === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [],
      params: { complete: true },
      message: `environment "${env.name}" needs exactly one of "url" or "urlEnv" (prefer "urlEnv": it keeps the password out of the file)`,
    });
  }
});

const globText = (what: string) =>
  text(`expected a glob over the finding's ${what} ('*' any run, '?' one character)`);

export const IgnoreRuleSchema = z
  .strictObject(
    {
      id: z
        .string({ error: "expected a finding id (16 hexadecimal digits)" })
        .regex(/^[0-9a-f]{16}$/, { error: "expected a finding id (16 hexadecimal digits)" })
        .optional(),
      kind: choice(KIND_NAMES).optional(),
      object: globText("object").optional(),
      table: globText("table").optional(),
      attribute: text('expected an attribute name, like "default"').optional(),
      change: choice(CHANGE_NAMES).optional(),
      reason: text("expected why the findings are ignored (a non-empty string)"),
      expires: z
        .string({ error: "expected a date as YYYY-MM-DD" })
        .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "expected a date as YYYY-MM-DD" })
        .refine(
          (day) =>
            !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) &&
            new Date(`${day}T00:00:00Z`).toISOString().startsWith(day),
          {
            error: "expected a real calendar date as YYYY-MM-DD",
          },
        )
        .optional(),
    },
    { error: 'expected an object like { "object": "public.legacy_*", "reason": "…" }' },
  )
  .superRefine((rule, ctx) => {
    const selectors = [rule.id, rule.kind, rule.object, rule.table, rule.attribute, rule.change];
    if (selectors.every((s) => s === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        params: { complete: true },
        message:
          'an ignore rule must set at least one of "id", "kind", "object", "table", "attribute" or "change" (it would hide everything)',
      });
    }
  });

export const SeverityOverrideSchema = z.strictObject(
  {
    kind: choice(KIND_NAMES).optional(),
    change: choice(CHANGE_NAMES).optional(),
    attribute: text('expected an attribute name, like "default"').optional(),
    object: globText("object").optional(),
    severity: choice(SEVERITY_NAMES),
  },
  {
    error: 'expected an object like { "kind": "index", "change": "unexpected", "severity": "low" }',
  },
);

export const ConfigObjectSchema = z.strictObject(
  {
    $schema: z.string({ error: "expected the URL or path of the config's JSON Schema" }).optional(),
    baseline: text("expected a snapshot file path or an s3://bucket/key URI")
      .refine((value) => !value.startsWith("s3://") || /^s3:\/\/[^/]+\/.+/.test(value), {
        error: "expected an S3 URI with a bucket and a key, like s3://bucket/baseline.json",
      })
      .optional(),
    migrations: MigrationsConfigSchema.optional(),
    history: z
      .union([z.literal(false), HistoryConfigSchema], {
        error: 'expected false, or an object like { "table": "flyway_schema_history" }',
      })
      .optional(),
    pgVersion: z
      .int({ error: "expected a PostgreSQL major version, an integer from 10 to 30" })
      .min(10, { error: "expected a PostgreSQL major version, an integer from 10 to 30" })
      .max(30, { error: "expected a PostgreSQL major version, an integer from 10 to 30" })
      .optional(),
    schemas: schemaList.optional(),
    compareOwners: z.boolean({ error: "expected true or false" }).optional(),
    failOn: choice([...SEVERITY_NAMES, "none"] as const).optional(),
    environments: z
      .array(EnvironmentConfigSchema, { error: "expected a list of environments" })
      .superRefine((environments, ctx) => {
        const seen = new Set<string>();
        environments.forEach((env, index) => {
          if (seen.has(env.name)) {
            ctx.addIssue({
              code: "custom",
              path: [index, "name"],
              params: { complete: true },
              message: `duplicate environment name "${env.name}" (names must be unique)`,
            });
          }
          seen.add(env.name);
        });
      })
      .optional(),
    ignore: z.array(IgnoreRuleSchema, { error: "expected a list of ignore rules" }).optional(),
    severity: z
      .array(SeverityOverrideSchema, { error: "expected a list of severity overrides" })
      .optional(),
    aws: AwsConfigSchema.optional(),
  },
  { error: "expected a JSON object" },
);

export type PgdriftConfig = z.infer<typeof ConfigObjectSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;
export type IgnoreRuleConfig = z.infer<typeof IgnoreRuleSchema>;
export type SeverityOverrideConfig = z.infer<typeof SeverityOverrideSchema>;
export type AwsConfig = z.infer<typeof AwsConfigSchema>;
export type AwsEnvironmentConfig = z.infer<typeof AwsEnvironmentConfigSchema>;
export type HistoryConfig = false | z.infer<typeof HistoryConfigSchema>;

/** Keys each strict object accepts, for "did you mean" hints on unknown keys. */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": Object.keys(ConfigObjectSchema.shape),
  migrations: Object.keys(MigrationsConfigSchema.shape),
  history: Object.keys(HistoryConfigSchema.shape),
  environments: Object.keys(EnvironmentConfigBase.shape),
  ignore: Object.keys(IgnoreRuleSchema.shape),
  severity: Object.keys(SeverityOverrideSchema.shape),
  aws: Object.keys(AwsConfigSchema.shape),
};

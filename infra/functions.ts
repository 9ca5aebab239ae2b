import { fileURLToPath } from "node:url";
import type { Duration } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { type DatabaseCredentials, grantDatabaseSignIn } from "./database-access.ts";
import { DriftAuditorPropsError } from "./errors.ts";
import { acknowledgeRule, acknowledgeWildcardResource } from "./nag.ts";
import { NOTIFICATIONS_PREFIX, REPORTS_PREFIX } from "./storage.ts";

/** The repository root: NodejsFunction bundles `lambdas/*.ts` from here with the root lockfile. */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Node.js 24 is the newest Lambda runtime aws-cdk-lib knows, which cdk-nag's L1 rule requires. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * esbuild options shared by both functions. The Lambda runtime provides the AWS SDK v3
 * clients, so `@aws-sdk/client-*` stays out of the bundle; everything else (pg, Powertools,
 * zod, shared/, and `@aws-sdk/rds-signer`, which the runtime does not promise) is in it. ESM output keeps `import.meta.url` working; the banner gives bundled CommonJS packages
 * the `require` they call for Node built-ins.
 */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ["@aws-sdk/client-*"],
  banner:
    "import { createRequire as __pgdriftCreateRequire } from 'node:module'; const require = __pgdriftCreateRequire(import.meta.url);",
};

type ArchivePrefix = typeof REPORTS_PREFIX | typeof NOTIFICATIONS_PREFIX;

/** Why each archive prefix is granted as `prefix/*` (cdk-nag AwsSolutions-IAM5). */
const ARCHIVE_PREFIX_REASONS: Readonly<Record<ArchivePrefix, string>> = {
  [REPORTS_PREFIX]:
    "Report keys carry the environment, date and run id (reports/env=NAME/date=YYYY-MM-DD/RUNID.json, reports/runs/…), so they are only known at run time; the grant is limited to the reports/ prefix of the archive bucket",
  [NOTIFICATIONS_PREFIX]:
    "Idempotency markers are keyed by run id and environment (notifications/RUNID/env=NAME, notifications/RUNID/run), so they are only known at run time; the grant is limited to the notifications/ prefix of the archive bucket",
};

/** Lambda allows 4 KB of environment variables in all; the diff options get most of it. */
const DIFF_OPTIONS_MAX_BYTES = 3072;

/** An environment's connection, as the audit Lambda receives it in `target`. */
export interface AuditTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user?: string;
  readonly secretArn?: string;
  readonly iamAuth?: boolean;
  readonly schemas?: readonly string[];
  readonly baselinePin?: string;
}

/** Prebuilt code for both functions (handler `index.handler`) instead of esbuild bundling. */
export interface DriftAuditorCode {
  readonly audit: lambda.Code;
  readonly summarize: lambda.Code;
}

export interface AuditorFunctionsProps {
  readonly credentials: readonly DatabaseCredentials[];
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection | undefined;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly baselineBucket: s3.IBucket;
  readonly baselinePrefix: string;
  readonly archiveBucket: s3.IBucket;
  readonly topic: sns.ITopic;
  readonly diffOptionsJson: string;
  readonly metricsNamespace: string;
  readonly auditTimeout: Duration;
  readonly auditMemorySize: number;
  readonly reservedConcurrency: number | undefined;
  readonly logRetention: logs.RetentionDays;
  readonly code: DriftAuditorCode | undefined;
}

/** The audit Lambda (in the VPC, one invocation per environment) and the summarize Lambda. */
export class AuditorFunctions extends Construct {
  readonly audit: lambda.Function;
  readonly summarize: lambda.Function;
  readonly auditRole: iam.Role;
  readonly summarizeRole: iam.Role;

  constructor(scope: Construct, id: string, props: AuditorFunctionsProps) {
    super(scope, id);
    if (Buffer.byteLength(props.diffOptionsJson) > DIFF_OPTIONS_MAX_BYTES) {
      throw new DriftAuditorPropsError(
        "diffOptions",
        `${Buffer.byteLength(props.diffOptionsJson)} bytes of ignore rules and severity overrides do not fit in the audit Lambda's environment (at most ${DIFF_OPTIONS_MAX_BYTES}); shorten them or move rarely used rules out`,
      );
    }
    const powertools = {
      POWERTOOLS_SERVICE_NAME: "pgdrift",
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      NODE_OPTIONS: "--enable-source-maps",
    };

    this.auditRole = this.functionRole("AuditRole", "pgdrift audit Lambda");
    this.grantAudit(props);
    this.audit = this.createFunction("AuditFunction", {
      entry: "lambdas/audit.ts",
      code: props.code?.audit,
      role: this.auditRole,
      description: "pgdrift: audits one environment's schema against the baseline",
      timeout: props.auditTimeout,
      memorySize: props.auditMemorySize,
      reservedConcurrentExecutions: props.reservedConcurrency,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      logRetention: props.logRetention,
      environment: {
        BASELINE_BUCKET: props.baselineBucket.bucketName,
        BASELINE_PREFIX: props.baselinePrefix,
        ARCHIVE_BUCKET: props.archiveBucket.bucketName,
        TOPIC_ARN: props.topic.topicArn,
        PGDRIFT_DIFF_OPTIONS: props.diffOptionsJson,
        ...powertools,
      },
    });

    this.summarizeRole = this.functionRole("SummarizeRole", "pgdrift summarize Lambda");
    this.grantSummarize(props);
    this.summarize = this.createFunction("SummarizeFunction", {
      entry: "lambdas/summarize.ts",
      code: props.code?.summarize,
      role: this.summarizeRole,
      description: "pgdrift: writes the run report across environments and publishes its summary",
      timeout: props.auditTimeout,
      memorySize: 512,
      logRetention: props.logRetention,
      environment: {
        ARCHIVE_BUCKET: props.archiveBucket.bucketName,
        TOPIC_ARN: props.topic.topicArn,
        ...powertools,
      },
    });
  }

  private functionRole(id: string, what: string): iam.Role {
    // No AWS-managed policies: logs go to the function's own log group, VPC access is granted
    // below for the audit function only.
    return new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${what}: least-privilege execution role`,
    });
  }

  private createFunction(
    id: string,
    options: {
      entry: string;
      code: lambda.Code | undefined;
      role: iam.Role;
      description: string;
      timeout: Duration;
      memorySize: number;
      reservedConcurrentExecutions?: number | undefined;
      vpc?: ec2.IVpc;
      vpcSubnets?: ec2.SubnetSelection | undefined;
      securityGroups?: ec2.ISecurityGroup[];
      logRetention: logs.RetentionDays;
      environment: Record<string, string>;
    },
  ): lambda.Function {
    const { entry, code, logRetention, ...rest } = options;
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: logRetention });
    logGroup.grantWrite(options.role);
    const common = {
      ...rest,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    };
    if (code !== undefined) {
      return new lambda.Function(this, id, { ...common, code, handler: "index.handler" });
    }
    return new NodejsFunction(this, id, {
      ...common,
      entry: `${REPO_ROOT}${entry}`,
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      bundling: BUNDLING,
    });
  }

  private grantAudit(props: AuditorFunctionsProps): void {
    const role = this.auditRole;
    // The store keeps `{prefix}baselines/sha256-….json` and `{prefix}baselines/current.json`.
    const baselineKeys = `${props.baselinePrefix}baselines/`;
    const baselineObjects = props.baselineBucket.arnForObjects(`${baselineKeys}*`);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "ReadBaselines",
        actions: ["s3:GetObject"],
        resources: [baselineObjects],
      }),
    );
    role.addToPolicy(listStatement("ListBaselines", props.baselineBucket, [baselineKeys]));
    acknowledgeWildcardResource(
      role,
      baselineObjects,
      "Baselines are read by key (the baselines/current.json pointer, content-addressed baselines/sha256-….json snapshots, per-environment pins); the grant is limited to the baselines/ folder under the configured prefix",
    );
    props.baselineBucket.encryptionKey?.grantDecrypt(role);

    this.grantArchive(role, props.archiveBucket, [REPORTS_PREFIX, NOTIFICATIONS_PREFIX]);

    grantDatabaseSignIn(role, props.credentials);

    this.grantPublish(role, props.topic);

    const networkInterfaces = "*";
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "ManageVpcNetworkInterfaces",
        actions: [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        resources: [networkInterfaces],
      }),
    );
    acknowledgeWildcardResource(
      role,
      networkInterfaces,
      "A Lambda function in a VPC needs these EC2 network-interface actions (the AWSLambdaVPCAccessExecutionRole set, without its logs:* part); ec2:Describe* has no resource-level permissions and Lambda checks the Create/Delete actions unscoped when it creates the function",
    );
  }

  private grantSummarize(props: AuditorFunctionsProps): void {
    // Reads the environments' reports, writes the run report, and keeps its own
    // notifications/RUNID/run marker so a retried summary is not published twice.
    this.grantArchive(this.summarizeRole, props.archiveBucket, [
      REPORTS_PREFIX,
      NOTIFICATIONS_PREFIX,
    ]);
    this.grantPublish(this.summarizeRole, props.topic);
  }

  /** sns:Publish, and the topic key's data-key actions when the topic is encrypted. */
  private grantPublish(role: iam.Role, topic: sns.ITopic): void {
    topic.grantPublish(role);
    if (topic.masterKey !== undefined) {
      acknowledgeRule(
        role,
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        "Publishing to a KMS-encrypted SNS topic needs kms:GenerateDataKey* (as documented for SNS server-side encryption), limited to the topic's own key",
      );
    }
  }

  /** Get/Put under each prefix of the archive, and List limited to those prefixes. */
  private grantArchive(
    role: iam.Role,
    bucket: s3.IBucket,
    prefixes: readonly ArchivePrefix[],
  ): void {
    const objects = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "ReadWriteArchive",
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: objects,
      }),
    );
    role.addToPolicy(listStatement("ListArchive", bucket, prefixes));
    for (const prefix of prefixes) {
      acknowledgeWildcardResource(
        role,
        bucket.arnForObjects(`${prefix}*`),
        ARCHIVE_PREFIX_REASONS[prefix],
      );
    }
    bucket.encryptionKey?.grantEncryptDecrypt(role);
  }
}

/**
 * s3:ListBucket limited to the prefixes: without it S3 answers 403 rather than 404 for a
 * missing key, and a missing baseline or marker would look like a permissions problem.
 */
function listStatement(
  sid: string,
  bucket: s3.IBucket,
  prefixes: readonly string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ["s3:ListBucket"],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
  });
}

/** `team/app` and `/team/app/` → `team/app/`; `` stays `` (as shared/aws/baseline-store reads it). */
export function normalizeBaselinePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}

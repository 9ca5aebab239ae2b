import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type {
  HistoryConfig,
  IgnoreRuleConfig,
  SeverityOverrideConfig,
} from "../shared/config/schema.ts";
import { AuditAlarms, CRITICAL_FINDINGS_DIMENSIONS, CRITICAL_FINDINGS_METRIC } from "./alarms.ts";
import { auditTargets, type DriftAuditorEnvironment } from "./environments.ts";
import { DriftAuditorPropsError } from "./errors.ts";
import {
  AuditorFunctions,
  type AuditTarget,
  type DriftAuditorCode,
  normalizeBaselinePrefix,
} from "./functions.ts";
import { AuditorStorage } from "./storage.ts";
import { createNotificationTopic } from "./topic.ts";
import { AuditTriggers, type DriftAuditorSchedule } from "./triggers.ts";
import { AuditWorkflow, DISTRIBUTED_MAP_THRESHOLD } from "./workflow.ts";

export type { DriftAuditorEnvironment } from "./environments.ts";
export { auditTargets } from "./environments.ts";
export type { DriftAuditorCode } from "./functions.ts";
export type { DriftAuditorSchedule } from "./triggers.ts";

/** How findings are compared, as in pgdrift.config.json (passed to the audit Lambda as JSON). */
export interface DriftAuditorDiffOptions {
  readonly compareOwners?: boolean;
  readonly ignore?: readonly IgnoreRuleConfig[];
  readonly severity?: readonly SeverityOverrideConfig[];
  /** The config's `history`: `false`, or where the migration tool's history table is. */
  readonly history?: HistoryConfig;
}

export interface DriftAuditorProps {
  /** The databases to audit (at least one). */
  readonly environments: readonly DriftAuditorEnvironment[];
  /** The VPC the audit Lambda runs in (it must reach the databases, S3, SNS and Secrets Manager). */
  readonly vpc: ec2.IVpc;
  /** Subnets for the audit Lambda. Default: the VPC's private subnets with egress. */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The audit Lambda's security group. Default: one is created with egress to HTTPS and the
   * environments' ports only; allow it into each database (`auditor.connections`).
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /** Default: every day at 03:00 UTC, within a 15-minute flexible window. */
  readonly schedule?: DriftAuditorSchedule;
  /** Default: a bucket is created (versioned, SSE-S3, TLS-only, no public access, access logs). */
  readonly baselineBucket?: s3.IBucket;
  /**
   * Key prefix of the baselines in their bucket (`pgdrift baseline publish --prefix`); the
   * audit reads `{prefix}baselines/…`. Default: "" (the bucket root).
   */
  readonly baselinePrefix?: string;
  /** Default: a bucket is created as above, plus Object Lock (governance) and a lifecycle rule. */
  readonly archiveBucket?: s3.IBucket;
  /** Where created buckets log S3 server access. Default: a logs bucket is created. */
  readonly accessLogsBucket?: s3.IBucket;
  /** Object Lock default retention of the created archive, in days. Default: 365. */
  readonly archiveRetentionDays?: number;
  /** Drift notifications and alarms. Default: a topic is created (KMS-encrypted, TLS-only). */
  readonly topic?: sns.ITopic;
  /** How many environments are audited at once. Default: 4. */
  readonly mapConcurrency?: number;
  /**
   * More environments than this use a Distributed Map instead of an inline Map (see
   * DISTRIBUTED_MAP_THRESHOLD for why). Default: 40.
   */
  readonly distributedMapThreshold?: number;
  /** compareOwners, ignore rules and severity overrides, as in pgdrift.config.json. */
  readonly diffOptions?: DriftAuditorDiffOptions;
  /** Start an audit after each successful CodePipeline execution. Default: true. */
  readonly auditOnCodePipelineSuccess?: boolean;
  /** Limit the CodePipeline trigger to these pipelines. Default: every pipeline. */
  readonly codePipelineNames?: readonly string[];
  /** CloudWatch namespace of the Lambdas' metrics (POWERTOOLS_METRICS_NAMESPACE). Default: "pgdrift". */
  readonly metricsNamespace?: string;
  /**
   * The metric the critical-drift alarm watches (Sum ≥ 1 in 5 minutes), in metricsNamespace.
   * Default: the audit Lambda's `Findings` metric, dimensions `service=pgdrift, severity=critical`.
   */
  readonly criticalFindingsMetric?: {
    readonly metricName?: string;
    readonly dimensions?: Readonly<Record<string, string>>;
  };
  /** The audit Lambda's timeout. Default: 5 minutes. */
  readonly auditTimeout?: Duration;
  /** The audit Lambda's memory. Default: 1024 MB. */
  readonly auditMemorySize?: number;
  /** Reserved concurrency of the audit Lambda (at least mapConcurrency). Default: none. */
  readonly reservedConcurrency?: number;
  /** Retention of the Lambdas' and the state machine's logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
  /** For the buckets and the topic key this construct creates. Default: RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
  /** Prebuilt Lambda code instead of bundling lambdas/*.ts with esbuild (tests, custom builds). */
  readonly code?: DriftAuditorCode;
}

/**
 * pgdrift on AWS: nightly and on-demand schema-drift audits of PostgreSQL databases.
 *
 * EventBridge Scheduler (and the on-demand rules) start a Step Functions state machine that
 * invokes the audit Lambda once per environment (bounded concurrency, retries, a catch per
 * item), then the summarize Lambda. Reports go to a write-once S3 archive, summaries and
 * alarms to an SNS topic.
 */
export class DriftAuditor extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly baselineBucket: s3.IBucket;
  readonly archiveBucket: s3.IBucket;
  readonly accessLogsBucket: s3.IBucket | undefined;
  readonly topic: sns.ITopic;
  readonly auditFunction: lambda.Function;
  readonly summarizeFunction: lambda.Function;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: AuditAlarms;
  /** True when the environments are audited by a Distributed Map. */
  readonly distributedMap: boolean;

  constructor(scope: Construct, id: string, props: DriftAuditorProps) {
    super(scope, id);
    const targets = auditTargets(props.environments);
    const mapConcurrency = positiveInteger("mapConcurrency", props.mapConcurrency ?? 4);
    const threshold = positiveInteger(
      "distributedMapThreshold",
      props.distributedMapThreshold ?? DISTRIBUTED_MAP_THRESHOLD,
    );
    const archiveRetentionDays = positiveInteger(
      "archiveRetentionDays",
      props.archiveRetentionDays ?? 365,
    );
    if (props.reservedConcurrency !== undefined) {
      positiveInteger("reservedConcurrency", props.reservedConcurrency);
      if (props.reservedConcurrency < mapConcurrency) {
        throw new DriftAuditorPropsError(
          "reservedConcurrency",
          `${props.reservedConcurrency} is below mapConcurrency (${mapConcurrency}): the Map would be throttled`,
        );
      }
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const auditTimeout = props.auditTimeout ?? Duration.minutes(5);
    const metricsNamespace = props.metricsNamespace ?? "pgdrift";
    this.distributedMap = targets.length > threshold;

    this.securityGroup = props.securityGroup ?? this.createSecurityGroup(props.vpc, targets);
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcp(5432),
    });

    const storage = new AuditorStorage(this, "Storage", {
      ...(props.baselineBucket ? { baselineBucket: props.baselineBucket } : {}),
      ...(props.archiveBucket ? { archiveBucket: props.archiveBucket } : {}),
      ...(props.accessLogsBucket ? { accessLogsBucket: props.accessLogsBucket } : {}),
      archiveRetentionDays,
      removalPolicy,
    });
    this.baselineBucket = storage.baselineBucket;
    this.archiveBucket = storage.archiveBucket;
    this.accessLogsBucket = storage.accessLogsBucket;
    this.topic = props.topic ?? createNotificationTopic(this, "Topic", removalPolicy);

    const functions = new AuditorFunctions(this, "Functions", {
      credentials: props.environments,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroup: this.securityGroup,
      baselineBucket: this.baselineBucket,
      baselinePrefix: normalizeBaselinePrefix(props.baselinePrefix ?? ""),
      archiveBucket: this.archiveBucket,
      topic: this.topic,
      diffOptionsJson: JSON.stringify(props.diffOptions ?? {}),
      metricsNamespace,
      auditTimeout,
      auditMemorySize: props.auditMemorySize ?? 1024,
      reservedConcurrency: props.reservedConcurrency,
      logRetention,
      code: props.code,
    });
    this.auditFunction = functions.audit;
    this.summarizeFunction = functions.summarize;

    const workflow = new AuditWorkflow(this, "Workflow", {
      targets,
      auditFunction: this.auditFunction,
      summarizeFunction: this.summarizeFunction,
      mapConcurrency,
      distributed: this.distributedMap,
      auditTimeout,
      logRetention,
    });
    this.stateMachine = workflow.stateMachine;

    const triggers = new AuditTriggers(this, "Triggers", {
      stateMachine: this.stateMachine,
      schedule: props.schedule ?? { cron: { minute: "0", hour: "3" }, timezone: "UTC" },
      onCodePipelineSuccess: props.auditOnCodePipelineSuccess ?? true,
      codePipelineNames: props.codePipelineNames,
    });
    this.schedule = triggers.schedule;
    this.deadLetterQueue = triggers.deadLetterQueue;

    this.alarms = new AuditAlarms(this, "Alarms", {
      auditFunction: this.auditFunction,
      stateMachine: this.stateMachine,
      deadLetterQueue: this.deadLetterQueue,
      topic: this.topic,
      metricsNamespace,
      criticalFindingsMetricName:
        props.criticalFindingsMetric?.metricName ?? CRITICAL_FINDINGS_METRIC,
      criticalFindingsDimensions:
        props.criticalFindingsMetric?.dimensions ?? CRITICAL_FINDINGS_DIMENSIONS,
    });
  }

  private createSecurityGroup(
    vpc: ec2.IVpc,
    targets: readonly { target: AuditTarget }[],
  ): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc,
      description: "pgdrift audit Lambda: allow it into each audited database",
      allowAllOutbound: false,
    });
    group.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      "AWS APIs (S3, SNS, Secrets Manager) through NAT or VPC endpoints",
    );
    for (const port of new Set(targets.map((t) => t.target.port))) {
      group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `PostgreSQL on port ${port}`);
    }
    return group;
  }
}

function positiveInteger(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DriftAuditorPropsError(prop, `expected a positive integer, got ${value}`);
  }
  return value;
}

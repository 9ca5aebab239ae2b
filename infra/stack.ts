import { Annotations, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import type { PgdriftConfig } from "../shared/config/schema.ts";
import { auditorSettings } from "./config.ts";
import { DriftAuditor, type DriftAuditorCode } from "./drift-auditor.ts";

export interface PgdriftStackProps extends StackProps {
  /** A validated pgdrift.config.json with an `aws` block. */
  readonly config: PgdriftConfig;
  /** The config's path, for error messages. */
  readonly configFile: string;
  /** Prebuilt Lambda code instead of esbuild bundling (tests). */
  readonly code?: DriftAuditorCode;
}

/** Names of the stack outputs (`pgdrift invoke --stack NAME` reads StateMachineArn). */
export const STACK_OUTPUTS = {
  stateMachineArn: "StateMachineArn",
  baselineBucket: "BaselineBucketName",
  archiveBucket: "ArchiveBucketName",
  topicArn: "TopicArn",
  securityGroupId: "AuditSecurityGroupId",
} as const;

/**
 * The pgdrift stack: a DriftAuditor placed in an existing VPC named by id (no lookup, so
 * `cdk synth` needs neither credentials nor network).
 */
export class PgdriftStack extends Stack {
  readonly auditor: DriftAuditor;

  constructor(scope: Construct, id: string, props: PgdriftStackProps) {
    super(scope, id, props);
    const settings = auditorSettings(props.config, props.configFile);

    const vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
      vpcId: settings.vpc.vpcId,
      availabilityZones: settings.vpc.availabilityZones,
      privateSubnetIds: settings.vpc.subnetIds,
    });
    const subnets = settings.vpc.subnetIds.map((subnetId) =>
      ec2.Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId),
    );
    for (const scope of [vpc, ...subnets]) {
      // Route tables matter to constructs that add routes or gateway endpoints; nothing here does.
      Annotations.of(scope).acknowledgeWarning(
        "@aws-cdk/aws-ec2:noSubnetRouteTableId",
        "The stack only places the audit Lambda in these subnets; it reads no route table",
      );
    }

    this.auditor = new DriftAuditor(this, "DriftAuditor", {
      environments: settings.environments,
      vpc,
      vpcSubnets: { subnets },
      diffOptions: settings.diffOptions,
      ...(settings.schedule ? { schedule: settings.schedule } : {}),
      ...(settings.mapConcurrency ? { mapConcurrency: settings.mapConcurrency } : {}),
      ...(settings.archiveRetentionDays
        ? { archiveRetentionDays: settings.archiveRetentionDays }
        : {}),
      ...(settings.codePipelineNames ? { codePipelineNames: settings.codePipelineNames } : {}),
      ...(props.code ? { code: props.code } : {}),
    });

    if (settings.alarmEmail !== undefined) {
      // Alarms and every drift summary; see examples/aws/README.md for a filtered subscription.
      this.auditor.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    }

    const outputs: [keyof typeof STACK_OUTPUTS, string, string][] = [
      ["stateMachineArn", this.auditor.stateMachine.stateMachineArn, "Start on-demand audits here"],
      [
        "baselineBucket",
        this.auditor.baselineBucket.bucketName,
        "pgdrift baseline publish --bucket",
      ],
      ["archiveBucket", this.auditor.archiveBucket.bucketName, "Environment and run reports"],
      ["topicArn", this.auditor.topic.topicArn, "Drift notifications and alarms"],
      [
        "securityGroupId",
        this.auditor.securityGroup.securityGroupId,
        "Allow this security group into each audited database",
      ],
    ];
    for (const [key, value, description] of outputs) {
      new CfnOutput(this, STACK_OUTPUTS[key], { value, description });
    }
  }
}

import { Duration } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { DriftAuditor } from "../../infra/drift-auditor.ts";
import { DriftAuditorPropsError } from "../../infra/errors.ts";
import {
  bareStack,
  buildAuditor,
  type CfnJson,
  ENV,
  ENVIRONMENTS,
  refs,
  resourcesOf,
  STUB_CODE,
} from "./support.ts";

const DIFF_OPTIONS = {
  compareOwners: true,
  ignore: [
    { kind: "index" as const, change: "unexpected" as const, reason: "reporting job indexes" },
  ],
};
const { template, stack, auditor } = buildAuditor({ diffOptions: DIFF_OPTIONS });
const { id, ref, propsOf } = refs(stack);
const bucketProps = (bucket: s3.IBucket): CfnJson => propsOf(template, bucket);

describe("DriftAuditor buckets", () => {
  const created = [auditor.baselineBucket, auditor.archiveBucket, auditor.accessLogsBucket];

  it("creates the baselines, archive and access-log buckets", () => {
    template.resourceCountIs("AWS::S3::Bucket", 3);
    expect(created.every((b) => b !== undefined)).toBe(true);
  });

  it.each<[string, () => s3.IBucket | undefined]>([
    ["baselines", () => auditor.baselineBucket],
    ["archive", () => auditor.archiveBucket],
    ["access logs", () => auditor.accessLogsBucket],
  ])("makes the %s bucket versioned, encrypted and closed to the public", (_name, bucketOf) => {
    const props = bucketProps(bucketOf() as s3.IBucket);

    expect(props.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      ],
    });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("denies every request without TLS on each bucket", () => {
    for (const bucket of created) {
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: ref(bucket as s3.IBucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "s3:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    }
  });

  it("locks the archive in governance mode for the retention (365 days by default)", () => {
    const props = bucketProps(auditor.archiveBucket);

    expect(props.ObjectLockEnabled).toBe(true);
    expect(props.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 365 } },
    });
  });

  it("takes the archive retention from props", () => {
    const custom = buildAuditor({ archiveRetentionDays: 90 });

    custom.template.hasResourceProperties("AWS::S3::Bucket", {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 90 } } },
    });
  });

  it("moves archived reports to cheaper storage classes", () => {
    expect(bucketProps(auditor.archiveBucket).LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: "Enabled",
        Transitions: [
          { StorageClass: "STANDARD_IA", TransitionInDays: 30 },
          { StorageClass: "GLACIER_IR", TransitionInDays: 90 },
        ],
      }),
    ]);
  });

  it("logs server access of the baselines and archive buckets to the logs bucket", () => {
    const logs = ref(auditor.accessLogsBucket as s3.IBucket);

    expect(bucketProps(auditor.baselineBucket).LoggingConfiguration).toEqual({
      DestinationBucketName: logs,
      LogFilePrefix: "baselines/",
    });
    expect(bucketProps(auditor.archiveBucket).LoggingConfiguration).toEqual({
      DestinationBucketName: logs,
      LogFilePrefix: "archive/",
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: logs,
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
          }),
        ]),
      },
    });
  });

  it("uses given buckets instead of creating any", () => {
    const { stack: given, vpc } = bareStack("Given");
    const baselines = s3.Bucket.fromBucketName(given, "Baselines", "team-baselines");
    const archive = s3.Bucket.fromBucketName(given, "Archive", "team-archive");
    const built = new DriftAuditor(given, "Auditor", {
      environments: ENVIRONMENTS,
      vpc,
      baselineBucket: baselines,
      archiveBucket: archive,
      code: STUB_CODE,
    });
    const t = Template.fromStack(given);

    t.resourceCountIs("AWS::S3::Bucket", 0);
    expect(built.accessLogsBucket).toBeUndefined();
    t.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          BASELINE_BUCKET: "team-baselines",
          ARCHIVE_BUCKET: "team-archive",
        }),
      },
    });
  });
});

describe("DriftAuditor topic", () => {
  it("encrypts the topic with a rotated KMS key that CloudWatch alarms may use", () => {
    const keyId = id(auditor.topic.masterKey as IConstruct);

    template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] },
    });
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
  });

  it("allows publishing over TLS only, and CloudWatch alarms of this account", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [ref(auditor.topic as sns.Topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "sns:Publish",
            Principal: "*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({
            Effect: "Allow",
            Action: "sns:Publish",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": ENV.account } },
          }),
        ]),
      },
    });
  });

  it("sends alarms to a given topic instead of creating one", () => {
    const { stack: given, vpc } = bareStack("GivenTopic");
    const topic = sns.Topic.fromTopicArn(
      given,
      "Topic",
      "arn:aws:sns:eu-west-1:123456789012:ops-alerts",
    );
    new DriftAuditor(given, "Auditor", { environments: ENVIRONMENTS, vpc, topic, code: STUB_CODE });
    const t = Template.fromStack(given);

    t.resourceCountIs("AWS::SNS::Topic", 0);
    t.resourceCountIs("AWS::KMS::Key", 0);
    const actions = Object.values(t.findResources("AWS::CloudWatch::Alarm")).map(
      (a: CfnJson) => a.Properties.AlarmActions,
    );
    expect(actions).toEqual(Array(4).fill(["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]));
  });
});

describe("DriftAuditor Lambdas", () => {
  const functions = resourcesOf(template, "AWS::Lambda::Function");
  const audit = propsOf(template, auditor.auditFunction);
  const summarize = propsOf(template, auditor.summarizeFunction);

  it("creates the audit and summarize functions on Node.js 22 or newer, arm64", () => {
    expect(functions).toHaveLength(2);
    for (const [, props] of functions) {
      const version = /^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1];
      expect(Number(version)).toBeGreaterThanOrEqual(22);
      expect(props.Architectures).toEqual(["arm64"]);
    }
  });

  it("runs the audit function in the VPC with its security group, 5 minutes at most", () => {
    expect(audit.VpcConfig).toEqual({
      SubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
      SecurityGroupIds: [{ "Fn::GetAtt": [id(auditor.securityGroup), "GroupId"] }],
    });
    expect(audit.Timeout).toBe(300);
    expect(summarize.VpcConfig).toBeUndefined();
  });

  it("gives the audit function the contract's environment variables", () => {
    expect(audit.Environment.Variables).toEqual({
      BASELINE_BUCKET: ref(auditor.baselineBucket),
      BASELINE_PREFIX: "",
      ARCHIVE_BUCKET: ref(auditor.archiveBucket),
      TOPIC_ARN: ref(auditor.topic as sns.Topic),
      PGDRIFT_DIFF_OPTIONS: JSON.stringify(DIFF_OPTIONS),
      POWERTOOLS_SERVICE_NAME: "pgdrift",
      POWERTOOLS_METRICS_NAMESPACE: "pgdrift",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("gives the summarize function the archive, the topic and Powertools settings", () => {
    expect(summarize.Environment.Variables).toEqual({
      ARCHIVE_BUCKET: ref(auditor.archiveBucket),
      TOPIC_ARN: ref(auditor.topic as sns.Topic),
      POWERTOOLS_SERVICE_NAME: "pgdrift",
      POWERTOOLS_METRICS_NAMESPACE: "pgdrift",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("takes the metrics namespace, timeout and reserved concurrency from props", () => {
    const custom = buildAuditor({
      metricsNamespace: "acme/pgdrift",
      auditTimeout: Duration.minutes(10),
      reservedConcurrency: 8,
      mapConcurrency: 8,
    });

    custom.template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 600,
      ReservedConcurrentExecutions: 8,
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: "acme/pgdrift" }),
      },
    });
  });

  it("refuses reserved concurrency below the Map's concurrency", () => {
    expect(() => buildAuditor({ reservedConcurrency: 2, mapConcurrency: 4 })).toThrow(
      new DriftAuditorPropsError(
        "reservedConcurrency",
        "2 is below mapConcurrency (4): the Map would be throttled",
      ),
    );
  });

  it("refuses diff options too large for the Lambda environment", () => {
    const ignore = Array.from({ length: 60 }, (_, i) => ({
      object: `public.legacy_table_number_${i}_*`,
      reason: "scheduled for removal in the next quarter",
    }));

    expect(() => buildAuditor({ diffOptions: { ignore } })).toThrow(
      /do not fit in the audit Lambda's environment/,
    );
  });

  it("uses execution roles without AWS-managed policies", () => {
    for (const [, role] of resourcesOf(template, "AWS::IAM::Role")) {
      expect(role.ManagedPolicyArns).toBeUndefined();
    }
  });
});

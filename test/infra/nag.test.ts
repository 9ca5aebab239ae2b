import type { Stack } from "aws-cdk-lib";
import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import { describe, expect, it } from "vitest";
import { DriftAuditor } from "../../infra/drift-auditor.ts";
import { flattenCfnValue, wildcardResourceFinding } from "../../infra/nag.ts";
import { bareStack, buildAuditor, ENVIRONMENTS, nagFindings, STUB_CODE } from "./support.ts";

/** Acknowledgements under `stack`: [construct path, finding id, reason]. */
function acknowledgements(stack: Stack): [string, string, string][] {
  return stack.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(
            ([id, reason]): [string, string, string] => [
              construct.node.path,
              id.replace(/^annotation::/i, ""),
              reason,
            ],
          ),
        ),
    );
}

/** Logical ids (name + 8 hex digits) replaced by their construct names, for stable lists. */
const stable = (id: string) => id.replace(/<([A-Za-z0-9]+?)[0-9A-F]{8}\.Arn>/g, "<$1.Arn>");

describe("cdk-nag AwsSolutions checks", () => {
  it.each<[string, () => Stack]>([
    ["the default auditor", () => buildAuditor().stack],
    ["a Distributed Map", () => buildAuditor({ distributedMapThreshold: 1 }).stack],
    [
      "IAM authentication without a resource id",
      () =>
        buildAuditor({
          environments: [{ name: "qa", host: "qa.db", database: "app", iamUser: "drift" }],
        }).stack,
    ],
    [
      "given buckets and topic",
      () => {
        const { stack, vpc } = bareStack("Given");
        new DriftAuditor(stack, "Auditor", {
          environments: ENVIRONMENTS,
          vpc,
          baselineBucket: s3.Bucket.fromBucketName(stack, "B", "team-baselines"),
          archiveBucket: s3.Bucket.fromBucketName(stack, "A", "team-archive"),
          topic: sns.Topic.fromTopicArn(stack, "T", "arn:aws:sns:eu-west-1:123456789012:ops"),
          baselinePrefix: "app/",
          code: STUB_CODE,
        });
        return stack;
      },
    ],
  ])("leaves no unacknowledged error or warning for %s", (_case, build) => {
    expect(nagFindings(build())).toEqual([]);
  });

  it("acknowledges one named finding at a time, each with its reason", () => {
    const acks = acknowledgements(buildAuditor().stack);

    expect(
      acks.map(([path, id]) => `${path.replace(/^Test\/Auditor\//, "")} ${stable(id)}`),
    ).toEqual([
      "Storage/AccessLogsBucket AwsSolutions-S1",
      "Functions/AuditRole AwsSolutions-IAM5[Resource::<AuditorStorageBaselineBucket.Arn>/baselines/*]",
      "Functions/AuditRole AwsSolutions-IAM5[Resource::<AuditorStorageArchiveBucket.Arn>/reports/*]",
      "Functions/AuditRole AwsSolutions-IAM5[Resource::<AuditorStorageArchiveBucket.Arn>/notifications/*]",
      "Functions/AuditRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "Functions/AuditRole AwsSolutions-IAM5[Resource::*]",
      "Functions/SummarizeRole AwsSolutions-IAM5[Resource::<AuditorStorageArchiveBucket.Arn>/reports/*]",
      "Functions/SummarizeRole AwsSolutions-IAM5[Resource::<AuditorStorageArchiveBucket.Arn>/notifications/*]",
      "Functions/SummarizeRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "Workflow/StateMachine/Role AwsSolutions-IAM5[Resource::*]",
      "Workflow/StateMachine/Role AwsSolutions-IAM5[Resource::<AuditorFunctionsAuditFunction.Arn>:*]",
      "Workflow/StateMachine/Role AwsSolutions-IAM5[Resource::<AuditorFunctionsSummarizeFunction.Arn>:*]",
      "Triggers/DeadLetterQueue AwsSolutions-SQS3",
    ]);
    for (const [, , reason] of acks) expect(reason.length).toBeGreaterThan(60);
  });

  it("reports a wildcard that nothing acknowledged", () => {
    const { stack } = buildAuditor();
    new iam.Role(stack, "Stray", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      inlinePolicies: {
        all: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["*"] })],
        }),
      },
    });

    expect(nagFindings(stack)).toEqual([
      { rule: "AwsSolutions-IAM5[Resource::*]", severity: "error", paths: ["Test/Stray/Resource"] },
    ]);
  });
});

describe("flattenCfnValue", () => {
  it.each<[unknown, string]>([
    ["arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"],
    [{ "Fn::GetAtt": ["Bucket1234", "Arn"] }, "<Bucket1234.Arn>"],
    [{ Ref: "AWS::Partition" }, "<AWS::Partition>"],
    [
      { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":rds-db:", "*/u"]] },
      "arn:<AWS::Partition>:rds-db:*/u",
    ],
    [{ "Fn::Sub": ["arn:", "{AWS::Partition}:logs"].join("$") }, "arn:<AWS::Partition>:logs"],
    [{ "Fn::Select": [0, ["a"]] }, '{"Fn::Select":[0,["a"]]}'],
  ])("flattens %j as cdk-nag prints it", (value, flat) => {
    expect(flattenCfnValue(value)).toBe(flat);
  });

  it("names the finding of a token resource by the resolved logical id", () => {
    const { stack } = bareStack("Ids");
    const bucket = new s3.Bucket(stack, "Reports");
    const id = stack.resolve(stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket));

    expect(wildcardResourceFinding(stack, bucket.arnForObjects("x/*"))).toBe(
      `AwsSolutions-IAM5[Resource::<${id}.Arn>/x/*]`,
    );
  });
});

import { Match, Template } from "aws-cdk-lib/assertions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { DriftAuditor } from "../../infra/drift-auditor.ts";
import { DriftAuditorPropsError } from "../../infra/errors.ts";
import {
  bareStack,
  buildAuditor,
  type CfnJson,
  ENVIRONMENTS,
  PROD_SECRET,
  refs,
  resourcesOf,
  STAGING_SECRET,
  STUB_CODE,
} from "./support.ts";

const { template, stack, auditor } = buildAuditor();
const { ref, arnOf, objectsUnder, statementsOf: policyStatements } = refs(stack);
const statementsOf = (role: IConstruct) => policyStatements(template, role);

describe("DriftAuditor IAM", () => {
  const auditStatements = statementsOf(auditor.auditFunction.role as never);
  const summarizeStatements = statementsOf(auditor.summarizeFunction.role as never);
  const byAction = (statements: CfnJson[], action: string) =>
    statements.filter((s) => [s.Action].flat().includes(action));

  it("lets the audit function read exactly the environments' secrets", () => {
    expect(byAction(auditStatements, "secretsmanager:GetSecretValue")).toEqual([
      {
        Sid: "ReadDatabaseSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [STAGING_SECRET, PROD_SECRET],
      },
    ]);
    expect(byAction(summarizeStatements, "secretsmanager:GetSecretValue")).toEqual([]);
  });

  it("matches the suffix Secrets Manager adds when a secret ARN is given without it", () => {
    const partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/qa";
    const built = buildAuditor({
      environments: [{ name: "qa", host: "qa.db", database: "app", secretArn: partial }],
    });

    built.template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "secretsmanager:GetSecretValue",
            Resource: `${partial}-??????`,
          }),
        ]),
      },
    });
  });

  it("decrypts no database secret with a KMS key unless an environment names one", () => {
    expect(auditStatements.filter((s) => s.Sid === "DecryptDatabaseSecrets")).toEqual([]);
  });

  it("lets the audit function decrypt a secret's customer-managed key, through Secrets Manager only", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const built = buildAuditor({
      environments: [
        {
          name: "qa",
          host: "qa.db",
          database: "app",
          secretArn: PROD_SECRET,
          secretKmsKeyArn: key,
        },
        {
          name: "qa2",
          host: "qa2.db",
          database: "app",
          secretArn: STAGING_SECRET,
          secretKmsKeyArn: key,
        },
        { name: "plain", host: "plain.db", database: "app", secretArn: STAGING_SECRET },
      ],
    });
    const statements = policyStatements(
      built.template,
      built.auditor.auditFunction.role as never,
    ).filter((s) => s.Sid === "DecryptDatabaseSecrets");

    expect(statements).toEqual([
      {
        Sid: "DecryptDatabaseSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: key,
        Condition: {
          StringEquals: {
            "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
          },
        },
      },
    ]);
  });

  it("refuses a secret key without a secret, or one named by alias", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(() =>
      buildAuditor({
        environments: [
          { name: "qa", host: "qa.db", database: "app", iamUser: "drift", secretKmsKeyArn: key },
        ],
      }),
    ).toThrow(
      new DriftAuditorPropsError("environments[0].secretKmsKeyArn", "only applies with secretArn"),
    );
    expect(() =>
      buildAuditor({
        environments: [
          {
            name: "qa",
            host: "qa.db",
            database: "app",
            secretArn: PROD_SECRET,
            secretKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/pgdrift",
          },
        ],
      }),
    ).toThrow(/environments\[0\]\.secretKmsKeyArn.*expected a KMS key ARN/);
  });

  it("lets IAM-auth environments connect as their user only", () => {
    const connect = byAction(auditStatements, "rds-db:connect");

    expect(connect).toHaveLength(1);
    expect(JSON.stringify(connect[0]?.Resource)).toContain(":dbuser:db-ABCDEFGHIJKL/pgdrift_ro");
  });

  it("falls back to any instance for the IAM user when no resource id is given", () => {
    const built = buildAuditor({
      environments: [{ name: "qa", host: "qa.db", database: "app", iamUser: "drift" }],
    });
    const text = JSON.stringify(built.template.findResources("AWS::IAM::Policy"));

    expect(text).toContain(":dbuser:*/drift");
    expect(text).not.toContain("secretsmanager");
  });

  it("reads baselines and writes reports and notification markers, nothing else in S3", () => {
    const s3Statements = auditStatements.filter((s) =>
      [s.Action].flat().some((a: string) => a.startsWith("s3:")),
    );

    expect(s3Statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: "s3:GetObject",
          Resource: objectsUnder(auditor.baselineBucket, "baselines/"),
        }),
        expect.objectContaining({
          Action: "s3:ListBucket",
          Resource: arnOf(auditor.baselineBucket),
          Condition: { StringLike: { "s3:prefix": ["baselines/*"] } },
        }),
        expect.objectContaining({
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: [
            objectsUnder(auditor.archiveBucket, "reports/"),
            objectsUnder(auditor.archiveBucket, "notifications/"),
          ],
        }),
        expect.objectContaining({
          Action: "s3:ListBucket",
          Resource: arnOf(auditor.archiveBucket),
          Condition: { StringLike: { "s3:prefix": ["reports/*", "notifications/*"] } },
        }),
      ]),
    );
    expect(s3Statements).toHaveLength(4);
  });

  it("reads baselines under the baseline prefix, normalized as the baseline store does", () => {
    const built = buildAuditor({ baselinePrefix: "/team/app" });
    const bucket = refs(built.stack).arnOf(built.auditor.baselineBucket);

    built.template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "s3:GetObject",
            Resource: { "Fn::Join": ["", [bucket, "/team/app/baselines/*"]] },
          }),
          Match.objectLike({
            Action: "s3:ListBucket",
            Condition: { StringLike: { "s3:prefix": ["team/app/baselines/*"] } },
          }),
        ]),
      },
    });
    built.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ BASELINE_PREFIX: "team/app/" }) },
    });
  });

  it("lets both functions publish to the topic and use its key", () => {
    for (const statements of [auditStatements, summarizeStatements]) {
      expect(byAction(statements, "sns:Publish")).toEqual([
        expect.objectContaining({ Resource: ref(auditor.topic as sns.Topic) }),
      ]);
      expect(byAction(statements, "kms:GenerateDataKey*")).toEqual([
        expect.objectContaining({ Resource: arnOf(auditor.topic.masterKey as never) }),
      ]);
    }
  });

  it("gives the summarize function the archive's reports and markers only", () => {
    const actions = summarizeStatements.flatMap((s) => [s.Action].flat()).sort();

    expect(actions).toEqual([
      "kms:Decrypt",
      "kms:GenerateDataKey*",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
      "sns:Publish",
    ]);
  });
});

describe("DriftAuditor security group", () => {
  it("creates a security group with egress to HTTPS and the databases' ports only", () => {
    const [[, group] = ["", {}]] = resourcesOf(template, "AWS::EC2::SecurityGroup");

    expect(
      group.SecurityGroupEgress.map((r: CfnJson) => [r.IpProtocol, r.FromPort, r.ToPort]),
    ).toEqual([
      ["tcp", 443, 443],
      ["tcp", 5432, 5432],
      ["tcp", 5433, 5433],
    ]);
    expect(group.SecurityGroupIngress).toBeUndefined();
  });

  it("exposes it so a database can allow the auditor in", () => {
    const { stack: other, vpc } = bareStack("Db");
    const built = new DriftAuditor(other, "Auditor", {
      environments: ENVIRONMENTS,
      vpc,
      code: STUB_CODE,
    });
    const database = new ec2.SecurityGroup(other, "Database", { vpc });

    database.connections.allowFrom(built, ec2.Port.tcp(5432), "pgdrift audits");

    Template.fromStack(other).hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      FromPort: 5432,
      SourceSecurityGroupId: {
        "Fn::GetAtt": [
          other.getLogicalId(built.securityGroup.node.defaultChild as never),
          "GroupId",
        ],
      },
    });
  });

  it("uses a given security group instead of creating one", () => {
    const { stack: other, vpc } = bareStack("GivenGroup");
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(other, "Group", "sg-0123456789");
    const built = new DriftAuditor(other, "Auditor", {
      environments: ENVIRONMENTS,
      vpc,
      securityGroup,
      code: STUB_CODE,
    });

    Template.fromStack(other).resourceCountIs("AWS::EC2::SecurityGroup", 0);
    expect(built.securityGroup.securityGroupId).toBe("sg-0123456789");
  });
});

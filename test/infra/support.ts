import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import {
  DriftAuditor,
  type DriftAuditorEnvironment,
  type DriftAuditorProps,
} from "../../infra/drift-auditor.ts";

/** Fixed account and region: ARNs in assertions stay literal where CDK can resolve them. */
export const ENV = { account: "123456789012", region: "eu-west-1" } as const;

export const STAGING_SECRET =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/staging-AbCdEf";
export const PROD_SECRET =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/prod-XyZ123";

export const ENVIRONMENTS: DriftAuditorEnvironment[] = [
  { name: "staging", host: "staging.db.internal", database: "app", secretArn: STAGING_SECRET },
  { name: "prod", host: "prod.db.internal", database: "app", secretArn: PROD_SECRET },
  {
    name: "analytics",
    host: "analytics.db.internal",
    port: 5433,
    database: "warehouse",
    iamUser: "pgdrift_ro",
    dbResourceId: "db-ABCDEFGHIJKL",
    schemas: ["public", "marts"],
  },
];

/** Prebuilt stub code: unit tests never bundle (one test in bundle.test.ts does). */
export const STUB_CODE = {
  audit: lambda.Code.fromInline("export const handler = async () => ({});"),
  summarize: lambda.Code.fromInline("export const handler = async () => ({});"),
};

export interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly auditor: DriftAuditor;
  readonly template: Template;
}

/** An empty stack with an imported one-subnet VPC, for props the default build does not cover. */
export function bareStack(id: string): { stack: Stack; vpc: ec2.IVpc } {
  const stack = new Stack(new App(), id, { env: ENV });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, "Vpc", {
    vpcId: "vpc-0fedcba9876543210",
    availabilityZones: ["eu-west-1a"],
    privateSubnetIds: ["subnet-0cccccccccccccccc"],
    privateSubnetRouteTableIds: ["rtb-0cccccccccccccccc"],
  });
  return { stack, vpc };
}

/** A stack with one DriftAuditor in an imported VPC (no lookups). */
export function buildAuditor(overrides: Partial<DriftAuditorProps> = {}): Built {
  const app = new App();
  const stack = new Stack(app, "Test", { env: ENV });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, "Vpc", {
    vpcId: "vpc-0123456789abcdef0",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    privateSubnetRouteTableIds: ["rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"],
  });
  const auditor = new DriftAuditor(stack, "Auditor", {
    environments: ENVIRONMENTS,
    vpc,
    code: STUB_CODE,
    ...overrides,
  });
  return { app, stack, auditor, template: Template.fromStack(stack) };
}

/** cdk-nag AwsSolutions findings left after acknowledgements, errors and warnings alike. */
export function nagFindings(stack: Stack): { rule: string; severity: string; paths: string[] }[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? "error",
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? "?"),
  }));
}

/** Synthesized CloudFormation JSON, walked by key in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; assertions check its shape
export type CfnJson = any;

/** Resources of one type, as [logicalId, properties]. */
export function resourcesOf(template: Template, type: string): [string, CfnJson][] {
  return Object.entries(template.findResources(type)).map(([id, r]) => [id, r.Properties ?? {}]);
}

/**
 * The state machine definition as an object: token parts of the `Fn::Join` become
 * `<LogicalId.Attr>` / `<Ref>` strings (as cdk-nag prints them) so the JSON parses.
 */
export function stateMachineDefinition(template: Template): CfnJson {
  const [[, props] = ["", {}]] = resourcesOf(template, "AWS::StepFunctions::StateMachine");
  const definition = props.DefinitionString;
  const text =
    typeof definition === "string"
      ? definition
      : (definition["Fn::Join"][1] as unknown[])
          .map((part) => {
            if (typeof part === "string") return part;
            const p = part as CfnJson;
            if (p["Fn::GetAtt"]) return `<${p["Fn::GetAtt"].join(".")}>`;
            if (p.Ref) return `<${p.Ref}>`;
            return JSON.stringify(part);
          })
          .join("");
  return JSON.parse(text);
}

/** CloudFormation references to a construct's resource in `stack`, as templates write them. */
export function refs(stack: Stack) {
  const id = (construct: IConstruct) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const arnOf = (construct: IConstruct) => ({ "Fn::GetAtt": [id(construct), "Arn"] });
  return {
    id,
    ref: (construct: IConstruct) => ({ Ref: id(construct) }),
    arnOf,
    objectsUnder: (bucket: IConstruct, prefix: string) => ({
      "Fn::Join": ["", [arnOf(bucket), `/${prefix}*`]],
    }),
    /** The properties of a construct's resource. */
    propsOf: (template: Template, construct: IConstruct): CfnJson =>
      template.toJSON().Resources[id(construct)].Properties,
    /** Every statement of every IAM policy attached to `role`. */
    statementsOf: (template: Template, role: IConstruct): CfnJson[] =>
      resourcesOf(template, "AWS::IAM::Policy")
        .filter(([, p]) => p.Roles.some((r: CfnJson) => r.Ref === id(role)))
        .flatMap(([, p]) => p.PolicyDocument.Statement),
  };
}

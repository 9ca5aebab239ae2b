import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgdriftApp, DEFAULT_CONFIG_FILE } from "../../infra/create-app.ts";
import { REPO_ROOT } from "../../infra/functions.ts";
import { STACK_OUTPUTS } from "../../infra/stack.ts";
import { type CfnJson, nagFindings } from "./support.ts";

describe("the CDK app", () => {
  let outdir: string;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), "pgdrift-cdk-"));
  });

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it("synthesizes the example config offline, cdk-nag clean", async () => {
    const exitCode = process.exitCode;
    const { app, stack, warnings } = await createPgdriftApp({
      configFile: join(REPO_ROOT, DEFAULT_CONFIG_FILE),
      outdir,
      // What `cdk synth` does for stacks it does not deploy: no esbuild run here
      // (bundle.test.ts bundles for real).
      context: { "aws:cdk:bundling-stacks": [] },
    });

    const assembly = app.synth();
    const template: CfnJson = JSON.parse(
      await readFile(join(outdir, assembly.getStackByName("Pgdrift").templateFile), "utf8"),
    );

    expect(warnings).toEqual([]);
    expect(nagFindings(stack)).toEqual([]);
    expect(process.exitCode).toBe(exitCode);
    expect(Object.keys(template.Outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    const types = Object.values(template.Resources).map((r: CfnJson) => r.Type);
    expect(types.filter((t) => t === "AWS::Lambda::Function")).toHaveLength(2);
    expect(types).toContain("AWS::StepFunctions::StateMachine");
    expect(types).toContain("AWS::Scheduler::Schedule");
    const subscription = Object.values(template.Resources).find(
      (r: CfnJson) => r.Type === "AWS::SNS::Subscription",
    ) as CfnJson;
    expect(subscription.Properties).toMatchObject({
      Protocol: "email",
      Endpoint: "dba-oncall@example.com",
    });
  });

  it("places the audit Lambda in the config's subnets and schedules in its time zone", async () => {
    const { stack } = await createPgdriftApp({
      configFile: join(REPO_ROOT, DEFAULT_CONFIG_FILE),
      context: { "aws:cdk:bundling-stacks": [] },
    });
    const template: CfnJson = Template.fromStack(stack).toJSON();
    const resources = Object.values(template.Resources) as CfnJson[];
    const vpcFunction = resources.find((r) => r.Properties?.VpcConfig);
    const schedule = resources.find((r) => r.Type === "AWS::Scheduler::Schedule");

    expect(vpcFunction.Properties.VpcConfig.SubnetIds).toEqual([
      "subnet-0123456789abcdef0",
      "subnet-0fedcba9876543210",
    ]);
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: "cron(30 2 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Paris",
    });
  });
});

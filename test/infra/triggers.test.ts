import { Duration } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import type * as sns from "aws-cdk-lib/aws-sns";
import { describe, expect, it } from "vitest";
import { buildAuditor, type CfnJson, resourcesOf } from "./support.ts";

const { template, stack, auditor } = buildAuditor({ codePipelineNames: ["shop-deploy"] });
const idOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const stateMachine = { Ref: idOf(auditor.stateMachine) };
const deadLetterArn = { "Fn::GetAtt": [idOf(auditor.deadLetterQueue), "Arn"] };

describe("nightly schedule", () => {
  const [[, schedule] = ["", {}]] = resourcesOf(template, "AWS::Scheduler::Schedule");

  it("runs at 03:00 UTC by default within a 15-minute flexible window", () => {
    expect(schedule.ScheduleExpression).toBe("cron(0 3 * * ? *)");
    expect(schedule.ScheduleExpressionTimezone).toBe("UTC");
    expect(schedule.FlexibleTimeWindow).toEqual({ Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 });
  });

  it("takes the cron fields, time zone and window from props", () => {
    const custom = buildAuditor({
      schedule: {
        cron: { minute: "30", hour: "2", weekDay: "MON-FRI" },
        timezone: "Europe/Paris",
        flexibleWindow: Duration.minutes(30),
      },
    });

    custom.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(30 2 ? * MON-FRI *)",
      ScheduleExpressionTimezone: "Europe/Paris",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 30 },
    });
  });

  it("starts the state machine as a scheduled run, with retries and a dead-letter queue", () => {
    expect(schedule.Target).toMatchObject({
      Arn: stateMachine,
      Input: JSON.stringify({ trigger: "schedule" }),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
      DeadLetterConfig: { Arn: deadLetterArn },
    });
  });
});

describe("dead-letter queue", () => {
  it("is encrypted and reachable over TLS only", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: idOf(auditor.deadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "sqs:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });
});

describe("on-demand rules", () => {
  const rules = resourcesOf(template, "AWS::Events::Rule").map(([, p]) => p);
  const rule = (source: string): CfnJson => rules.find((r) => r.EventPattern.source[0] === source);

  it("starts an audit on the pgdrift custom event, passing its detail along", () => {
    const custom = rule("pgdrift");

    expect(custom.EventPattern).toEqual({
      source: ["pgdrift"],
      "detail-type": ["Drift Audit Requested"],
    });
    expect(custom.Targets).toEqual([
      expect.objectContaining({
        Arn: stateMachine,
        InputTransformer: {
          InputPathsMap: { detail: "$.detail" },
          InputTemplate: '{"trigger":"event","request":<detail>}',
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: deadLetterArn },
      }),
    ]);
  });

  it("starts an audit after a successful execution of the given pipelines", () => {
    const pipeline = rule("aws.codepipeline");

    expect(pipeline.EventPattern).toEqual({
      source: ["aws.codepipeline"],
      "detail-type": ["CodePipeline Pipeline Execution State Change"],
      detail: { state: ["SUCCEEDED"], pipeline: ["shop-deploy"] },
    });
    expect(pipeline.Targets[0].InputTransformer.InputTemplate).toBe(
      '{"trigger":"deploy","requestedBy":"codepipeline:<detail-pipeline>:<detail-execution-id>"}',
    );
    expect(pipeline.Targets[0].Arn).toEqual(stateMachine);
  });

  it("follows every pipeline when none is named, and none when turned off", () => {
    const all = buildAuditor();
    const off = buildAuditor({ auditOnCodePipelineSuccess: false });

    all.template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.codepipeline"],
        detail: { state: ["SUCCEEDED"], pipeline: Match.absent() },
      },
    });
    off.template.resourceCountIs("AWS::Events::Rule", 1);
  });
});

describe("alarms", () => {
  const alarms = resourcesOf(template, "AWS::CloudWatch::Alarm").map(([, p]) => p);
  const topic = { Ref: idOf(auditor.topic as sns.Topic) };
  const alarm = (metricName: string): CfnJson =>
    alarms.find(
      (a) =>
        a.MetricName === metricName ||
        a.Metrics?.some((m: CfnJson) => m.MetricStat?.Metric.MetricName === metricName),
    );

  it("creates four alarms that notify the topic", () => {
    expect(alarms).toHaveLength(4);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([topic]);
      expect(a.TreatMissingData).toBe("notBreaching");
    }
  });

  it("fires on any audit Lambda error", () => {
    expect(alarm("Errors")).toMatchObject({
      Namespace: "AWS/Lambda",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: idOf(auditor.auditFunction) } }],
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("fires on a failed or timed-out execution", () => {
    const failed = alarm("ExecutionsFailed");
    const metrics = failed.Metrics.filter((m: CfnJson) => m.MetricStat);

    expect(failed.Metrics[0]).toMatchObject({ Expression: "FILL(failed, 0) + FILL(timedOut, 0)" });
    expect(metrics.map((m: CfnJson) => m.MetricStat.Metric)).toEqual([
      {
        Namespace: "AWS/States",
        MetricName: "ExecutionsFailed",
        Dimensions: [{ Name: "StateMachineArn", Value: stateMachine }],
      },
      {
        Namespace: "AWS/States",
        MetricName: "ExecutionsTimedOut",
        Dimensions: [{ Name: "StateMachineArn", Value: stateMachine }],
      },
    ]);
    expect(failed.Threshold).toBe(1);
  });

  it("fires as soon as the dead-letter queue holds a message", () => {
    expect(alarm("ApproximateNumberOfMessagesVisible")).toMatchObject({
      Namespace: "AWS/SQS",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [idOf(auditor.deadLetterQueue), "QueueName"] },
        },
      ],
      Statistic: "Maximum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
  });

  it("fires on critical drift: the Lambda's Findings metric for severity critical", () => {
    const critical = alarm("Findings");

    expect(critical).toMatchObject({
      Namespace: "pgdrift",
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Dimensions: [
        { Name: "service", Value: "pgdrift" },
        { Name: "severity", Value: "critical" },
      ],
    });
  });

  it("watches the metric name and dimensions given in props, in the namespace given", () => {
    const custom = buildAuditor({
      metricsNamespace: "acme",
      criticalFindingsMetric: {
        metricName: "Findings",
        dimensions: { service: "pgdrift", severity: "critical" },
      },
    });

    custom.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "acme",
      MetricName: "Findings",
      Dimensions: [
        { Name: "service", Value: "pgdrift" },
        { Name: "severity", Value: "critical" },
      ],
    });
  });
});

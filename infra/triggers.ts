import { Duration, TimeZone } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as eventTargets from "aws-cdk-lib/aws-events-targets";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { acknowledgeRule } from "./nag.ts";

/** The custom event that asks for an on-demand audit (`detail.environments` optional). */
export const AUDIT_REQUEST_EVENT = { source: "pgdrift", detailType: "Drift Audit Requested" };

/** Nightly audit schedule: an EventBridge Scheduler cron expression in a time zone. */
export interface DriftAuditorSchedule {
  readonly cron: { readonly minute: string; readonly hour: string; readonly weekDay?: string };
  /** IANA time zone, like `Europe/Paris`; the cron follows its daylight-saving changes. */
  readonly timezone: string;
  /** How late Scheduler may start the run, to spread load. Default: 15 minutes. */
  readonly flexibleWindow?: Duration;
}

export interface AuditTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly schedule: DriftAuditorSchedule;
  /** Start an audit after each successful CodePipeline execution. */
  readonly onCodePipelineSuccess: boolean;
  /** Only these pipelines; undefined: every pipeline in the account and region. */
  readonly codePipelineNames: readonly string[] | undefined;
}

/** How often and for how long a failed start is retried before the event goes to the DLQ. */
const TARGET_RETRY = { retryAttempts: 3, maxEventAge: Duration.hours(2) };

/**
 * What starts the state machine: the nightly Scheduler schedule, the on-demand custom event
 * and (optionally) successful CodePipeline executions. A start that still fails after its
 * retries lands in one dead-letter queue.
 */
export class AuditTriggers extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: scheduler.Schedule;
  readonly auditRequestRule: events.Rule;
  readonly codePipelineRule: events.Rule | undefined;

  constructor(scope: Construct, id: string, props: AuditTriggersProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeRule(
      this.deadLetterQueue,
      "AwsSolutions-SQS3",
      "This queue is itself the dead-letter queue of the Scheduler schedule and the EventBridge rule targets",
    );

    const { cron, timezone } = props.schedule;
    this.schedule = new scheduler.Schedule(this, "NightlyAudit", {
      description: "pgdrift: nightly schema-drift audit of every environment",
      schedule: scheduler.ScheduleExpression.cron({
        minute: cron.minute,
        hour: cron.hour,
        ...(cron.weekDay === undefined ? {} : { weekDay: cron.weekDay }),
        timeZone: TimeZone.of(timezone),
      }),
      timeWindow: scheduler.TimeWindow.flexible(
        props.schedule.flexibleWindow ?? Duration.minutes(15),
      ),
      target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: "schedule" }),
        deadLetterQueue: this.deadLetterQueue,
        ...TARGET_RETRY,
      }),
    });

    this.auditRequestRule = new events.Rule(this, "AuditRequested", {
      description: "pgdrift: on-demand audit (custom event, detail.environments optional)",
      eventPattern: {
        source: [AUDIT_REQUEST_EVENT.source],
        detailType: [AUDIT_REQUEST_EVENT.detailType],
      },
    });
    this.auditRequestRule.addTarget(
      new eventTargets.SfnStateMachine(props.stateMachine, {
        // The whole detail (always present) rather than its optional fields, so that an
        // event without `environments` or `requestedBy` still makes valid input; the state
        // machine reads both from `request`.
        input: events.RuleTargetInput.fromObject({
          trigger: "event",
          request: events.EventField.fromPath("$.detail"),
        }),
        deadLetterQueue: this.deadLetterQueue,
        ...TARGET_RETRY,
      }),
    );

    if (props.onCodePipelineSuccess) {
      const names = props.codePipelineNames;
      this.codePipelineRule = new events.Rule(this, "PipelineSucceeded", {
        description: "pgdrift: audit after a successful CodePipeline execution (a deploy)",
        eventPattern: {
          source: ["aws.codepipeline"],
          detailType: ["CodePipeline Pipeline Execution State Change"],
          detail: {
            state: ["SUCCEEDED"],
            ...(names === undefined ? {} : { pipeline: [...names] }),
          },
        },
      });
      this.codePipelineRule.addTarget(
        new eventTargets.SfnStateMachine(props.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            trigger: "deploy",
            requestedBy: `codepipeline:${events.EventField.fromPath("$.detail.pipeline")}:${events.EventField.fromPath("$.detail.execution-id")}`,
          }),
          deadLetterQueue: this.deadLetterQueue,
          ...TARGET_RETRY,
        }),
      );
    }
  }
}

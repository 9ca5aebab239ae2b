import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

/** The default metric of the critical-drift alarm: critical findings of one audit (a count). */
/**
 * What the audit Lambda emits for each audit (shared/aws/metrics.ts): `Findings` per severity,
 * with Powertools' `service` dimension. The critical-drift alarm watches its critical series.
 */
export const CRITICAL_FINDINGS_METRIC = "Findings";
export const CRITICAL_FINDINGS_DIMENSIONS: Readonly<Record<string, string>> = {
  service: "pgdrift",
  severity: "critical",
};

export interface AuditAlarmsProps {
  readonly auditFunction: lambda.IFunction;
  readonly stateMachine: sfn.IStateMachine;
  readonly deadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
  readonly metricsNamespace: string;
  readonly criticalFindingsMetricName: string;
  /** Dimensions of the critical-findings metric, exactly as the Lambda emits them. */
  readonly criticalFindingsDimensions: Readonly<Record<string, string>>;
}

const PERIOD = Duration.minutes(5);

/** Alarms that publish to the topic: audit errors, failed runs, stuck triggers, critical drift. */
export class AuditAlarms extends Construct {
  readonly auditErrors: cloudwatch.Alarm;
  readonly failedExecutions: cloudwatch.Alarm;
  readonly deadLetters: cloudwatch.Alarm;
  readonly criticalDrift: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AuditAlarmsProps) {
    super(scope, id);

    this.auditErrors = new cloudwatch.Alarm(this, "AuditErrors", {
      alarmDescription:
        "pgdrift: the audit Lambda failed (an environment could not be audited); see its logs and the run report",
      metric: props.auditFunction.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failedExecutions = new cloudwatch.Alarm(this, "FailedExecutions", {
      alarmDescription:
        "pgdrift: an audit run failed or timed out before its summary; see the state machine execution",
      metric: new cloudwatch.MathExpression({
        label: "failed or timed-out executions",
        expression: "FILL(failed, 0) + FILL(timedOut, 0)",
        usingMetrics: {
          failed: props.stateMachine.metricFailed({ period: PERIOD, statistic: "Sum" }),
          timedOut: props.stateMachine.metricTimedOut({ period: PERIOD, statistic: "Sum" }),
        },
        period: PERIOD,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deadLetters = new cloudwatch.Alarm(this, "DeadLetters", {
      alarmDescription:
        "pgdrift: a scheduled or on-demand audit could not be started; its event is in the dead-letter queue",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.criticalDrift = new cloudwatch.Alarm(this, "CriticalDrift", {
      alarmDescription:
        "pgdrift: critical schema drift found (queries or data integrity can break); see the drift notification and the archived report",
      metric: new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: props.criticalFindingsMetricName,
        dimensionsMap: { ...props.criticalFindingsDimensions },
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const notify = new actions.SnsAction(props.topic);
    for (const alarm of [
      this.auditErrors,
      this.failedExecutions,
      this.deadLetters,
      this.criticalDrift,
    ]) {
      alarm.addAlarmAction(notify);
    }
  }
}

import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { AuditTarget } from "./functions.ts";
import { acknowledgeGeneratedPolicyWildcards, acknowledgeWildcardResource } from "./nag.ts";

/**
 * Above this many environments the Map runs as a Distributed Map. An inline Map runs every
 * iteration inside the parent execution: at most 40 iterations at once, and each one adds
 * about ten events (more with retries) to a history capped at 25,000 events. A Distributed
 * Map gives each environment a child execution with its own history, and concurrency up to
 * 10,000.
 *
 * Both paths still pass data inline, under Step Functions' 256 KiB payload limit: Prepare's
 * output holds every target (about 250 bytes each) and the Map's output every result (about
 * 300 bytes; a caught failure keeps at most CAUSE_MAX_CHARS of its cause). That allows some
 * 400 environments even if all of them fail; beyond that, the items would come from S3
 * (ItemReader) and the results go to S3 (ResultWriter), which summarize does not read today.
 */
export const DISTRIBUTED_MAP_THRESHOLD = 40;

/** Lambda errors worth retrying: throttling and service-side faults, not the handler's own. */
export const TRANSIENT_LAMBDA_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/**
 * Error raised when the execution input names an environment the stack does not audit: a run
 * never audits fewer environments than were asked for without saying so.
 */
export const NO_MATCHING_ENVIRONMENT = "pgdrift.NoMatchingEnvironment";

/** How much of the input's unknown names the failure's cause quotes (a cause holds 32 KiB). */
export const UNKNOWN_NAMES_MAX_CHARS = 2000;

/** How much of an error's cause an item result keeps (the Map's output must stay small). */
export const CAUSE_MAX_CHARS = 600;

export interface AuditWorkflowProps {
  /** One entry per environment: the Map's items, in this order. */
  readonly targets: readonly { readonly environment: string; readonly target: AuditTarget }[];
  readonly auditFunction: lambda.IFunction;
  readonly summarizeFunction: lambda.IFunction;
  readonly mapConcurrency: number;
  readonly distributed: boolean;
  readonly auditTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The state machine (JSONata): Prepare picks the environments to audit, a Map invokes the
 * audit Lambda once per environment (retries on transient Lambda errors, a catch per item),
 * then Summarize writes the run report.
 *
 * Execution input: `{ trigger?, requestedBy?, environments? }`. Output: the summarize result.
 */
export class AuditWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditWorkflowProps) {
    super(scope, id);

    const prepare = sfn.Pass.jsonata(this, "Prepare", {
      comment: "Run id, trigger and the configured environments, filtered by the input's list",
      outputs: `{% ${prepareExpression(props.targets)} %}`,
    });

    const noMatch = sfn.Fail.jsonata(this, "NoMatchingEnvironment", {
      comment: "The input named an environment this stack does not audit",
      error: NO_MATCHING_ENVIRONMENT,
      cause: `{% ${unknownEnvironmentCause(props.targets.map((t) => t.environment))} %}`,
    });

    const audit = tasks.LambdaInvoke.jsonata(this, "AuditEnvironment", {
      comment: "Audit one environment: snapshot, diff, archive the report, notify",
      lambdaFunction: props.auditFunction,
      payload: sfn.TaskInput.fromText("{% $states.input %}"),
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(props.auditTimeout.plus(Duration.seconds(30))),
      outputs: "{% $states.result.Payload %}",
    });
    audit.addRetry(transientRetry());
    audit.addCatch(
      sfn.Pass.jsonata(this, "RecordAuditError", {
        comment: "The environment could not be audited: reported as an error, never as clean",
      }),
      {
        errors: [sfn.Errors.ALL],
        outputs: `{% ${catchExpression()} %}`,
      },
    );

    const map = this.createMap(props);
    map.itemProcessor(audit);

    const summarize = tasks.LambdaInvoke.jsonata(this, "Summarize", {
      comment: "Write the run report across environments and publish the run summary",
      lambdaFunction: props.summarizeFunction,
      payload: sfn.TaskInput.fromText("{% $states.input %}"),
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(props.auditTimeout.plus(Duration.seconds(30))),
      outputs: "{% $states.result.Payload %}",
    });
    summarize.addRetry(transientRetry());

    const definition = prepare.next(
      new sfn.Choice(this, "AnyEnvironment", {
        comment: "Stop when the input names an environment that is not configured",
        queryLanguage: sfn.QueryLanguage.JSONATA,
      })
        .when(sfn.Condition.jsonata(`{% ${unknownEnvironmentCondition()} %}`), noMatch)
        .otherwise(map.next(summarize)),
    );

    this.logGroup = new logs.LogGroup(this, "Logs", {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's
      // CloudWatch Logs resource policy with one entry per log group.
      logGroupName: `/aws/vendedlogs/states/${this.node.addr}-pgdrift`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const rounds = Math.ceil(props.targets.length / props.mapConcurrency);
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      comment: "pgdrift: audit every environment for schema drift, then summarize the run",
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      // Rounds of audits (each up to the Lambda timeout plus retries), then the summary.
      timeout: Duration.minutes(Math.max(60, rounds * (props.auditTimeout.toMinutes() + 5) + 15)),
    });

    const role = this.stateMachine.role;
    acknowledgeWildcardResource(
      role,
      "*",
      "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery (logs:CreateLogDelivery, DescribeLogGroups, …) have no resource-level permissions; CDK adds both for tracingEnabled and logs",
    );
    for (const fn of [props.auditFunction, props.summarizeFunction]) {
      acknowledgeWildcardResource(
        role,
        `${fn.functionArn}:*`,
        "lambda:InvokeFunction on the function's versions and aliases, added by the LambdaInvoke task next to the function itself",
      );
    }
    const childExecutions = this.stateMachine.node.tryFindChild("DistributedMapPolicy");
    if (childExecutions instanceof iam.Policy) {
      acknowledgeGeneratedPolicyWildcards(
        childExecutions,
        "Distributed Map: CDK lets the state machine describe, stop and redrive its own child executions, whose names are only known at run time (execution:NAME:* and execution:NAME/AuditEnvironments:*)",
      );
    }
  }

  private createMap(props: AuditWorkflowProps): sfn.Map | sfn.DistributedMap {
    const common = {
      comment: "One audit per environment; a failing database never stops the others",
      items: sfn.ProvideItems.jsonata("{% $states.input.targets %}"),
      jsonataItemSelector: `{% ${itemSelectorExpression()} %}`,
      maxConcurrency: props.mapConcurrency,
      outputs: `{% ${mapOutputExpression()} %}`,
    };
    if (props.distributed) {
      return sfn.DistributedMap.jsonata(this, "AuditEnvironments", {
        ...common,
        label: "AuditEnvironments",
        // Standard child executions: an audit may run up to the Lambda's 15 minutes, longer
        // than an Express execution may.
        mapExecutionType: sfn.StateMachineType.STANDARD,
      });
    }
    return sfn.Map.jsonata(this, "AuditEnvironments", common);
  }
}

function transientRetry(): sfn.RetryProps {
  return {
    errors: TRANSIENT_LAMBDA_ERRORS,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  };
}

/**
 * Prepare's output: `{ runId, trigger, requestedBy?, startedAt, requested?, unknown?, targets }`.
 * The configured environments are a JSON literal in the definition; a non-empty `environments`
 * list keeps only those, and its names that are not configured are listed in `unknown` (as
 * strings, once each), which fails the run. `environments` and `requestedBy` come from the
 * input, or from its `request` object (the custom event's `detail`, passed whole by the
 * EventBridge rule so that absent fields never break the rule's input template). `[…]` keeps a
 * one-item result a list.
 */
export function prepareExpression(targets: AuditWorkflowProps["targets"]): string {
  const literal = JSON.stringify(targets);
  if (literal.includes("%}")) {
    throw new Error("an environment's settings contain '%}', which cannot appear in JSONata");
  }
  return [
    "(",
    "$in := $states.input;",
    '$request := $type($in.request) = "object" ? $in.request : {};',
    "$environments := $exists($in.environments) ? $in.environments : $request.environments;",
    "$requestedBy := $exists($in.requestedBy) ? $in.requestedBy : $request.requestedBy;",
    '$requested := $type($environments) = "array" and $count($environments) > 0 ? $environments;',
    `$configured := ${literal};`,
    "$names := [$configured.environment];",
    "$unknown := [$distinct([$map([$filter($requested, function($r) { $not($r in $names) })], function($r) { $string($r) })])];",
    "{",
    '"runId": $states.context.Execution.Name,',
    '"trigger": $type($in.trigger) = "string" and $length($in.trigger) > 0 ? $in.trigger : "manual",',
    '"requestedBy": $type($requestedBy) = "string" and $length($requestedBy) > 0 ? $requestedBy,',
    '"startedAt": $states.context.Execution.StartTime,',
    '"requested": $requested,',
    '"unknown": $count($unknown) > 0 ? $unknown,',
    '"targets": [$filter($configured, function($t) { $not($exists($requested)) or $t.environment in $requested })]',
    "}",
    ")",
  ].join(" ");
}

/**
 * The Choice rule that fails the run: an unknown name was requested, or (which Prepare never
 * yields otherwise) nothing is left to audit.
 */
export function unknownEnvironmentCondition(): string {
  return "$count($states.input.unknown) > 0 or $count($states.input.targets) = 0";
}

/** The failure's cause: the unknown names (cut to UNKNOWN_NAMES_MAX_CHARS) and the configured. */
export function unknownEnvironmentCause(configured: readonly string[]): string {
  const names = JSON.stringify(configured.join(", "));
  return [
    '"environments not configured here: "',
    `& $substring($join($states.input.unknown, ", "), 0, ${UNKNOWN_NAMES_MAX_CHARS})`,
    `& " (configured: " & ${names} & ")"`,
  ].join(" ");
}

/** The audit Lambda's event: `{ environment, runId, trigger, requestedBy?, target }`. */
export function itemSelectorExpression(): string {
  return [
    "{",
    '"environment": $states.context.Map.Item.Value.environment,',
    '"runId": $states.input.runId,',
    '"trigger": $states.input.trigger,',
    '"requestedBy": $states.input.requestedBy,',
    '"target": $states.context.Map.Item.Value.target',
    "}",
  ].join(" ");
}

/** A failed invocation becomes `{ environment, status: "error", error: { Error, Cause } }`. */
export function catchExpression(): string {
  return [
    "{",
    '"environment": $states.input.environment,',
    '"status": "error",',
    '"error": {',
    '"Error": $states.errorOutput.Error,',
    `"Cause": $type($states.errorOutput.Cause) = "string" ? $substring($states.errorOutput.Cause, 0, ${CAUSE_MAX_CHARS}) : ""`,
    "}",
    "}",
  ].join(" ");
}

/** The summarize Lambda's event: `{ runId, trigger, requestedBy?, startedAt, results }`. */
export function mapOutputExpression(): string {
  return [
    "{",
    '"runId": $states.input.runId,',
    '"trigger": $states.input.trigger,',
    '"requestedBy": $states.input.requestedBy,',
    '"startedAt": $states.input.startedAt,',
    '"results": $states.result',
    "}",
  ].join(" ");
}

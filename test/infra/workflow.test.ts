import { Fn, Token } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { describe, expect, it } from "vitest";
import {
  auditTargets,
  DriftAuditor,
  type DriftAuditorEnvironment,
} from "../../infra/drift-auditor.ts";
import { DriftAuditorPropsError } from "../../infra/errors.ts";
import {
  CAUSE_MAX_CHARS,
  catchExpression,
  DISTRIBUTED_MAP_THRESHOLD,
  itemSelectorExpression,
  mapOutputExpression,
  NO_MATCHING_ENVIRONMENT,
  prepareExpression,
  TRANSIENT_LAMBDA_ERRORS,
  UNKNOWN_NAMES_MAX_CHARS,
  unknownEnvironmentCause,
  unknownEnvironmentCondition,
} from "../../infra/workflow.ts";
import { AuditTargetSchema } from "../../shared/aws/events.ts";
import {
  bareStack,
  buildAuditor,
  type CfnJson,
  ENVIRONMENTS,
  resourcesOf,
  STUB_CODE,
  stateMachineDefinition,
} from "./support.ts";

const built = buildAuditor();
const definition = stateMachineDefinition(built.template);
const map = definition.States.AuditEnvironments;
const audit = map.ItemProcessor.States.AuditEnvironment;
const fnArn = (fn: { node: { defaultChild?: unknown } }) =>
  `<${built.stack.getLogicalId(fn.node.defaultChild as never)}.Arn>`;

/** The environments the Prepare state embeds (the JSON literal bound to `$configured`). */
function embeddedTargets(def: CfnJson): unknown {
  const match = /\$configured := (\[.*\]); \$names := /.exec(def.States.Prepare.Output);
  return JSON.parse(match?.[1] ?? "null");
}

function manyEnvironments(count: number): DriftAuditorEnvironment[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `tenant-${i}`,
    host: `tenant-${i}.db.internal`,
    database: "app",
    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgdrift/tenant-${i}-AbCdEf`,
  }));
}

describe("audit state machine", () => {
  it("uses JSONata, X-Ray tracing and logs every event to its log group", () => {
    const [[, props] = ["", {}]] = resourcesOf(built.template, "AWS::StepFunctions::StateMachine");
    const logGroupId = built.stack.getLogicalId(
      built.auditor.node.findChild("Workflow").node.findChild("Logs").node.defaultChild as never,
    );

    expect(definition.QueryLanguage).toBe("JSONata");
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    expect(props.LoggingConfiguration).toEqual({
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { "Fn::GetAtt": [logGroupId, "Arn"] } } },
      ],
      IncludeExecutionData: true,
      Level: "ALL",
    });
  });

  it("prepares, maps the audits, then summarizes", () => {
    expect(definition.StartAt).toBe("Prepare");
    expect(definition.States.Prepare.Next).toBe("AnyEnvironment");
    expect(definition.States.AnyEnvironment.Default).toBe("AuditEnvironments");
    expect(map.Next).toBe("Summarize");
    expect(definition.States.Summarize.End).toBe(true);
    expect(definition.States.Summarize.Arguments).toEqual({
      FunctionName: fnArn(built.auditor.summarizeFunction),
      Payload: "{% $states.input %}",
    });
  });

  it("embeds the configured environments as the audit Lambda's targets", () => {
    expect(embeddedTargets(definition)).toEqual([
      {
        environment: "staging",
        target: {
          host: "staging.db.internal",
          port: 5432,
          database: "app",
          secretArn: ENVIRONMENTS[0]?.secretArn,
        },
      },
      {
        environment: "prod",
        target: {
          host: "prod.db.internal",
          port: 5432,
          database: "app",
          secretArn: ENVIRONMENTS[1]?.secretArn,
        },
      },
      {
        environment: "analytics",
        target: {
          host: "analytics.db.internal",
          port: 5433,
          database: "warehouse",
          user: "pgdrift_ro",
          iamAuth: true,
          schemas: ["public", "marts"],
        },
      },
    ]);
  });

  it("gives targets the audit Lambda's event schema accepts", () => {
    for (const { target } of auditTargets(ENVIRONMENTS)) {
      expect(AuditTargetSchema.safeParse(target).success).toBe(true);
    }
  });

  it("filters the environments by the input's list", () => {
    const prepare: string = definition.States.Prepare.Output;

    expect(prepare).toMatch(/^\{% .* %\}$/s);
    expect(prepare).toBe(`{% ${prepareExpression(auditTargets(ENVIRONMENTS))} %}`);
    expect(prepare).toContain('"runId": $states.context.Execution.Name');
    expect(prepare).toContain("$names := [$configured.environment];");
    expect(prepare).toContain(
      '"targets": [$filter($configured, function($t) { $not($exists($requested)) or $t.environment in $requested })]',
    );
  });

  it("lists every requested name that is not configured, once each and as text", () => {
    const prepare: string = definition.States.Prepare.Output;

    expect(prepare).toContain(
      "$unknown := [$distinct([$map([$filter($requested, function($r) { $not($r in $names) })], function($r) { $string($r) })])];",
    );
    // Only present when there is one: a clean request's output is as before.
    expect(prepare).toContain('"unknown": $count($unknown) > 0 ? $unknown,');
  });

  it("fails the run when any requested environment is not configured, naming it", () => {
    expect(definition.States.AnyEnvironment.Choices).toEqual([
      {
        Condition: "{% $count($states.input.unknown) > 0 or $count($states.input.targets) = 0 %}",
        Next: "NoMatchingEnvironment",
      },
    ]);
    expect(definition.States.AnyEnvironment.Choices[0].Condition).toBe(
      `{% ${unknownEnvironmentCondition()} %}`,
    );
    expect(definition.States.AnyEnvironment.Default).toBe("AuditEnvironments");
    expect(definition.States.NoMatchingEnvironment).toEqual({
      Type: "Fail",
      Comment: "The input named an environment this stack does not audit",
      Error: NO_MATCHING_ENVIRONMENT,
      Cause: `{% "environments not configured here: " & $substring($join($states.input.unknown, ", "), 0, ${UNKNOWN_NAMES_MAX_CHARS}) & " (configured: " & "staging, prod, analytics" & ")" %}`,
    });
    expect(NO_MATCHING_ENVIRONMENT).toBe("pgdrift.NoMatchingEnvironment");
  });

  it("quotes the configured names as a JSONata string literal in the cause", () => {
    expect(unknownEnvironmentCause(["a", "b.c"])).toContain('& "a, b.c" &');
    expect(unknownEnvironmentCause(["only"])).toContain('& "only" &');
  });

  it("runs an inline Map with bounded concurrency (4 by default)", () => {
    expect(map).toMatchObject({
      Type: "Map",
      MaxConcurrency: 4,
      Items: "{% $states.input.targets %}",
      ItemSelector: `{% ${itemSelectorExpression()} %}`,
      Output: `{% ${mapOutputExpression()} %}`,
      ItemProcessor: { ProcessorConfig: { Mode: "INLINE" } },
    });
  });

  it("takes the Map's concurrency from props", () => {
    const custom = stateMachineDefinition(buildAuditor({ mapConcurrency: 9 }).template);

    expect(custom.States.AuditEnvironments.MaxConcurrency).toBe(9);
  });

  it("invokes the audit Lambda with the item and keeps its payload", () => {
    expect(audit).toMatchObject({
      Type: "Task",
      Resource: "arn:<AWS::Partition>:states:::lambda:invoke",
      Arguments: {
        FunctionName: fnArn(built.auditor.auditFunction),
        Payload: "{% $states.input %}",
      },
      Output: "{% $states.result.Payload %}",
      TimeoutSeconds: 330,
    });
  });

  it("retries transient Lambda errors with exponential backoff and full jitter", () => {
    const retry = {
      ErrorEquals: TRANSIENT_LAMBDA_ERRORS,
      IntervalSeconds: 2,
      BackoffRate: 2,
      MaxAttempts: 6,
      MaxDelaySeconds: 60,
      JitterStrategy: "FULL",
    };

    expect(TRANSIENT_LAMBDA_ERRORS).toEqual([
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
    ]);
    expect(audit.Retry).toEqual([retry]);
    expect(definition.States.Summarize.Retry).toEqual([retry]);
  });

  it("catches every error of an item and records it as that environment's error", () => {
    expect(audit.Catch).toEqual([
      {
        ErrorEquals: ["States.ALL"],
        Next: "RecordAuditError",
        Output: `{% ${catchExpression()} %}`,
      },
    ]);
    expect(catchExpression()).toContain('"status": "error"');
    expect(catchExpression()).toContain('"Error": $states.errorOutput.Error');
    // The Map's output must stay under 256 KiB: long causes (stack traces) are cut.
    expect(catchExpression()).toContain(
      `$substring($states.errorOutput.Cause, 0, ${CAUSE_MAX_CHARS})`,
    );
    expect(map.ItemProcessor.States.RecordAuditError).toMatchObject({ Type: "Pass", End: true });
  });

  it("stops a run that outlasts its rounds of audits", () => {
    expect(definition.TimeoutSeconds).toBe(3600);
    const many = stateMachineDefinition(
      buildAuditor({ environments: manyEnvironments(40), mapConcurrency: 2 }).template,
    );
    // 20 rounds of (5 min + 5 min of retries), then 15 minutes for the summary.
    expect(many.TimeoutSeconds).toBe((20 * 10 + 15) * 60);
  });
});

describe("audit state machine above the Distributed Map threshold", () => {
  it(`stays inline up to ${DISTRIBUTED_MAP_THRESHOLD} environments`, () => {
    const atThreshold = buildAuditor({ environments: manyEnvironments(DISTRIBUTED_MAP_THRESHOLD) });

    expect(atThreshold.auditor.distributedMap).toBe(false);
    expect(
      stateMachineDefinition(atThreshold.template).States.AuditEnvironments.ItemProcessor
        .ProcessorConfig,
    ).toEqual({ Mode: "INLINE" });
  });

  it("runs a Distributed Map of standard child executions above it, same items and catch", () => {
    const above = buildAuditor({ environments: manyEnvironments(DISTRIBUTED_MAP_THRESHOLD + 1) });
    const distributed = stateMachineDefinition(above.template).States.AuditEnvironments;

    expect(above.auditor.distributedMap).toBe(true);
    expect(distributed).toMatchObject({
      Type: "Map",
      MaxConcurrency: 4,
      Label: "AuditEnvironments",
      Items: "{% $states.input.targets %}",
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" } },
    });
    expect(distributed.ItemProcessor.States.AuditEnvironment.Catch).toEqual(audit.Catch);
    expect(distributed.ItemProcessor.States.AuditEnvironment.Retry).toEqual(audit.Retry);
  });

  it("follows a lower threshold given in props", () => {
    expect(buildAuditor({ distributedMapThreshold: 2 }).auditor.distributedMap).toBe(true);
  });
});

describe("auditTargets", () => {
  it.each<[string, DriftAuditorEnvironment[], DriftAuditorPropsError]>([
    [
      "no environment",
      [],
      new DriftAuditorPropsError("environments", "expected at least one environment"),
    ],
    [
      "a duplicate name",
      [
        { name: "a", host: "h", database: "d", iamUser: "u" },
        { name: "a", host: "h2", database: "d", iamUser: "u" },
      ],
      new DriftAuditorPropsError("environments[1].name", 'duplicate environment name "a"'),
    ],
    [
      "both a secret and an IAM user",
      [{ name: "a", host: "h", database: "d", iamUser: "u", secretArn: "arn:x" }],
      new DriftAuditorPropsError(
        "environments[0]",
        'environment "a" needs exactly one of secretArn or iamUser',
      ),
    ],
    [
      "a name with a slash",
      [{ name: "a/b", host: "h", database: "d", iamUser: "u" }],
      new DriftAuditorPropsError(
        "environments[0].name",
        `expected 1 to 64 letters, digits, '.', '_' or '-', got "a/b"`,
      ),
    ],
    [
      "a port out of range",
      [{ name: "a", host: "h", port: 70000, database: "d", iamUser: "u" }],
      new DriftAuditorPropsError("environments[0].port", "expected a TCP port, got 70000"),
    ],
    [
      "a pin that is not a digest",
      [{ name: "a", host: "h", database: "d", iamUser: "u", baselinePin: "latest" }],
      new DriftAuditorPropsError(
        "environments[0].baselinePin",
        'expected a baseline digest, sha256:<64 hexadecimal digits>, got "latest"',
      ),
    ],
  ])("refuses %s", (_case, environments, error) => {
    expect(() => auditTargets(environments)).toThrow(error);
  });
});

describe("environments that reference resources of the same app", () => {
  it("passes a host token and a secret's ARN into the definition and the policy", () => {
    const { stack, vpc } = bareStack("SameApp");
    const secret = new secretsmanager.Secret(stack, "DbSecret");
    new DriftAuditor(stack, "Auditor", {
      environments: [
        {
          name: "shop",
          host: Fn.importValue("shop-db-host"),
          database: "shop",
          secretArn: secret.secretArn,
        },
      ],
      vpc,
      code: STUB_CODE,
    });
    const template = Template.fromStack(stack);
    const secretRef = { Ref: stack.getLogicalId(secret.node.defaultChild as never) };

    expect(JSON.stringify(resourcesOf(template, "AWS::StepFunctions::StateMachine"))).toContain(
      '{"Fn::ImportValue":"shop-db-host"}',
    );
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: "secretsmanager:GetSecretValue", Resource: secretRef }),
        ]),
      },
    });
  });

  it("refuses a port token: the definition needs a number", () => {
    expect(() =>
      auditTargets([
        {
          name: "a",
          host: "h",
          port: Token.asNumber(Fn.importValue("port")),
          database: "d",
          iamUser: "u",
        },
      ]),
    ).toThrow(
      "environments[0].port: expected a port number known at synth time (like 5432), not a token",
    );
  });
});

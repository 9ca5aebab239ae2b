import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { runInvoke } from "../../cli/commands/invoke.ts";
import { CliError } from "../../cli/errors.ts";

const ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:PgdriftAudit";
const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:PgdriftAudit:5f0c9a";
const REPORT_KEY = "reports/run/date=2025-06-01/5f0c9a.json";

function execution(
  status: DescribeExecutionOutput["status"],
  fields: Partial<DescribeExecutionOutput> = {},
): DescribeExecutionOutput {
  return {
    executionArn: EXECUTION,
    stateMachineArn: ARN,
    status,
    startDate: new Date("2025-06-01T12:00:00Z"),
    $metadata: {},
    ...fields,
  } as DescribeExecutionOutput;
}

function succeeded(output: unknown): DescribeExecutionOutput {
  return execution("SUCCEEDED", { output: JSON.stringify(output) });
}

const DRIFT = {
  runId: "5f0c9a",
  status: "drift",
  worst: "medium",
  environments: [
    { name: "staging", status: "drift" },
    { name: "production", status: "clean" },
  ],
  reportKey: REPORT_KEY,
};

describe("pgdrift invoke", () => {
  const sfn = mockClient(SFNClient);
  const cfn = mockClient(CloudFormationClient);
  let logged: string[];
  let stdout: string;
  let now: number;
  let sleeps: number[];

  beforeEach(() => {
    sfn.reset();
    cfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    logged = [];
    stdout = "";
    now = 0;
    sleeps = [];
  });

  const invoke = (...args: string[]) =>
    runInvoke(args, (line) => logged.push(line), {
      sfn: new SFNClient({ region: "eu-west-1" }),
      cfn: new CloudFormationClient({ region: "eu-west-1" }),
      stdout: (text) => {
        stdout += text;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      clock: () => now,
      requester: () => "alice@laptop",
    });

  async function failure(run: Promise<number>): Promise<string> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).not.toContain("\n");
    return (error as CliError).message;
  }

  function startInput(): unknown {
    const call = sfn.commandCalls(StartExecutionCommand)[0];
    return JSON.parse(call?.args[0].input.input ?? "null");
  }

  describe("starting a run", () => {
    it("starts the state machine with the on-demand input and prints the execution ARN", async () => {
      const code = await invoke(
        "--state-machine",
        ARN,
        "--env",
        "staging",
        "--env",
        "production",
        "--env",
        "staging",
        "--requested-by",
        "ci:deploy#42",
      );

      expect(code).toBe(0);
      expect(stdout).toBe(`${EXECUTION}\n`);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
      expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(ARN);
      expect(startInput()).toEqual({
        trigger: "on-demand",
        requestedBy: "ci:deploy#42",
        environments: ["staging", "production"],
      });
      expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
      expect(logged).toEqual([`started an audit of staging, production: ${EXECUTION}`]);
    });

    it("leaves environments out when none are given, and says who asked", async () => {
      await invoke("--state-machine", ARN);
      expect(startInput()).toEqual({ trigger: "on-demand", requestedBy: "alice@laptop" });
    });

    it("finds the state machine in the stack's StateMachineArn output", async () => {
      cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: "Pgdrift",
            StackStatus: "UPDATE_COMPLETE",
            CreationTime: new Date(),
            Outputs: [
              { OutputKey: "ArchiveBucketName", OutputValue: "acme-reports" },
              { OutputKey: "StateMachineArn", OutputValue: ARN },
            ],
          },
        ],
      });

      expect(await invoke("--stack", "Pgdrift")).toBe(0);

      expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
        StackName: "Pgdrift",
      });
      expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(ARN);
    });

    it("names a stack without the output", async () => {
      cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: "Other",
            StackStatus: "CREATE_COMPLETE",
            CreationTime: new Date(),
            Outputs: [],
          },
        ],
      });
      expect(await failure(invoke("--stack", "Other"))).toBe(
        "stack Other (CREATE_COMPLETE) has no StateMachineArn output: is it the pgdrift stack, fully deployed? Or pass --state-machine ARN",
      );
      expect(sfn.calls()).toHaveLength(0);
    });

    it("names a stack that does not exist", async () => {
      cfn.on(DescribeStacksCommand).rejects(
        new CloudFormationServiceException({
          name: "ValidationError",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "Stack with id Pgdrfit does not exist",
        }),
      );
      expect(await failure(invoke("--stack", "Pgdrfit", "--region", "eu-west-1"))).toBe(
        "stack Pgdrfit does not exist in eu-west-1: check --stack and --region",
      );
    });

    it("names a state machine that does not exist", async () => {
      sfn.on(StartExecutionCommand).rejects(
        new StateMachineDoesNotExist({
          message: `State Machine Does Not Exist: '${ARN}'`,
          $metadata: {},
        }),
      );
      expect(await failure(invoke("--state-machine", ARN))).toBe(
        `could not start ${ARN}: StateMachineDoesNotExist: State Machine Does Not Exist: '${ARN}'`,
      );
    });

    it.each([
      [[], "pgdrift invoke needs one of --state-machine ARN or --stack NAME"],
      [
        ["--state-machine", ARN, "--stack", "Pgdrift"],
        "needs one of --state-machine ARN or --stack",
      ],
      [
        ["--state-machine", "PgdriftAudit"],
        "--state-machine PgdriftAudit is not a state machine ARN",
      ],
      [
        ["--state-machine", ARN, "--region", "us-east-1"],
        "--state-machine is in eu-west-1 but --region says us-east-1",
      ],
      [["--stack", "my stack"], "--stack my stack is not a CloudFormation stack name or ARN"],
      [
        ["--stack", "Pgdrift", "--env", "prod=postgres://x"],
        "--env prod=postgres://x is not an environment name",
      ],
      [["--stack", "Pgdrift", "--timeout", "60"], "--timeout only applies with --wait"],
      [["--stack", "Pgdrift", "--fail-on", "critical"], "--fail-on only applies with --wait"],
      [
        ["--stack", "Pgdrift", "--wait", "--timeout", "soon"],
        "--timeout soon is not a number of seconds",
      ],
      [
        ["--stack", "Pgdrift", "--wait", "--fail-on", "severe"],
        "--fail-on severe is not a severity",
      ],
      [["--stack", "Pgdrift", "--requested-by", " "], "--requested-by needs a name"],
    ])("refuses %j before calling AWS", async (args, message) => {
      expect(await failure(invoke(...args))).toContain(message);
      expect(sfn.calls()).toHaveLength(0);
      expect(cfn.calls()).toHaveLength(0);
    });
  });

  describe("--wait", () => {
    it("polls with a growing delay until the run ends, then prints a one-line summary", async () => {
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce(execution("RUNNING"))
        .resolvesOnce(execution("RUNNING"))
        .resolvesOnce(execution("RUNNING"))
        .resolves(succeeded(DRIFT));

      const code = await invoke("--state-machine", ARN, "--wait");

      expect(code).toBe(1);
      expect(sleeps).toEqual([2000, 3000, 4500, 6750]);
      expect(sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input)).toEqual(
        Array(4).fill({ executionArn: EXECUTION }),
      );
      expect(stdout).toBe(
        `run 5f0c9a: DRIFT (worst medium) · 2 environments: 1 drift, 1 clean · report ${REPORT_KEY}\n`,
      );
      expect(logged[1]).toBe("waiting for it to finish (at most 1800 s)…");
    });

    it("caps the delay between polls at 15 s", async () => {
      let polls = 0;
      sfn.on(DescribeExecutionCommand).callsFake(() => {
        polls += 1;
        return polls < 10
          ? execution("RUNNING")
          : succeeded({ ...DRIFT, status: "clean", worst: null });
      });
      expect(await invoke("--state-machine", ARN, "--wait")).toBe(0);
      expect(Math.max(...sleeps)).toBe(15_000);
    });

    it.each([
      ["clean", { status: "clean", worst: null }, [], 0],
      ["drift", {}, [], 1],
      ["drift below --fail-on", {}, ["--fail-on", "high"], 0],
      ["drift at --fail-on", {}, ["--fail-on", "medium"], 1],
      ["drift with --fail-on none", {}, ["--fail-on", "none"], 0],
      ["drift of unknown severity", { worst: null }, ["--fail-on", "critical"], 1],
      ["an environment in error", { status: "error", worst: "medium" }, ["--fail-on", "none"], 2],
      [
        "an environment in error under a drift status",
        { environments: [{ name: "staging", status: "error" }] },
        [],
        2,
      ],
    ])("exits as audit does for %s", async (_case, fields, flags, expected) => {
      sfn.on(DescribeExecutionCommand).resolves(succeeded({ ...DRIFT, ...fields }));
      expect(await invoke("--state-machine", ARN, "--wait", ...flags)).toBe(expected);
    });

    it("reads a summary still wrapped in the Lambda result's Payload", async () => {
      sfn.on(DescribeExecutionCommand).resolves(
        succeeded({
          StatusCode: 200,
          ExecutedVersion: "$LATEST",
          Payload: { ...DRIFT, environments: 2 },
        }),
      );
      expect(await invoke("--state-machine", ARN, "--wait")).toBe(1);
      expect(stdout).toBe(
        `run 5f0c9a: DRIFT (worst medium) · 2 environments · report ${REPORT_KEY}\n`,
      );
    });

    it("reads the summarize step's result: a count of environments, a report key or null", async () => {
      sfn.on(DescribeExecutionCommand).resolves(
        succeeded({
          runId: "5f0c9a",
          status: "error",
          worst: null,
          environments: 3,
          reportKey: null,
        }),
      );
      expect(await invoke("--state-machine", ARN, "--wait")).toBe(2);
      expect(stdout).toBe("run 5f0c9a: ERROR · 3 environments · report not archived\n");
    });

    it("refuses an output that is not a run summary", async () => {
      sfn.on(DescribeExecutionCommand).resolves(succeeded({ hello: "world" }));
      expect(await failure(invoke("--state-machine", ARN, "--wait"))).toMatch(
        new RegExp(
          `^execution ${EXECUTION} succeeded, but its output is not a pgdrift run summary \\(runId: `,
        ),
      );
    });

    it.each([
      ["FAILED", { error: "States.TaskFailed", cause: "summarize: AccessDenied\non the archive" }],
      ["TIMED_OUT", {}],
      ["ABORTED", {}],
    ] as const)(
      "exits 2 when the run is %s, with the error in one line",
      async (status, fields) => {
        sfn.on(DescribeExecutionCommand).resolves(execution(status, fields));
        const message = await failure(invoke("--state-machine", ARN, "--wait"));
        expect(message).toMatch(new RegExp(`^the audit run ${status} \\(`));
        expect(message).toContain(`see execution ${EXECUTION} in the Step Functions console`);
        if (status === "FAILED") {
          expect(message).toContain("(States.TaskFailed: summarize: AccessDenied on the archive)");
        }
        expect(stdout).toBe("");
      },
    );

    it("gives up at --timeout, saying the run goes on", async () => {
      sfn.on(DescribeExecutionCommand).resolves(execution("RUNNING"));

      const message = await failure(invoke("--state-machine", ARN, "--wait", "--timeout", "20"));

      expect(message).toBe(
        `the audit run is still running after 20 s (it goes on in AWS): follow it with aws stepfunctions describe-execution --execution-arn ${EXECUTION}, or raise --timeout`,
      );
      // 2 + 3 + 4.5 + 6.75 s, then the last 3.75 s: the deadline is checked, never overslept.
      expect(sleeps).toEqual([2000, 3000, 4500, 6750, 3750]);
      expect(sleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
    });
  });
});

import { hostname, userInfo } from "node:os";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { DescribeExecutionOutput, SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { atOrAbove, SEVERITIES } from "../../shared/diff/finding.ts";
import { plural } from "../../shared/report/describe.ts";
import { type FailOn, listValue, parseCommandArgs, parseFailOn, stringValue } from "../args.ts";
import { awsFailure, checkRegion, createCloudFormationClient, createSfnClient } from "../aws.ts";
import { CliError } from "../errors.ts";
import { DEFAULT_WAIT_TIMEOUT_SECONDS, INVOKE_HELP } from "../help.ts";
import type { Log } from "../io.ts";
import { ENV_NAME } from "./audit.ts";

/** The stack output that holds the state machine's ARN (infra/ declares it). */
export const STATE_MACHINE_OUTPUT = "StateMachineArn";

/** Polling: the first check after 2 s, then 1.5 times longer each time, at most 15 s apart. */
const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 15_000;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[\w-]{1,80}$/;
const STACK =
  /^([A-Za-z][A-Za-z0-9-]{0,127}|arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/.+)$/;

/** What the command uses from outside; tests pass mocked clients and a fake clock. */
export interface InvokeDependencies {
  readonly sfn?: SFNClient;
  readonly cfn?: CloudFormationClient;
  readonly stdout?: (text: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds, for the --timeout deadline. */
  readonly clock?: () => number;
  /** The default `requestedBy` when --requested-by is not given. */
  readonly requester?: () => string;
}

/**
 * The execution's output: the summarize step's result (`SummarizeResult` in
 * shared/aws/events.ts), the run and not its report, which is archived at `reportKey`.
 * `environments` is a count there; a list of `{ name, status }` is read too.
 */
const environmentSchema = z.object({
  name: z.string(),
  status: z.enum(["clean", "drift", "error"]),
});
const runSummarySchema = z.object({
  runId: z.string(),
  status: z.enum(["clean", "drift", "error"]),
  worst: z.enum(SEVERITIES).nullable().optional(),
  environments: z.union([z.array(environmentSchema), z.number().int()]).optional(),
  /** Null when the run report could not be archived (the run is then in error). */
  reportKey: z.string().nullable().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

function defaultRequester(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `${user}@${hostname()}`;
}

function positiveSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_TIMEOUT_SECONDS;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new CliError(`--timeout ${value} is not a number of seconds: use e.g. --timeout 900`);
  }
  return Number(value);
}

/** Region of a state machine ARN (`arn:aws:states:eu-west-1:…`). */
function arnRegion(arn: string): string | undefined {
  return STATE_MACHINE_ARN.exec(arn)?.[1];
}

async function stateMachineFromStack(
  cfn: CloudFormationClient,
  stack: string,
  region: string | undefined,
): Promise<string> {
  const { DescribeStacksCommand } = await import("@aws-sdk/client-cloudformation");
  let outputs: readonly { OutputKey?: string; OutputValue?: string }[];
  let status: string | undefined;
  try {
    const response = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    const found = response.Stacks?.[0];
    outputs = found?.Outputs ?? [];
    status = found?.StackStatus;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === "ValidationError" && /does not exist/.test(e.message ?? "")) {
      throw new CliError(
        `stack ${stack} does not exist in ${region ?? "the default region"}: check --stack and --region`,
      );
    }
    throw awsFailure(error, `could not read stack ${stack}`);
  }
  const arn = outputs.find((output) => output.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (arn === undefined || arnRegion(arn) === undefined) {
    throw new CliError(
      `stack ${stack}${status ? ` (${status})` : ""} has no ${STATE_MACHINE_OUTPUT} output: is it the pgdrift stack, fully deployed? Or pass --state-machine ARN`,
    );
  }
  return arn;
}

/** The execution's output as a run summary (a Lambda result's `Payload` wrapper is unwrapped). */
export function parseRunSummary(output: string | undefined, executionArn: string): RunSummary {
  let data: unknown;
  try {
    data = JSON.parse(output ?? "");
  } catch {
    data = undefined;
  }
  if (data && typeof data === "object" && !("status" in data) && "Payload" in data) {
    data = (data as { Payload: unknown }).Payload;
  }
  const parsed = runSummarySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new CliError(
      `execution ${executionArn} succeeded, but its output is not a pgdrift run summary (${where}${issue?.message ?? "not JSON"}): are the CLI and the deployed stack the same version?`,
    );
  }
  return parsed.data;
}

/** 0 nothing at or above --fail-on · 1 drift · 2 an environment (or the run) in error. */
export function exitCodeForRun(run: RunSummary, failOn: FailOn): number {
  const environments = Array.isArray(run.environments) ? run.environments : [];
  if (run.status === "error" || environments.some((env) => env.status === "error")) return 2;
  if (run.status === "clean" || failOn === "none") return 0;
  // Drift of unknown severity fails the gate rather than passing it.
  if (!run.worst) return 1;
  return atOrAbove(run.worst, failOn) ? 1 : 0;
}

/** `run 5f0c…: DRIFT (worst critical) · 2 environments: 1 drift, 1 clean · report reports/…` */
export function summaryLine(run: RunSummary): string {
  const status = run.status.toUpperCase();
  const worst = run.status === "drift" && run.worst ? ` (worst ${run.worst})` : "";
  let environments = "";
  if (Array.isArray(run.environments)) {
    const all = run.environments;
    const counts = (["drift", "error", "clean"] as const)
      .map((status) => ({ status, count: all.filter((env) => env.status === status).length }))
      .filter((entry) => entry.count > 0)
      .map((entry) => `${entry.count} ${entry.status}`);
    environments = ` · ${plural(all.length, "environment")}${counts.length > 0 ? `: ${counts.join(", ")}` : ""}`;
  } else if (typeof run.environments === "number") {
    environments = ` · ${plural(run.environments, "environment")}`;
  }
  const report =
    run.reportKey === null
      ? " · report not archived"
      : run.reportKey
        ? ` · report ${run.reportKey}`
        : "";
  return `run ${run.runId}: ${status}${worst}${environments}${report}`;
}

function failureLine(execution: DescribeExecutionOutput): string {
  const detail = [execution.error, execution.cause]
    .filter((part): part is string => typeof part === "string" && part !== "")
    .join(": ")
    .replace(/\s*\n\s*/g, " ");
  const short = detail.length > 300 ? `${detail.slice(0, 299)}…` : detail;
  return `the audit run ${execution.status} (${short || "no error given"}): see execution ${execution.executionArn} in the Step Functions console`;
}

/**
 * `pgdrift invoke (--state-machine ARN | --stack NAME) [--env NAME]… [--wait]`: starts an
 * on-demand audit run and, with --wait, follows it and exits as `audit` does.
 */
export async function runInvoke(
  argv: readonly string[],
  log: Log,
  deps: InvokeDependencies = {},
): Promise<number> {
  const args = parseCommandArgs("invoke", argv, {
    "state-machine": { type: "string" },
    stack: { type: "string" },
    env: { type: "string", multiple: true },
    "requested-by": { type: "string" },
    wait: { type: "boolean" },
    timeout: { type: "string" },
    "fail-on": { type: "string" },
    region: { type: "string" },
  });
  if (args.values.help) {
    process.stdout.write(INVOKE_HELP);
    return 0;
  }
  // Everything given on the command line is checked before anything is sent.
  const stateMachineFlag = stringValue(args, "state-machine");
  const stack = stringValue(args, "stack");
  const region = checkRegion(stringValue(args, "region"));
  if ((stateMachineFlag === undefined) === (stack === undefined)) {
    throw new CliError(
      "pgdrift invoke needs one of --state-machine ARN or --stack NAME (see pgdrift invoke --help)",
    );
  }
  if (stateMachineFlag !== undefined) {
    const arnIn = arnRegion(stateMachineFlag);
    if (arnIn === undefined) {
      throw new CliError(
        `--state-machine ${stateMachineFlag} is not a state machine ARN: expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`,
      );
    }
    if (region !== undefined && region !== arnIn) {
      throw new CliError(
        `--state-machine is in ${arnIn} but --region says ${region}: drop --region, or use the ARN of that region`,
      );
    }
  }
  if (stack !== undefined && !STACK.test(stack)) {
    throw new CliError(`--stack ${stack} is not a CloudFormation stack name or ARN`);
  }
  const environments = [...new Set(listValue(args, "env"))];
  for (const name of environments) {
    if (!ENV_NAME.test(name)) {
      throw new CliError(
        `--env ${name} is not an environment name (letters, digits, ".", "_", "-"): pass the names the stack's config lists`,
      );
    }
  }
  const requestedBy = stringValue(args, "requested-by") ?? (deps.requester ?? defaultRequester)();
  if (requestedBy.trim() === "" || requestedBy.length > 256) {
    throw new CliError("--requested-by needs a name of 1 to 256 characters, e.g. a CI job URL");
  }
  const wait = args.values.wait === true;
  const timeoutFlag = stringValue(args, "timeout");
  const failOnFlag = stringValue(args, "fail-on");
  if (!wait && (timeoutFlag !== undefined || failOnFlag !== undefined)) {
    throw new CliError(
      `${timeoutFlag !== undefined ? "--timeout" : "--fail-on"} only applies with --wait (see pgdrift invoke --help)`,
    );
  }
  const timeoutSeconds = positiveSeconds(timeoutFlag);
  const failOn: FailOn = parseFailOn(failOnFlag ?? "info", "--fail-on");
  const write = deps.stdout ?? ((text: string) => process.stdout.write(text));
  const sleep =
    deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const clock = deps.clock ?? Date.now;

  const stateMachineArn =
    stateMachineFlag ??
    (await stateMachineFromStack(
      deps.cfn ?? (await createCloudFormationClient(region)),
      stack ?? "",
      region,
    ));
  const sfn = deps.sfn ?? (await createSfnClient(arnRegion(stateMachineArn)));
  const { StartExecutionCommand, DescribeExecutionCommand } = await import("@aws-sdk/client-sfn");
  const input = {
    trigger: "on-demand",
    requestedBy,
    ...(environments.length > 0 ? { environments } : {}),
  };
  let executionArn: string;
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    if (!started.executionArn) throw new Error("StartExecution returned no execution ARN");
    executionArn = started.executionArn;
  } catch (error) {
    throw awsFailure(error, `could not start ${stateMachineArn}`);
  }
  const which = environments.length > 0 ? environments.join(", ") : "all environments";
  log(`started an audit of ${which}: ${executionArn}`);
  if (!wait) {
    write(`${executionArn}\n`);
    return 0;
  }

  log(`waiting for it to finish (at most ${timeoutSeconds} s)…`);
  const deadline = clock() + timeoutSeconds * 1000;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const remaining = deadline - clock();
    if (remaining <= 0) {
      throw new CliError(
        `the audit run is still running after ${timeoutSeconds} s (it goes on in AWS): follow it with aws stepfunctions describe-execution --execution-arn ${executionArn}, or raise --timeout`,
      );
    }
    await sleep(Math.min(delay, remaining));
    delay = Math.min(Math.round(delay * 1.5), MAX_POLL_MS);
    let execution: DescribeExecutionOutput;
    try {
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      throw awsFailure(error, `could not follow ${executionArn}`);
    }
    if (execution.status === "RUNNING") continue;
    if (execution.status !== "SUCCEEDED") throw new CliError(failureLine(execution));
    const run = parseRunSummary(execution.output, executionArn);
    write(`${summaryLine(run)}\n`);
    return exitCodeForRun(run, failOn);
  }
}

export function invokeCommand(argv: readonly string[], log: Log): Promise<number> {
  return runInvoke(argv, log);
}

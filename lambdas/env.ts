import { z } from "zod";
import { EnvironmentVariableError } from "../shared/aws/errors.ts";
import {
  HistoryConfigSchema,
  IgnoreRuleSchema,
  SeverityOverrideSchema,
} from "../shared/config/schema.ts";
import type { DiffOptions } from "../shared/report/audit.ts";
import { type AuditHistoryOptions, historyOptions } from "../shared/report/history.ts";

/*
 * The Lambdas' environment variables, read once per container through these helpers. A
 * missing or malformed variable fails loudly with a message naming it; nothing falls back to
 * a silent default except where the contract says a variable is optional.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A standard topic: a FIFO topic would need a message group id on every publish. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;

/** A variable that must be set and non-empty. */
export function requiredVariable(env: Env, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new EnvironmentVariableError(
      name,
      `environment variable ${name} is not set: it must hold ${what}`,
    );
  }
  return value.trim();
}

function bucketVariable(env: Env, name: string, what: string): string {
  const value = requiredVariable(env, name, what);
  if (!BUCKET.test(value) || value.includes("..")) {
    throw new EnvironmentVariableError(
      name,
      `environment variable ${name} is ${JSON.stringify(value)}, not an S3 bucket name: it must hold ${what}`,
    );
  }
  return value;
}

function topicVariable(env: Env, name: string): string {
  const value = requiredVariable(env, name, "the ARN of the SNS topic for drift notifications");
  if (!TOPIC_ARN.test(value)) {
    throw new EnvironmentVariableError(
      name,
      `environment variable ${name} is ${JSON.stringify(value)}, not the ARN of a standard SNS topic (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  }
  return value;
}

const DiffOptionsSchema = z.strictObject(
  {
    compareOwners: z.boolean({ error: "expected true or false" }).optional(),
    ignore: z.array(IgnoreRuleSchema, { error: "expected a list of ignore rules" }).optional(),
    severity: z
      .array(SeverityOverrideSchema, { error: "expected a list of severity overrides" })
      .optional(),
    history: z
      .union([z.literal(false), HistoryConfigSchema], {
        error: 'expected false, or an object like { "table": "flyway_schema_history" }',
      })
      .optional(),
  },
  { error: 'expected a JSON object like { "compareOwners": false, "ignore": [], "severity": [] }' },
);

function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** `PGDRIFT_DIFF_OPTIONS`: optional JSON with the config's `compareOwners`, `ignore`, `severity`. */
export function parseDiffOptions(
  text: string | undefined,
  name = "PGDRIFT_DIFF_OPTIONS",
): DiffOptions {
  return parseAuditOptions(text, name).diffOptions;
}

/** PGDRIFT_DIFF_OPTIONS: the diff options, and how the migration history is read (`history`). */
export function parseAuditOptions(
  text: string | undefined,
  name = "PGDRIFT_DIFF_OPTIONS",
): { diffOptions: DiffOptions; history?: AuditHistoryOptions } {
  if (text === undefined || text.trim() === "") return { diffOptions: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new EnvironmentVariableError(
      name,
      `environment variable ${name} is not valid JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  const parsed = DiffOptionsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const problem =
      issue?.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (expected compareOwners, ignore, severity, history)`
        : (issue?.message ?? "invalid");
    throw new EnvironmentVariableError(
      name,
      `environment variable ${name}: ${issuePath(issue?.path ?? [])}: ${problem}`,
    );
  }
  const options = parsed.data;
  const history = historyOptions(options.history);
  return {
    diffOptions: {
      ...(options.compareOwners !== undefined ? { compareOwners: options.compareOwners } : {}),
      ...(options.ignore ? { ignore: options.ignore } : {}),
      ...(options.severity ? { severity: options.severity } : {}),
    },
    ...(history ? { history } : {}),
  };
}

export interface PowertoolsSettings {
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

function powertools(env: Env): PowertoolsSettings {
  return {
    serviceName: requiredVariable(
      env,
      "POWERTOOLS_SERVICE_NAME",
      "the service name for logs and metrics",
    ),
    metricsNamespace: requiredVariable(
      env,
      "POWERTOOLS_METRICS_NAMESPACE",
      "the CloudWatch namespace of the metrics",
    ),
  };
}

export interface AuditLambdaSettings extends PowertoolsSettings {
  readonly baselineBucket: string;
  /** Key prefix of the baselines (`team/app/`), `` for none. */
  readonly baselinePrefix: string;
  readonly archiveBucket: string;
  readonly topicArn: string;
  readonly diffOptions: DiffOptions;
  /** How each environment's migration history is read (PGDRIFT_DIFF_OPTIONS' `history`). */
  readonly history?: AuditHistoryOptions;
}

export interface SummarizeLambdaSettings extends PowertoolsSettings {
  readonly archiveBucket: string;
  readonly topicArn: string;
}

/** The audit Lambda's variables; BASELINE_PREFIX may be empty or unset, PGDRIFT_DIFF_OPTIONS unset. */
export function readAuditSettings(env: Env): AuditLambdaSettings {
  return {
    baselineBucket: bucketVariable(env, "BASELINE_BUCKET", "the name of the baselines bucket"),
    baselinePrefix: (env.BASELINE_PREFIX ?? "").trim(),
    archiveBucket: bucketVariable(env, "ARCHIVE_BUCKET", "the name of the report archive bucket"),
    topicArn: topicVariable(env, "TOPIC_ARN"),
    ...parseAuditOptions(env.PGDRIFT_DIFF_OPTIONS),
    ...powertools(env),
  };
}

export function readSummarizeSettings(env: Env): SummarizeLambdaSettings {
  return {
    archiveBucket: bucketVariable(env, "ARCHIVE_BUCKET", "the name of the report archive bucket"),
    topicArn: topicVariable(env, "TOPIC_ARN"),
    ...powertools(env),
  };
}

/**
 * Runs `init` once, the first time it is asked for, and keeps the result — or the error, so
 * a misconfigured function fails every invocation with the same message naming the variable.
 */
export function once<T>(init: () => T): () => T {
  let state: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  return () => {
    if (!state) {
      try {
        state = { ok: true, value: init() };
      } catch (error) {
        state = { ok: false, error };
      }
    }
    if (!state.ok) throw state.error;
    return state.value;
  };
}

import { z } from "zod";
import { SEVERITY_NAMES } from "../config/schema.ts";
import { EventValidationError } from "./errors.ts";

/*
 * The Lambdas' events and results (the contract with the state machine in infra/).
 *
 * Audit event:  { environment, runId, trigger, requestedBy?, target }
 * Audit result: { environment, runId, status, worst, findingCount, reportKey, error? }
 * Summarize event: { runId, trigger, requestedBy?, startedAt?, results: (AuditResult | CaughtItem)[] }
 * Summarize result: { runId, status, worst, environments, reportKey }
 *
 * `target` is strict (an unknown key is a typo, and TLS cannot be turned off from an event);
 * the top level tolerates keys the state machine may add.
 */

/** Environment names become S3 key parts (`reports/env=NAME/…`): letters, digits, `.`, `_`, `-`. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Run ids too (a Step Functions execution name or ARN): no `/`. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

const environmentName = z
  .string({ error: "expected the environment's name (a string)" })
  .regex(NAME, { error: "expected 1 to 64 letters, digits, '.', '_' or '-'" });

const runId = z
  .string({ error: "expected the run id (a string)" })
  .regex(RUN_ID, { error: "expected 1 to 256 letters, digits, '.', '_', ':' or '-'" });

const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what} (a non-empty string)` }).min(1, {
    error: `expected ${what} (a non-empty string)`,
  });

export const AuditTargetSchema = z
  .strictObject(
    {
      host: nonEmpty("the database host"),
      port: z
        .int({ error: "expected a port, an integer from 1 to 65535" })
        .min(1, { error: "expected a port, an integer from 1 to 65535" })
        .max(65_535, { error: "expected a port, an integer from 1 to 65535" })
        .optional(),
      database: nonEmpty("the database name"),
      user: nonEmpty("the database user").optional(),
      secretArn: z
        .string({ error: "expected a Secrets Manager secret ARN" })
        .regex(SECRET_ARN, {
          error: "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:…)",
        })
        .optional(),
      iamAuth: z.boolean({ error: "expected true or false" }).optional(),
      schemas: z
        .array(nonEmpty("a schema name"), {
          error: 'expected a list of schema names, like ["public"]',
        })
        .min(1, { error: 'expected a non-empty list of schema names, like ["public"]' })
        .optional(),
      baselinePin: z
        .string({ error: "expected a baseline digest, sha256:<64 hex digits>" })
        .regex(DIGEST, { error: "expected a baseline digest, sha256:<64 hex digits>" })
        .optional(),
    },
    { error: "expected an object like { host, port, database, secretArn }" },
  )
  .superRefine((target, ctx) => {
    const iam = target.iamAuth === true;
    if ((target.secretArn !== undefined) === iam) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: 'expected exactly one of "secretArn" or "iamAuth": true',
      });
    } else if (iam && target.user === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["user"],
        message: 'expected the database user: "iamAuth": true needs it to sign the token',
      });
    }
  });

export const AuditEventSchema = z.object(
  {
    environment: environmentName,
    runId,
    trigger: nonEmpty("what started the run, like schedule or on-demand"),
    requestedBy: nonEmpty("who asked for the run").optional(),
    target: AuditTargetSchema,
  },
  { error: "expected an object like { environment, runId, trigger, target }" },
);

export type AuditTarget = z.infer<typeof AuditTargetSchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export type AuditStatus = "clean" | "drift" | "error";

/** `critical` … `info` (the config's copy of the diff engine's list). */
export type Severity = (typeof SEVERITY_NAMES)[number];

/** What the audit Lambda returns (and the Map collects for the summarize step). */
export interface AuditResult {
  readonly environment: string;
  readonly runId: string;
  readonly status: AuditStatus;
  /** Highest severity found, null when there was none (or nothing was compared). */
  readonly worst: Severity | null;
  readonly findingCount: number;
  /** Key of the archived environment report in the archive bucket, null when none was written. */
  readonly reportKey: string | null;
  /** Set when status is `error`. */
  readonly error?: { readonly code: string; readonly message: string };
}

const severity = z.enum(SEVERITY_NAMES);

export const AuditResultSchema = z.object({
  environment: environmentName,
  runId,
  status: z.enum(["clean", "drift", "error"]),
  worst: severity.nullable(),
  findingCount: z.int().min(0),
  reportKey: z.string().min(1).nullable(),
  error: z.object({ code: z.string().min(1), message: z.string() }).optional(),
});

/**
 * What the Map's catch leaves for an item whose audit Lambda failed (threw, timed out, or
 * could not start): the environment and the Step Functions error (`Error`, `Cause`).
 */
export const CaughtItemSchema = z.object({
  environment: z.string().min(1),
  /** The agreed shape sets it; a catch that only adds `error` to the item is accepted too. */
  status: z.literal("error").optional(),
  error: z
    .object({ Error: z.string().optional(), Cause: z.string().optional() })
    .refine((error) => error.Error !== undefined || error.Cause !== undefined, {
      error: "expected the Step Functions error (Error, Cause)",
    }),
});

export type CaughtItem = z.infer<typeof CaughtItemSchema>;

export const SummarizeEventSchema = z.object(
  {
    runId,
    trigger: nonEmpty("what started the run, like schedule or on-demand"),
    requestedBy: nonEmpty("who asked for the run").optional(),
    startedAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time" }).optional(),
    results: z.array(z.unknown(), { error: "expected the list of the audits' results" }),
  },
  { error: "expected an object like { runId, trigger, results }" },
);

export type SummarizeEvent = z.infer<typeof SummarizeEventSchema>;

/** One entry of `results`, sorted out: an audit's result, a caught failure, or neither. */
export type SummarizeItem =
  | { readonly kind: "result"; readonly result: AuditResult }
  | { readonly kind: "caught"; readonly caught: CaughtItem }
  | { readonly kind: "invalid"; readonly environment: string; readonly problem: string };

export interface SummarizeResult {
  readonly runId: string;
  readonly status: AuditStatus;
  readonly worst: Severity | null;
  /** How many environments the run report holds. */
  readonly environments: number;
  /** Key of the run report in the archive bucket, null when it could not be written. */
  readonly reportKey: string | null;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(event)";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => JSON.stringify(key)).join(", ");
    return { field, message: `unknown key ${keys}` };
  }
  return { field, message: issue.message };
}

function validate<T>(schema: z.ZodType<T>, event: unknown, which: "audit" | "summarize"): T {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const { field, message } = first
    ? describeIssue(first)
    : { field: "(event)", message: "invalid" };
  throw new EventValidationError(which, field, `invalid ${which} event: ${field}: ${message}`);
}

/** Checks an audit event; throws EventValidationError naming the first bad field. */
export function parseAuditEvent(event: unknown): AuditEvent {
  return validate(AuditEventSchema, event, "audit");
}

/** Checks a summarize event; each `results` entry is sorted out by `classifyResults`. */
export function parseSummarizeEvent(event: unknown): SummarizeEvent {
  return validate(SummarizeEventSchema, event, "summarize");
}

/**
 * Sorts the Map's output: an audit result, a caught failure, or something else (which the
 * run reports as an error for that environment rather than dropping it).
 */
export function classifyResults(results: readonly unknown[]): SummarizeItem[] {
  return results.map((item, index) => {
    const asResult = AuditResultSchema.safeParse(item);
    if (asResult.success) return { kind: "result", result: asResult.data };
    const asCaught = CaughtItemSchema.safeParse(item);
    if (asCaught.success) return { kind: "caught", caught: asCaught.data };
    const name =
      item !== null && typeof item === "object" && "environment" in item
        ? (item as { environment: unknown }).environment
        : undefined;
    const first = asResult.error.issues[0];
    const problem = first
      ? `${describeIssue(first).field}: ${describeIssue(first).message}`
      : "invalid";
    return {
      kind: "invalid",
      environment:
        typeof name === "string" && name !== "" ? name : `(results[${index}], no environment)`,
      problem,
    };
  });
}

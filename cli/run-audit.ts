import { randomUUID } from "node:crypto";
import { describeTarget } from "../shared/introspect/connection-errors.ts";
import { auditEnvironment, type DiffOptions } from "../shared/report/audit.ts";
import {
  buildReport,
  failedEnvironment,
  gateOutcome,
  reportBaseline,
} from "../shared/report/build.ts";
import { plural } from "../shared/report/describe.ts";
import type { AuditHistoryOptions } from "../shared/report/history.ts";
import type { EnvironmentError, EnvironmentReport, Report } from "../shared/report/model.ts";
import type { Snapshot } from "../shared/snapshot/model.ts";
import type { FailOn } from "./args.ts";
import {
  CONNECT_TIMEOUT_MS,
  type DatabaseTarget,
  databaseTarget,
  openConnection,
} from "./connect.ts";
import { heapKeeper, keepingHeap } from "./heap.ts";
import type { Log } from "./io.ts";

/** One environment to audit: a URL, or the reason there is none (an unset variable, …). */
export type AuditTarget =
  | { readonly name: string; readonly url: string; readonly schemas?: readonly string[] }
  | { readonly name: string; readonly problem: EnvironmentError };

/** Environments audited at the same time; each has its own connection. */
const CONCURRENCY = 4;

interface AuditSettings {
  readonly baseline: Snapshot;
  readonly diffOptions: DiffOptions;
  readonly history?: AuditHistoryOptions;
  readonly now: Date;
  readonly log: Log;
}

async function auditOne(target: AuditTarget, settings: AuditSettings): Promise<EnvironmentReport> {
  const { baseline, diffOptions, now, log } = settings;
  if ("problem" in target) {
    log(`${target.name}: ${target.problem.code}`);
    return failedEnvironment({ name: target.name, error: target.problem });
  }
  let db: DatabaseTarget;
  try {
    db = databaseTarget(target.url, target.name);
  } catch (error) {
    log(`${target.name}: invalid_url`);
    return failedEnvironment({
      name: target.name,
      error: { code: "invalid_url", message: (error as Error).message },
    });
  }
  const display = describeTarget(db.target);
  log(display === target.name ? `auditing ${display}…` : `auditing ${target.name} (${display})…`);
  const started = Date.now();
  const env = await auditEnvironment({
    name: target.name,
    connect: async () => {
      const connection = await openConnection(db.url);
      return {
        client: keepingHeap(connection.client, heapKeeper()),
        close: () => connection.close(),
      };
    },
    baseline,
    ...(target.schemas ? { schemas: target.schemas } : {}),
    diffOptions,
    ...(settings.history ? { history: settings.history } : {}),
    now,
    target: db.target,
    secrets: db.secrets,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const outcome =
    env.status === "error"
      ? `error (${env.error?.code})`
      : env.status === "drift"
        ? plural(env.summary.total, "finding")
        : "clean";
  log(`${target.name}: ${outcome} in ${seconds} s`);
  return env;
}

/**
 * Audits every environment (a few at a time, each on its own connection) and builds the run
 * report. One environment failing never stops the others: it is reported with status `error`.
 */
export async function runAudit(input: {
  readonly baseline: Snapshot;
  readonly baselineLocation?: string;
  readonly targets: readonly AuditTarget[];
  readonly diffOptions: DiffOptions;
  /** How each environment's migration history is read (default: found and compared). */
  readonly history?: AuditHistoryOptions;
  readonly trigger: string;
  readonly log: Log;
}): Promise<Report> {
  const startedAt = new Date();
  const results: EnvironmentReport[] = new Array(input.targets.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const target = input.targets[index];
      if (target === undefined) return;
      results[index] = await auditOne(target, {
        baseline: input.baseline,
        diffOptions: input.diffOptions,
        ...(input.history ? { history: input.history } : {}),
        now: startedAt,
        log: input.log,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, input.targets.length) }, worker));
  return buildReport({
    runId: randomUUID(),
    trigger: input.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    baseline: reportBaseline(input.baseline, input.baselineLocation),
    environments: results,
  });
}

/** 0 pass · 1 drift at or above the threshold · 2 an environment could not be audited. */
export function exitCodeFor(report: Report, failOn: FailOn): number {
  const outcome = gateOutcome(report, failOn);
  return outcome === "pass" ? 0 : outcome === "drift" ? 1 : 2;
}

import { diffSnapshots } from "../diff/diff.ts";
import { HistoryError } from "../history/index.ts";
import { type ConnectionTarget, describeConnectionError } from "../introspect/connection-errors.ts";
import { introspect } from "../introspect/introspect.ts";
import type { Queryable } from "../introspect/queryable.ts";
import type { Snapshot, SnapshotObjects } from "../snapshot/model.ts";
import { digestObjects } from "../snapshot/snapshot.ts";
import { comparedEnvironment, failedEnvironment } from "./build.ts";
import { comparisonTarget, withBrings } from "./checkpoints.ts";
import { type AuditHistoryOptions, auditHistory } from "./history.ts";
import type { EnvironmentReport, IgnoredFinding } from "./model.ts";

export type DiffOptions = NonNullable<Parameters<typeof diffSnapshots>[2]>;

export interface AuditConnection {
  readonly client: Queryable;
  close(): Promise<void>;
}

export interface AuditEnvironmentOptions {
  readonly name: string;
  /** Opens one connection (a single session, not a pool) to the environment's database. */
  readonly connect: () => Promise<AuditConnection>;
  readonly baseline: Snapshot;
  /** Schemas to read; defaults to the baseline's scope. */
  readonly schemas?: readonly string[];
  readonly diffOptions: DiffOptions;
  /** When the audit runs (ignore rules with an expiry compare against it). */
  readonly now: Date;
  /** Where the connection goes (no credentials), for error messages. */
  readonly target?: ConnectionTarget;
  /** Strings to keep out of error messages: the password, the URL. */
  readonly secrets?: readonly string[];
  /** The connection timeout `connect` uses, for the timeout message. */
  readonly connectTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** How the migration tool's history table is read (by default: found and compared). */
  readonly history?: AuditHistoryOptions;
}

/** `17` from `170006`. */
export function majorOf(serverVersionNum: number): number {
  return Math.floor(serverVersionNum / 10_000);
}

/** A note when the baseline and the environment run different PostgreSQL majors. */
export function versionNotes(baselineVersionNum: number, environmentVersionNum: number): string[] {
  const baselineMajor = majorOf(baselineVersionNum);
  const envMajor = majorOf(environmentVersionNum);
  if (baselineMajor === envMajor) return [];
  return [
    `baseline built on PostgreSQL ${baselineMajor}, environment runs ${envMajor}: some differences may come from the version (rebuild the baseline with --pg-version ${envMajor})`,
  ];
}

function describeExpiredRule(rule: unknown): string {
  if (typeof rule === "string") return rule;
  if (rule !== null && typeof rule === "object") {
    const r = rule as Record<string, unknown>;
    const what = [r.id, r.kind, r.object, r.change, r.attribute]
      .filter((part) => typeof part === "string" && part !== "")
      .join(" ");
    const expires = typeof r.expires === "string" ? ` (expired ${r.expires})` : "";
    const reason = typeof r.reason === "string" ? `: ${r.reason}` : "";
    return `${what || "an ignore rule"}${expires}${reason}`;
  }
  return String(rule);
}

/** Schemas of the scope found on neither side: a typo that would otherwise compare nothing. */
function schemasInNeither(
  scope: readonly string[] | null | undefined,
  baseline: SnapshotObjects,
  actual: SnapshotObjects,
): string[] {
  const present = new Set(
    [...Object.values(baseline.schema), ...Object.values(actual.schema)].map((s) => s.name),
  );
  return (scope ?? []).filter((schema) => !present.has(schema));
}

/**
 * Audits one environment: connect, introspect in one read-only session, diff against the
 * baseline, close. Any failure becomes an `error` entry with a code and a one-line message;
 * this function does not throw for a database problem.
 */
export async function auditEnvironment(
  options: AuditEnvironmentOptions,
): Promise<EnvironmentReport> {
  const { name, baseline } = options;
  let connection: AuditConnection | undefined;
  let serverVersion: string | null = null;
  try {
    connection = await options.connect();
    const schemas = options.schemas ?? baseline.scope.schemas ?? undefined;
    const result = await introspect(connection.client, {
      ...(schemas && schemas.length > 0 ? { schemas } : {}),
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      ...(options.statementTimeoutMs !== undefined
        ? { statementTimeoutMs: options.statementTimeoutMs }
        : {}),
    });
    serverVersion = result.serverVersion;
    const absent = schemasInNeither(schemas, baseline.objects, result.objects);
    if (absent.length > 0) {
      return failedEnvironment({
        name,
        serverVersion,
        error: {
          code: "schema_not_found",
          message: `${name}: the schema list names ${absent.map((s) => `"${s}"`).join(", ")}, which exists neither in the baseline nor in the environment, so nothing there was compared: check the schema list`,
        },
      });
    }
    const history = await auditHistory(connection.client, baseline, {
      now: options.now,
      ...(options.history ? { history: options.history } : {}),
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      ...(options.statementTimeoutMs !== undefined
        ? { statementTimeoutMs: options.statementTimeoutMs }
        : {}),
    });
    const target = comparisonTarget(baseline, history.position);
    const notes = [
      ...versionNotes(baseline.source.serverVersionNum, result.serverVersionNum),
      ...history.notes,
      ...(target.note === null ? [] : [target.note]),
    ];
    const diff = diffSnapshots(target.objects, result.objects, {
      ...options.diffOptions,
      majors: {
        baseline: majorOf(baseline.source.serverVersionNum),
        environment: majorOf(result.serverVersionNum),
      },
      now: options.now,
      additionalFindings: withBrings(history.findings, baseline),
    });
    notes.push(...diff.notes);
    for (const rule of diff.expiredIgnoreRules ?? []) {
      notes.push(
        `ignore rule expired, its findings are reported again: ${describeExpiredRule(rule)}`,
      );
    }
    return comparedEnvironment({
      name,
      serverVersion,
      findings: diff.findings,
      ignored: diff.ignored as readonly IgnoredFinding[],
      notes,
      snapshotDigest: digestObjects(result.objects),
      ...(baseline.source.kind === "migrations" ? { comparedWith: target.comparedWith } : {}),
    });
  } catch (error) {
    if (error instanceof HistoryError) {
      // The schema was compared, the history could not be: the audit is incomplete, not clean.
      return failedEnvironment({
        name,
        serverVersion,
        error: { code: "history_unreadable", message: `${name}: ${error.message}` },
      });
    }
    const described = describeConnectionError(error, {
      environment: name,
      ...(options.target ? { target: options.target } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.connectTimeoutMs ? { timeoutMs: options.connectTimeoutMs } : {}),
    });
    return failedEnvironment({ name, error: described, serverVersion });
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

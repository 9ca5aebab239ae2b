import type { DraftFinding } from "../diff/context.ts";
import {
  compareHistory,
  describeHistorySearch,
  findHistoryTable,
  isHistoryFormat,
  readHistory,
} from "../history/index.ts";
import type { Queryable } from "../introspect/queryable.ts";
import { withCatalogSession } from "../introspect/session.ts";
import type { Snapshot } from "../snapshot/model.ts";
import { type AppliedPosition, appliedPosition } from "./checkpoints.ts";
import { plural } from "./describe.ts";

/** How an audit reads an environment's migration history (the tool's history table). */
export interface AuditHistoryOptions {
  /** `false`: do not read it. Default true whenever the baseline's format has a history table. */
  readonly enabled?: boolean;
  /** The schema the tool is configured to use: searched first, then `public`, then any other. */
  readonly schema?: string | null;
  /** A history table named in the config (wins over the tool's default name). */
  readonly table?: { readonly schema?: string | null; readonly table: string } | null;
  /** A pending migration older than this many days is overdue (high). Default 7. */
  readonly pendingAgeDays?: number;
}

export interface HistoryAudit {
  readonly findings: readonly DraftFinding[];
  /** What was compared with what, or why nothing was. */
  readonly notes: readonly string[];
  /** Where the history says the environment stands; absent when no history was read. */
  readonly position?: AppliedPosition;
}

const NOTHING: HistoryAudit = { findings: [], notes: [] };

/** The config's `history` (`false`, or `{ schema, table, pendingAgeDays }`) as audit options. */
export function historyOptions(
  config:
    | false
    | { readonly schema?: string; readonly table?: string; readonly pendingAgeDays?: number }
    | undefined,
): AuditHistoryOptions | undefined {
  if (config === undefined) return undefined;
  if (config === false) return { enabled: false };
  const dot = config.table?.indexOf(".") ?? -1;
  const table =
    config.table === undefined
      ? null
      : dot > 0
        ? { schema: config.table.slice(0, dot), table: config.table.slice(dot + 1) }
        : { table: config.table };
  return {
    ...(config.schema === undefined ? {} : { schema: config.schema }),
    ...(table === null ? {} : { table }),
    ...(config.pendingAgeDays === undefined ? {} : { pendingAgeDays: config.pendingAgeDays }),
  };
}

/**
 * Compares the environment's migration history with the baseline's migrations: pending,
 * unknown, edited and failed migrations as `migration` findings. Reads in its own read-only
 * transaction, on the audit's connection. Throws HistoryError when the table cannot be read
 * (its message names the GRANT needed): the audit is then incomplete, never clean.
 */
export async function auditHistory(
  db: Queryable,
  baseline: Snapshot,
  options: {
    readonly history?: AuditHistoryOptions;
    readonly now: Date;
    readonly lockTimeoutMs?: number;
    readonly statementTimeoutMs?: number;
  },
): Promise<HistoryAudit> {
  const source = baseline.source;
  if (source.kind !== "migrations" || !isHistoryFormat(source.format)) return NOTHING;
  if (options.history?.enabled === false) return NOTHING;
  const format = source.format;
  const search = { schema: options.history?.schema ?? null, table: options.history?.table ?? null };
  const settings = {
    lockTimeoutMs: options.lockTimeoutMs ?? 5_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 120_000,
  };
  return withCatalogSession(db, settings, async () => {
    const table = await findHistoryTable(db, format, search);
    if (table === null) {
      return {
        findings: [],
        notes: [
          `no ${format} history table found (looked for ${describeHistorySearch(format, search)}): applied and pending migrations were not compared, only the schema`,
        ],
      };
    }
    const entries = await readHistory(db, table, format);
    const commitDates = Object.fromEntries(
      source.migrations.flatMap((m) => (m.committedAt ? [[m.file, m.committedAt]] : [])),
    );
    const findings = compareHistory(source.migrations, entries, {
      format,
      now: options.now,
      commitDates,
      ...(options.history?.pendingAgeDays === undefined
        ? {}
        : { pendingAgeDays: options.history.pendingAgeDays }),
    });
    return {
      findings,
      position: appliedPosition(
        source.migrations.filter((m) => m.kind !== "repeatable"),
        findings,
      ),
      notes: [
        `migration history read from ${table.name}: ${plural(entries.length, "entry", "entries")} compared with the baseline's ${plural(source.migrations.length, "migration")}`,
      ],
    };
  });
}

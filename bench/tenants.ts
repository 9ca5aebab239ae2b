/**
 * `npm run bench -- --tenants 1000`: the schema-per-tenant shape — N schemas of M tables each
 * (the bench's table generator, 50 tables a schema by default: 50,000 tables for 1,000
 * tenants) — and the figures that matter there: the wall time and peak memory (RSS) of
 * `pgdrift snapshot`, against the limits of 60 s and 1 GB.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildBenchCli } from "./cli-build.ts";
import { type Cleanup, openBenchDatabase, progress } from "./database.ts";
import {
  type ChildMeasurement,
  describeMemoryMethod,
  detectMemoryMethod,
  measureChild,
  summarize,
} from "./measure.ts";
import { benchSchemaShape } from "./schema.ts";

export const TENANT_WALL_LIMIT_MS = 60_000;
/** 1 GB, as the target says it: 10^9 bytes (953.7 MiB). */
export const TENANT_RSS_LIMIT_BYTES = 1_000_000_000;

export interface TenantOptions {
  readonly tenants: number;
  readonly tablesPerTenant: number;
  readonly runs: number;
  readonly url: string | undefined;
  readonly major: number;
  readonly json: boolean;
}

export interface TenantFigures {
  readonly runs: readonly { wallMs: number; peakRssKb: number | null }[];
  readonly medianWallMs: number;
  readonly maxWallMs: number;
  readonly maxPeakRssKb: number | null;
  readonly wallWithinLimit: boolean;
  readonly rssWithinLimit: boolean | null;
}

/** The verdict on the runs: the slowest run and the highest peak must be within the limits. */
export function tenantVerdict(
  runs: readonly { wallMs: number; peakRssKb: number | null }[],
): TenantFigures {
  const walls = summarize(runs.map((r) => r.wallMs));
  const peaks = runs.map((r) => r.peakRssKb).filter((p): p is number => p !== null);
  const maxPeakRssKb = peaks.length > 0 ? Math.max(...peaks) : null;
  return {
    runs,
    medianWallMs: walls.median,
    maxWallMs: walls.max,
    maxPeakRssKb,
    wallWithinLimit: walls.max <= TENANT_WALL_LIMIT_MS,
    rssWithinLimit: maxPeakRssKb === null ? null : maxPeakRssKb * 1024 <= TENANT_RSS_LIMIT_BYTES,
  };
}

const mb = (kb: number) => `${Math.round((kb * 1024) / 1e6)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function tenantBench(root: string, options: TenantOptions, cleanup: Cleanup) {
  const loadAtStart = loadavg()[0] ?? 0;
  const tables = options.tenants * options.tablesPerTenant;
  progress("building the CLI (node scripts/build.mjs, into a private folder)");
  const cli = await buildBenchCli(root, cleanup);
  if (!cli.entry) throw new Error(cli.error ?? "the CLI could not be built");
  const memoryMethod = await detectMemoryMethod();
  const tmp = await mkdtemp(join(tmpdir(), "pgdrift-bench-"));
  cleanup.add(() => rm(tmp, { recursive: true, force: true }));
  const shape = { tables, schemas: options.tenants };
  const db = await openBenchDatabase(
    { ...shape, url: options.url, major: options.major, connections: cpus().length },
    cleanup,
  );
  const out = join(tmp, "snapshot.json");
  const runs: ChildMeasurement[] = [];
  for (let i = 1; i <= options.runs; i++) {
    progress(
      `run ${i}/${options.runs}: pgdrift snapshot of ${tables.toLocaleString("en-US")} tables`,
    );
    await rm(out, { force: true });
    const m = await measureChild(
      process.execPath,
      [cli.entry, "snapshot", "--url", db.url, "--out", out],
      memoryMethod,
      { cwd: root },
    );
    if (m.code !== 0 || !existsSync(out)) {
      const why = m.stderr.trim().split("\n").slice(0, 3).join(" ") || "no output";
      throw new Error(`pgdrift snapshot failed (exit ${m.code ?? m.signal}): ${why}`);
    }
    runs.push(m);
  }
  const bytes = (await stat(out)).size;
  const verdict = tenantVerdict(runs.map((r) => ({ wallMs: r.wallMs, peakRssKb: r.peakRssKb })));
  const expected = benchSchemaShape(shape);
  const loadAtEnd = loadavg()[0] ?? 0;
  const lines = [
    `pgdrift bench, schema per tenant — ${options.tenants.toLocaleString("en-US")} schemas × ${options.tablesPerTenant} tables = ${tables.toLocaleString("en-US")} tables (${expected.columns.toLocaleString("en-US")} columns, ${expected.indexes.toLocaleString("en-US")} indexes, ${expected.constraints.toLocaleString("en-US")} constraints) on PostgreSQL ${db.serverVersion} (${db.label})`,
    `setup: schema built in ${s(db.buildMs)} (${db.transactions} transactions over ${db.connections} connections), then ANALYZE`,
    `pgdrift snapshot (CLI), ${runs.length} run${runs.length === 1 ? "" : "s"}: ${runs.map((r) => s(r.wallMs)).join(", ")}`,
    `  wall time: median ${s(verdict.medianWallMs)}, slowest ${s(verdict.maxWallMs)} — limit 60 s: ${verdict.wallWithinLimit ? "WITHIN" : "OVER"}`,
    `  peak RSS: ${verdict.maxPeakRssKb === null ? "not measured" : `${mb(verdict.maxPeakRssKb)} (highest run)`} — limit 1 GB: ${verdict.rssWithinLimit === null ? "NOT MEASURED" : verdict.rssWithinLimit ? "WITHIN" : "OVER"}`,
    `  snapshot file: ${(bytes / 1e6).toFixed(0)} MB`,
    `notes:`,
    `  peak RSS: ${describeMemoryMethod(memoryMethod)}; 1 GB = 10^9 bytes`,
    `  load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at the end`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (options.json) {
    const json = {
      tenants: options.tenants,
      tablesPerTenant: options.tablesPerTenant,
      server: db.serverVersion,
      setupMs: db.buildMs,
      snapshotBytes: bytes,
      limits: { wallMs: TENANT_WALL_LIMIT_MS, rssBytes: TENANT_RSS_LIMIT_BYTES },
      ...verdict,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
  return 0;
}

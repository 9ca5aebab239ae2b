/**
 * `npm run bench`: pgdrift snapshot (the real CLI) against `pg_dump --schema-only` on a database
 * of 5,000 tables, plus the in-process introspect() time and the time to diff two snapshots.
 *
 *   npm run bench -- [--tables N] [--schemas N] [--runs N] [--url URL] [--pg-version MAJOR] [--json]
 *   npm run bench -- --tenants N [--tenant-tables M] [--runs N] …   (schema per tenant: tenants.ts)
 *
 * Without --url, an embedded PostgreSQL of pg_dump's major is started (or of --pg-version) and
 * stopped at the end. With --url, the URL names a server where the bench may create and drop a
 * temporary database (like `--scratch-url`); nothing else on it is touched.
 * Results go to stdout, progress to stderr. Exits non-zero only when a figure could not be
 * taken (the server, the schema, the CLI or the diff failed), never because a target is missed.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PG_MAJOR } from "../shared/baseline/embedded.ts";
import { diffSnapshots } from "../shared/diff/diff.ts";
import { introspect } from "../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../shared/snapshot/model.ts";
import { digestObjects } from "../shared/snapshot/snapshot.ts";
import { buildBenchCli } from "./cli-build.ts";
import { Cleanup, openBenchDatabase, progress, withClient } from "./database.ts";
import { drifted } from "./drift.ts";
import { findPgDump, machineName } from "./environment.ts";
import {
  count,
  type Figures,
  figuresRow,
  millis,
  type Outcome,
  row,
  seconds,
  size,
  statsOf,
} from "./format.ts";
import {
  type ChildMeasurement,
  describeMemoryMethod,
  detectMemoryMethod,
  type MemoryMethod,
  measureChild,
  timed,
} from "./measure.ts";
import { type Options, parseOptions, USAGE } from "./options.ts";
import { benchSchemaShape } from "./schema.ts";
import { tenantBench } from "./tenants.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIFF_RUNS = 20;
const SNAPSHOT_TARGET_RATIO = 5;
const DIFF_TARGET_MS = 100;

// ---------------------------------------------------------------------------------------------
// main

async function bench(options: Options, cleanup: Cleanup): Promise<number> {
  const machine = machineName();
  const loadAtStart = loadavg()[0] ?? 0;
  const shape = benchSchemaShape(options);
  const notes: string[] = [];
  let failed = false;

  // 1. The CLI bundle, as `npm run build` makes it (into a private folder).
  progress("building the CLI (node scripts/build.mjs)");
  const cli = await buildBenchCli(ROOT, cleanup);
  let cliError: string | undefined = cli.error;

  // 2. pg_dump and the server major.
  const pgDump = await findPgDump();
  const memoryMethod: MemoryMethod = await detectMemoryMethod();
  const tmp = await mkdtemp(join(tmpdir(), "pgdrift-bench-"));
  cleanup.add(() => rm(tmp, { recursive: true, force: true }));

  // 3. The database: one transaction per schema, as many at a time as there are cores.
  const major = options.pgVersion ?? pgDump?.major ?? DEFAULT_PG_MAJOR;
  const db = await openBenchDatabase({ ...options, major, connections: machine.cores }, cleanup);
  const { buildMs, transactions, connections } = db;
  const server = { version: db.serverVersion, major: db.serverMajor };

  let pgDumpSkip: string | undefined;
  if (!pgDump) {
    pgDumpSkip = "no pg_dump found on PATH: pgdrift's figures alone";
  } else if (pgDump.major < server.major) {
    pgDumpSkip = `pg_dump ${pgDump.version} is older than the server (PostgreSQL ${server.version}) and cannot dump it: skipped`;
  } else if (pgDump.major > server.major) {
    notes.push(
      `pg_dump ${pgDump.version} runs against an older server (PostgreSQL ${server.version})`,
    );
  }

  // 4. pgdrift snapshot (CLI) and pg_dump, one untimed warm-up each, then interleaved runs.
  const cliArgs = (out: string) => [
    cli.entry ?? join(ROOT, "bin", "pgdrift.mjs"),
    "snapshot",
    "--url",
    db.url,
    "--out",
    out,
  ];
  const snapshotFile = join(tmp, "snapshot.json");
  const dumpFile = join(tmp, "dump.sql");
  const dumpArgs = ["--schema-only", "--no-sync", "--file", dumpFile, "--dbname", db.url];
  const cliRuns: ChildMeasurement[] = [];
  const dumpRuns: ChildMeasurement[] = [];
  const failure = (what: string, m: ChildMeasurement) =>
    `${what} failed (exit ${m.code ?? m.signal}): ${m.stderr.trim().split("\n").slice(0, 3).join(" ") || "no output"}`;

  for (let i = 0; i <= options.runs; i++) {
    const label = i === 0 ? "warm-up" : `run ${i}/${options.runs}`;
    if (!cliError) {
      progress(`${label}: pgdrift snapshot`);
      await rm(snapshotFile, { force: true });
      const m = await measureChild(process.execPath, cliArgs(snapshotFile), memoryMethod, {
        cwd: ROOT,
      });
      if (m.code !== 0 || !existsSync(snapshotFile)) cliError = failure("pgdrift snapshot", m);
      else if (i > 0) cliRuns.push(m);
    }
    if (pgDump && !pgDumpSkip) {
      progress(`${label}: pg_dump --schema-only`);
      await rm(dumpFile, { force: true });
      const m = await measureChild(pgDump.path, dumpArgs, memoryMethod);
      if (m.code !== 0) pgDumpSkip = failure("pg_dump", m);
      else if (i > 0) dumpRuns.push(m);
    }
  }

  // 5. introspect() in-process, on one connection, same warm-up and runs.
  progress("introspect() in-process");
  const introspected = await withClient(db.url, async (client) => {
    const times: number[] = [];
    let last: SnapshotObjects | undefined;
    for (let i = 0; i <= options.runs; i++) {
      const { value, ms } = await timed(() => introspect(client));
      if (i > 0) times.push(ms);
      last = value.objects;
    }
    return { times, objects: last as SnapshotObjects };
  });
  const objects = introspected.objects;
  const found = {
    schemas: Object.keys(objects.schema).filter((s) => s.startsWith("bench_")).length,
    tables: Object.keys(objects.table).length,
    columns: Object.keys(objects.column).length,
    indexes: Object.keys(objects.index).length,
    constraints: Object.keys(objects.constraint).length,
  };
  for (const key of Object.keys(found) as (keyof typeof found)[]) {
    if (found[key] !== shape[key]) {
      notes.push(
        `the snapshot holds ${count(found[key])} ${key}, the generator made ${count(shape[key])}`,
      );
    }
  }

  let snapshotBytes: number | undefined;
  if (!cliError && cliRuns.length > 0) {
    snapshotBytes = (await stat(snapshotFile)).size;
    try {
      const file = JSON.parse(await readFile(snapshotFile, "utf8")) as { digest?: unknown };
      const digest = digestObjects(objects);
      notes.push(
        file.digest === digest
          ? "the CLI's snapshot digest matches the in-process introspect() objects"
          : `the CLI's snapshot digest (${String(file.digest).slice(0, 19)}…) differs from introspect()'s (${digest.slice(0, 19)}…)`,
      );
    } catch (error) {
      notes.push(`the CLI's snapshot file is not JSON: ${(error as Error).message}`);
    }
  }
  const dumpBytes = dumpRuns.length > 0 ? (await stat(dumpFile)).size : undefined;

  // 6. diff: the snapshot against a drifted deep copy, in-process.
  progress(`diffSnapshots() × ${DIFF_RUNS}`);
  let diffOutcome: Outcome<Figures & { findings: number; drifts: string[] }>;
  const { actual, drifts } = drifted(objects);
  try {
    let findings = 0;
    const times: number[] = [];
    for (let i = 0; i <= DIFF_RUNS; i++) {
      const { value, ms } = await timed(() => diffSnapshots(objects, actual));
      if (i > 0) times.push(ms);
      findings = value.findings.length;
    }
    diffOutcome = { figures: { ...statsOf(times), findings, drifts } };
  } catch (error) {
    diffOutcome = { error: `diffSnapshots threw: ${(error as Error).message}` };
  }

  // 7. Report.
  const pgdriftOutcome: Outcome<Figures> =
    cliRuns.length > 0 && !cliError
      ? {
          figures: statsOf(
            cliRuns.map((m) => m.wallMs),
            cliRuns.map((m) => m.peakRssKb),
          ),
        }
      : { error: cliError ?? "not measured" };
  const dumpOutcome: Outcome<Figures> =
    dumpRuns.length > 0 && !pgDumpSkip
      ? {
          figures: statsOf(
            dumpRuns.map((m) => m.wallMs),
            dumpRuns.map((m) => m.peakRssKb),
          ),
        }
      : { error: pgDumpSkip ?? "not measured" };
  const introspectFigures = statsOf(introspected.times);

  const speedup =
    pgdriftOutcome.figures && dumpOutcome.figures
      ? dumpOutcome.figures.median / pgdriftOutcome.figures.median
      : undefined;
  const cliPeak = pgdriftOutcome.figures?.peakRssKb;
  const dumpPeak = dumpOutcome.figures?.peakRssKb;
  const memoryRatio = cliPeak && dumpPeak ? cliPeak / dumpPeak : undefined;

  const snapshotTarget =
    speedup === undefined ? "NOT MEASURED" : speedup >= SNAPSHOT_TARGET_RATIO ? "MET" : "NOT MET";
  const diffTarget = !diffOutcome.figures
    ? "NOT MEASURED"
    : diffOutcome.figures.median < DIFF_TARGET_MS
      ? "MET"
      : "NOT MET";

  const lines: string[] = [];
  lines.push(
    `pgdrift bench — ${count(found.tables)} tables / ${count(options.schemas)} schemas / ${count(found.columns)} columns / ${count(found.indexes)} indexes / ${count(found.constraints)} constraints on PostgreSQL ${server.version} (${db.label}), ${options.runs} run${options.runs === 1 ? "" : "s"}, ${machine.cpu} (${machine.cores} cores)`,
  );
  lines.push(
    `schema built in ${seconds(buildMs)} (${transactions} transactions over ${connections} connection${connections === 1 ? "" : "s"})`,
  );
  lines.push(row("", ["median", "min", "max", "peak RSS"]));
  lines.push(figuresRow("pgdrift snapshot (CLI)", pgdriftOutcome, seconds));
  lines.push(figuresRow("pg_dump --schema-only", dumpOutcome, seconds));
  if (speedup !== undefined) {
    const time =
      speedup >= 1 ? `${speedup.toFixed(1)}× faster` : `${(1 / speedup).toFixed(1)}× slower`;
    const memory =
      memoryRatio === undefined
        ? ""
        : memoryRatio >= 1
          ? `${memoryRatio.toFixed(1)}× more`
          : `${(1 / memoryRatio).toFixed(1)}× less`;
    lines.push(row("ratio", [time, "", "", memory]));
  }
  lines.push(figuresRow("introspect() in-process", { figures: introspectFigures }, seconds));
  lines.push(
    figuresRow(
      `diff ${count(found.tables)} × ${count(found.tables)} tables`,
      diffOutcome.figures ? { figures: diffOutcome.figures } : diffOutcome,
      millis,
    ),
  );
  lines.push(
    `targets: snapshot ≥ ${SNAPSHOT_TARGET_RATIO}× faster than pg_dump: ${snapshotTarget}; diff < ${DIFF_TARGET_MS} ms: ${diffTarget}`,
  );
  lines.push("notes:");
  lines.push(
    `  peak RSS: ${describeMemoryMethod(memoryMethod)}; the client process only, not the server; the highest over the runs`,
  );
  lines.push(
    `  wall time: spawn to exit of each command, ${options.runs} timed run${options.runs === 1 ? "" : "s"} after one warm-up, pgdrift and pg_dump interleaved; introspect() and diff in this process (diff: ${DIFF_RUNS} runs)`,
  );
  if (pgDump && !pgDumpSkip) {
    const via = pgDump.foundAs
      ? ` (${pgDump.foundAs} is Debian's pg_wrapper: the binary it runs is measured)`
      : "";
    lines.push(
      `  pg_dump ${pgDump.version}: ${pgDump.path} --schema-only --no-sync --file FILE${via}`,
    );
  }
  if (snapshotBytes !== undefined)
    lines.push(
      `  output: snapshot file ${size(snapshotBytes)}${dumpBytes !== undefined ? `, pg_dump script ${size(dumpBytes)}` : ""}`,
    );
  if (diffOutcome.figures) {
    lines.push(
      `  diff: ${diffOutcome.figures.drifts.join(", ")} → ${diffOutcome.figures.findings} findings`,
    );
  }
  const loadAtEnd = loadavg()[0] ?? 0;
  // The bench itself loads the machine: only the load before it started says whether it had
  // the cores to itself.
  const busy = loadAtStart > machine.cores / 2;
  notes.push(
    `load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at the end${busy ? ` — the machine was busy before the bench started: figures are noisy, rerun on a quiet machine` : ""}`,
  );
  for (const note of notes) lines.push(`  ${note}`);
  process.stdout.write(`${lines.join("\n")}\n`);

  if (options.json) {
    const json = {
      machine: { ...machine, loadAverage: { start: loadAtStart, end: loadAtEnd } },
      server: { version: server.version, kind: db.label },
      database: {
        ...found,
        schemas: options.schemas,
        buildMs,
        transactions,
        connections,
      },
      runs: options.runs,
      memoryMethod,
      pgdriftSnapshot: pgdriftOutcome.figures
        ? { ...pgdriftOutcome.figures, fileBytes: snapshotBytes }
        : { error: pgdriftOutcome.error },
      pgDump: dumpOutcome.figures
        ? {
            ...dumpOutcome.figures,
            version: pgDump?.version,
            path: pgDump?.path,
            fileBytes: dumpBytes,
          }
        : { error: dumpOutcome.error },
      ratio: { speedup, peakRss: memoryRatio },
      introspect: introspectFigures,
      diff: diffOutcome.figures ?? { error: diffOutcome.error },
      targets: { snapshot: snapshotTarget, diff: diffTarget },
      notes,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  if (!pgdriftOutcome.figures || !diffOutcome.figures) failed = true;
  return failed ? 1 : 0;
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    progress(`${signal}: cleaning up`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if (options.tenants !== undefined) {
      return await tenantBench(
        ROOT,
        {
          tenants: options.tenants,
          tablesPerTenant: options.tenantTables,
          runs: options.runs,
          url: options.url,
          major: options.pgVersion ?? (await findPgDump())?.major ?? DEFAULT_PG_MAJOR,
          json: options.json,
        },
        cleanup,
      );
    }
    return await bench(options, cleanup);
  } catch (error) {
    // After a signal, the server going away is expected: say nothing more.
    if (!interrupted) process.stderr.write(`bench: cannot run: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();

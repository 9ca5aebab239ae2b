/**
 * Where introspect() spends its time: every catalog query it sends, timed from the moment it
 * goes to the server to the moment its rows are in (the server's work, the transfer, and any
 * time this process was busy mapping earlier rows meanwhile: queries are sent ahead, so those
 * overlap), and the time when no query was in flight (mapping not overlapped). A fresh connection per run, as
 * the CLI has (cold caches). Also the server process's CPU time per run, when the server runs
 * on this machine (read from /proc; "n/a" otherwise). Last, the floor of this way of reading:
 * the same statements replayed on a fresh connection with their rows parsed and dropped.
 *
 *   node --import tsx bench/profile-introspect.ts --url URL [--runs N]
 *
 * Give it the database to profile: `bench/serve.ts` keeps a bench database up for this.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { introspect } from "../shared/introspect/introspect.ts";
import type { Queryable } from "../shared/introspect/queryable.ts";
import { summarize } from "./measure.ts";

const { values } = parseArgs({ options: { url: { type: "string" }, runs: { type: "string" } } });
if (!values.url) {
  process.stderr.write("profile-introspect: --url URL is required\n");
  process.exit(2);
}
const runs = Number(values.runs ?? 5);
const queries = new Map<string, { ms: number[]; rows: number }>();
/** The last run's statements, replayed below with nothing mapped. */
let sent: Array<{ sql: string; params: unknown[] }> = [];
const totals = { wall: [] as number[], queries: [] as number[], server: [] as number[] };

function backendCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return null;
  }
}

for (let run = 0; run < runs; run++) {
  const client = new pg.Client({ connectionString: values.url });
  await client.connect();
  const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
  const cpuBefore = pid === undefined ? null : backendCpuMs(pid);
  let inQueries = 0;
  let index = 0;
  sent = [];
  const timed: Queryable = {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      sent.push({ sql, params: [...(params ?? [])] });
      const started = performance.now();
      const result = await client.query(sql, params as unknown[]);
      const ms = performance.now() - started;
      inQueries += ms;
      const label = `${String(index++).padStart(2, "0")} ${sql.replace(/\s+/g, " ").trim().slice(0, 60)}`;
      const entry = queries.get(label) ?? { ms: [], rows: 0 };
      entry.ms.push(ms);
      entry.rows = result.rows?.length ?? 0;
      queries.set(label, entry);
      return result as unknown as { rows: R[] };
    },
  };
  const started = performance.now();
  await introspect(timed);
  totals.wall.push(performance.now() - started);
  totals.queries.push(inQueries);
  const cpuAfter = pid === undefined ? null : backendCpuMs(pid);
  if (cpuBefore !== null && cpuAfter !== null) totals.server.push(cpuAfter - cpuBefore);
  await client.end();
}

const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(9);
process.stdout.write(
  `query (send → rows in)                                               median      min  rows   (${runs} runs)\n`,
);
for (const [label, { ms: times, rows }] of queries) {
  const s = summarize(times);
  process.stdout.write(
    `${label.padEnd(66)} ${ms(s.median)} ${ms(s.min)} ${String(rows).padStart(6)}\n`,
  );
}
const wall = summarize(totals.wall);
const inQueries = summarize(totals.queries);
process.stdout.write(
  `introspect() wall ${ms(wall.median).trim()} (median); waiting on queries ${ms(inQueries.median).trim()}; mapping in this process, not overlapped, ${ms(wall.median - inQueries.median).trim()}\n`,
);
process.stdout.write(
  `server backend CPU per introspect(): ${totals.server.length > 0 ? ms(summarize(totals.server).median).trim() : "n/a (server not on this machine)"}\n`,
);

// The floor of this way of reading: the same statements on a fresh connection, each sent when
// the last one's rows are in (as the driver sends queued ones), rows parsed and dropped,
// nothing mapped.
const replays: number[] = [];
for (let run = 0; run < runs; run++) {
  const client = new pg.Client({ connectionString: values.url });
  await client.connect();
  const started = performance.now();
  for (const { sql, params } of sent) {
    await client.query({ text: sql, values: params, rowMode: "array" });
  }
  replays.push(performance.now() - started);
  await client.end();
}
process.stdout.write(
  `the same ${sent.length} statements replayed on a fresh connection, rows parsed and dropped, nothing mapped: ${ms(summarize(replays).median).trim()} (median), ${ms(summarize(replays).min).trim()} (min)\n`,
);

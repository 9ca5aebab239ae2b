/**
 * Where introspect() spends its time: each catalog reader timed inside one catalog session,
 * on a fresh connection per run (as the CLI has: cold caches).
 *
 *   node --import tsx bench/profile-introspect.ts --url URL [--runs N]
 *
 * Give it the database to profile (for the bench's 5,000 tables, a database that
 * `npm run bench` built; any other database works as well).
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { readColumns } from "../shared/introspect/columns.sql.ts";
import { readConstraints } from "../shared/introspect/constraints.sql.ts";
import { readExtensions } from "../shared/introspect/extensions.sql.ts";
import { readIndexes } from "../shared/introspect/indexes.sql.ts";
import { readLookups } from "../shared/introspect/lookups.sql.ts";
import { readSchemas } from "../shared/introspect/schemas.sql.ts";
import { withCatalogSession } from "../shared/introspect/session.ts";
import { readTables } from "../shared/introspect/tables.sql.ts";
import { summarize } from "./measure.ts";

const { values } = parseArgs({ options: { url: { type: "string" }, runs: { type: "string" } } });
if (!values.url) {
  process.stderr.write("profile-introspect: --url URL is required\n");
  process.exit(2);
}
const runs = Number(values.runs ?? 5);
const laps = new Map<string, number[]>();

for (let run = 0; run < runs; run++) {
  const client = new pg.Client({ connectionString: values.url });
  await client.connect();
  let last = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    laps.set(step, [...(laps.get(step) ?? []), now - last]);
    last = now;
  };
  const settings = { lockTimeoutMs: 5_000, statementTimeoutMs: 300_000 };
  await withCatalogSession(client, settings, async () => {
    const version = Number(
      (await client.query("SHOW server_version_num")).rows[0].server_version_num,
    );
    lap("session");
    await readSchemas(client, null);
    await readExtensions(client, null);
    lap("schemas + extensions");
    const lookups = await readLookups(client);
    lap("lookups");
    const tables = await readTables(client, null);
    lap("tables");
    const columns = await readColumns(client, null, tables, lookups);
    lap("columns");
    const indexes = await readIndexes(client, null, version, tables, columns.names, lookups);
    lap("indexes");
    await readConstraints(client, null, version, tables, columns.names, indexes);
    lap("constraints");
  });
  await client.end();
}

process.stdout.write(`reader                    median      min      max   (${runs} runs)\n`);
for (const [step, times] of laps) {
  const s = summarize(times);
  const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(8);
  process.stdout.write(`${step.padEnd(22)} ${ms(s.median)} ${ms(s.min)} ${ms(s.max)}\n`);
}

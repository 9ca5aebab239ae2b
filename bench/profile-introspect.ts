/**
 * Where introspect() spends its time, on the bench database:
 *
 *   npx tsx bench/profile-introspect.ts [--tables N] [--schemas N] [--runs N] [--url URL] [--pg-version MAJOR]
 *   npx tsx bench/profile-introspect.ts --database URL [--runs N]     # an existing database, as is
 *
 * 1. Each reader (readSchemas … readConstraints) timed inside one catalog session, as
 *    introspect() runs them, on a fresh connection per run (as the CLI has: cold caches) and on
 *    a reused one (warm). "query" is the time inside `query()` (server, transfer, row parsing by
 *    pg), "map" the rest of the reader (turning rows into objects).
 * 2. Server-side execution time of each captured query (EXPLAIN ANALYZE, TIMING OFF).
 * 3. Variants of the heaviest queries with the deparse calls replaced, to price them: the SQL
 *    is the readers' own, captured at run time, with one expression swapped.
 * Nothing in shared/ is changed; this only wraps the exported readers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { DEFAULT_PG_MAJOR } from "../shared/baseline/embedded.ts";
import { readColumns } from "../shared/introspect/columns.sql.ts";
import { readConstraints } from "../shared/introspect/constraints.sql.ts";
import { readExtensions } from "../shared/introspect/extensions.sql.ts";
import { readIndexes } from "../shared/introspect/indexes.sql.ts";
import { introspect } from "../shared/introspect/introspect.ts";
import type { Queryable, QueryResultLike } from "../shared/introspect/queryable.ts";
import { readSchemas } from "../shared/introspect/schemas.sql.ts";
import { withCatalogSession } from "../shared/introspect/session.ts";
import { readTables } from "../shared/introspect/tables.sql.ts";
import { createSnapshot, serializeSnapshot } from "../shared/snapshot/snapshot.ts";
import { Cleanup, openBenchDatabase, progress, withClient } from "./database.ts";
import { runCommand, summarize, timed } from "./measure.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const SETTINGS = { lockTimeoutMs: 5_000, statementTimeoutMs: 300_000 };

interface Captured {
  sql: string;
  params: readonly unknown[];
  ms: number;
  rows: number;
}

/** A Queryable that records each statement, its parameters, time and row count. */
class Recorder implements Queryable {
  captured: Captured[] = [];
  constructor(private readonly client: pg.Client) {}
  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResultLike<R>> {
    const { value, ms } = await timed(() => this.client.query(sql, params as unknown[]));
    this.captured.push({ sql, params, ms, rows: value.rows.length });
    return value as unknown as QueryResultLike<R>;
  }
  take(): Captured[] {
    const out = this.captured;
    this.captured = [];
    return out;
  }
}

const READERS = ["schemas", "extensions", "tables", "columns", "indexes", "constraints"] as const;
type ReaderName = (typeof READERS)[number];

interface ReaderTiming {
  totalMs: number;
  queryMs: number;
  rows: number;
  sql: Captured | undefined;
}

/** The readers in introspect()'s order, each timed, inside one catalog session. */
async function profileOnce(
  client: pg.Client,
  versionNum: number,
): Promise<Record<ReaderName, ReaderTiming>> {
  const db = new Recorder(client);
  const out = {} as Record<ReaderName, ReaderTiming>;
  await withCatalogSession(db, SETTINGS, async () => {
    db.take();
    const time = async (name: ReaderName, fn: () => Promise<unknown>) => {
      const { ms } = await timed(fn);
      const calls = db.take();
      out[name] = {
        totalMs: ms,
        queryMs: calls.reduce((sum, c) => sum + c.ms, 0),
        rows: calls.reduce((sum, c) => sum + c.rows, 0),
        sql: calls[0],
      };
    };
    await time("schemas", () => readSchemas(db, null));
    await time("extensions", () => readExtensions(db, null));
    await time("tables", () => readTables(db, null));
    await time("columns", () => readColumns(db, null));
    let constraintIndexes: Awaited<ReturnType<typeof readIndexes>>["constraintIndexes"] = new Map();
    await time("indexes", async () => {
      constraintIndexes = (await readIndexes(db, null, versionNum)).constraintIndexes;
    });
    await time("constraints", () => readConstraints(db, null, versionNum, constraintIndexes));
  });
  return out;
}

/** Server execution time of `sql` inside a catalog session (EXPLAIN ANALYZE, TIMING OFF). */
async function serverMs(
  client: pg.Client,
  sql: string,
  params: readonly unknown[],
): Promise<number> {
  const db = new Recorder(client);
  return withCatalogSession(db, SETTINGS, async () => {
    const { rows } = await client.query<{ "QUERY PLAN": Array<{ "Execution Time": number }> }>(
      `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`,
      params as unknown[],
    );
    return rows[0]?.["QUERY PLAN"][0]?.["Execution Time"] ?? Number.NaN;
  });
}

/** The rows of `sql` inside a catalog session, as JSON text (for comparing two queries). */
async function rowsText(url: string, sql: string, params: readonly unknown[]): Promise<string> {
  return withClient(url, async (client) => {
    const db = new Recorder(client);
    return withCatalogSession(db, SETTINGS, async () => {
      const { rows } = await client.query(sql, params as unknown[]);
      return rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join("\n");
    });
  });
}

/** Client-observed time of `sql` inside a catalog session, on a fresh connection. */
async function coldQueryMs(url: string, sql: string, params: readonly unknown[]): Promise<number> {
  return withClient(url, async (client) => {
    const db = new Recorder(client);
    return withCatalogSession(db, SETTINGS, async () => {
      db.take();
      await db.query(sql, params);
      return db.take()[0]?.ms ?? Number.NaN;
    });
  });
}

interface Variant {
  readonly reader: ReaderName;
  readonly label: string;
  /** The rewrite claims to return the same rows: checked against the reader's own SQL. */
  readonly same?: boolean;
  /** Rewrites the captured SQL; returns undefined when the expression to swap is not there. */
  readonly rewrite: (sql: string) => string | undefined;
}

function swap(from: string | RegExp, to: string): (sql: string) => string | undefined {
  return (sql) => {
    const next = sql.replace(from, to);
    return next === sql ? undefined : next;
  };
}

const DEFAULT_EXPR = "pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)";
/** The column reader's default/generation expression, whichever form it has. */
const DEFAULT_ANY =
  /CASE WHEN a\.atthasdef THEN pg_catalog\.pg_get_expr\([\s\S]*?\) END AS expression/;
const INDEX_EXPR = "pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)";
const INDEX_PRED = "pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)";
const CHECK_BODY = "pg_catalog.pg_get_expr(con.conbin, con.conrelid)";

/**
 * Defaults cannot reference columns, so `pg_get_expr(adbin, 0)` deparses them without opening
 * the table (a lock and a relcache lookup per call); generated columns keep their table.
 */
const DEFAULT_RELID_0 =
  "CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END";

/**
 * The index reader's three per-row ARRAY(…) subqueries (elements, opclasses, collations) as one
 * set-based aggregation: unnest every index's arrays once, join pg_attribute, pg_opclass and
 * pg_collation once (hash joins), array_agg per index. Returns the same rows (checked with
 * EXCEPT ALL both ways on the bench database). The per-row form re-hashes pg_collation (~800
 * rows with ICU) and pg_opclass for every index.
 */
function setBasedIndexArrays(sql: string): string | undefined {
  const start = sql.indexOf("ARRAY(SELECT CASE WHEN k.attnum <> 0");
  const end = sql.indexOf("i.indoption::int2[] AS option_bits");
  const from = "FROM pg_catalog.pg_index i\n";
  if (start < 0 || end < start || !sql.includes(from)) return undefined;
  const cte = /* SQL */ `WITH elems AS (
  SELECT i.indexrelid,
         pg_catalog.array_agg(CASE WHEN k.attnum <> 0 THEN pg_catalog.quote_ident(a.attname)
                                   ELSE ${INDEX_EXPR} END ORDER BY k.ord) AS elements,
         pg_catalog.array_agg(CASE WHEN oc.opcdefault THEN ''
                                   WHEN ocn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(oc.opcname)
                                   ELSE pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(oc.opcname) END
                              ORDER BY k.ord) FILTER (WHERE k.ord <= i.indnkeyatts) AS opclasses,
         pg_catalog.array_agg(CASE WHEN k.coll = 0 OR k.coll = COALESCE(a.attcollation, 100) THEN ''
                                   WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN pg_catalog.quote_ident(co.collname)
                                   ELSE pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname) END
                              ORDER BY k.ord) FILTER (WHERE k.ord <= i.indnkeyatts) AS collations
  FROM pg_catalog.pg_index i
  CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(i.indkey::int2[]), pg_catalog.unnest(i.indclass::oid[]),
                                pg_catalog.unnest(i.indcollation::oid[])) WITH ORDINALITY AS k(attnum, opc, coll, ord)
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
  LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opc
  LEFT JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
  LEFT JOIN pg_catalog.pg_collation co ON co.oid = k.coll
  LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
  GROUP BY i.indexrelid)
`;
  const body = `${sql.slice(0, start)}e.elements, e.opclasses, e.collations,\n       ${sql.slice(end)}`;
  return cte + body.replace(from, `${from}JOIN elems e ON e.indexrelid = i.indexrelid\n`);
}

function all(
  ...steps: Array<(sql: string) => string | undefined>
): (sql: string) => string | undefined {
  return (sql) => {
    let out: string | undefined = sql;
    for (const step of steps) {
      out = out === undefined ? undefined : step(out);
    }
    return out;
  };
}

const VARIANTS: readonly Variant[] = [
  { reader: "tables", label: "as is", rewrite: (sql) => sql },
  { reader: "columns", label: "as is", rewrite: (sql) => sql },
  {
    reader: "columns",
    label: "defaults not deparsed (NULL)",
    rewrite: swap(DEFAULT_ANY, "NULL AS expression"),
  },
  {
    reader: "columns",
    label: "defaults deparsed with relid 0 (table not opened)",
    same: true,
    rewrite: swap(DEFAULT_EXPR, DEFAULT_RELID_0),
  },
  { reader: "indexes", label: "as is", rewrite: (sql) => sql },
  {
    reader: "indexes",
    label: "expressions + predicates not deparsed (NULL)",
    rewrite: all(swap(INDEX_EXPR, "NULL"), swap(INDEX_PRED, "NULL")),
  },
  {
    reader: "indexes",
    label: "set-based element arrays",
    same: true,
    rewrite: setBasedIndexArrays,
  },
  {
    reader: "indexes",
    label: "set-based element arrays, nothing deparsed",
    rewrite: all(setBasedIndexArrays, swap(INDEX_EXPR, "NULL"), swap(INDEX_PRED, "NULL")),
  },
  { reader: "constraints", label: "as is", rewrite: (sql) => sql },
  {
    reader: "constraints",
    label: "check bodies not deparsed (NULL)",
    rewrite: swap(CHECK_BODY, "NULL"),
  },
];

function ms(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n)} ms` : "n/a";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      tables: { type: "string" },
      schemas: { type: "string" },
      runs: { type: "string" },
      url: { type: "string" },
      "pg-version": { type: "string" },
      database: { type: "string" },
    },
  });
  const tables = Number(values.tables ?? 5000);
  const schemas = Number(values.schemas ?? 10);
  const runs = Number(values.runs ?? 5);
  const major = Number(values["pg-version"] ?? 15) || DEFAULT_PG_MAJOR;
  const cleanup = new Cleanup();
  process.once("SIGINT", () => void cleanup.run().then(() => process.exit(130)));
  try {
    const db = values.database
      ? { url: values.database, serverVersion: "" }
      : await openBenchDatabase(
          { tables, schemas, url: values.url, major, connections: cpus().length },
          cleanup,
        );
    const server = await withClient(db.url, async (c) => {
      const { rows } = await c.query<{ v: string; n: string; t: string }>(
        `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n,
                (SELECT count(*) FROM pg_catalog.pg_class WHERE relkind IN ('r', 'p')
                   AND relnamespace::regnamespace::text !~ '^(pg_|information_schema)') AS t`,
      );
      return rows[0];
    });
    const versionNum = Number(server?.n);

    // 1. readers, cold (fresh connection per run) and warm (one connection, after a first run)
    progress("readers, cold and warm");
    const cold: Array<Record<ReaderName, ReaderTiming>> = [];
    const warm: Array<Record<ReaderName, ReaderTiming>> = [];
    for (let i = 0; i < runs; i++) {
      cold.push(await withClient(db.url, (c) => profileOnce(c, versionNum)));
    }
    await withClient(db.url, async (c) => {
      await profileOnce(c, versionNum);
      for (let i = 0; i < runs; i++) warm.push(await profileOnce(c, versionNum));
    });
    const sample = cold[0];
    if (!sample) throw new Error("no runs");

    // 2. server execution time per query (cold connection)
    progress("EXPLAIN ANALYZE per query");
    const serverTimes: Partial<Record<ReaderName, number>> = {};
    for (const name of READERS) {
      const captured = sample[name].sql;
      if (!captured) continue;
      const times: number[] = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        times.push(await withClient(db.url, (c) => serverMs(c, captured.sql, captured.params)));
      }
      serverTimes[name] = summarize(times).median;
    }

    const median = (
      list: Array<Record<ReaderName, ReaderTiming>>,
      name: ReaderName,
      key: "totalMs" | "queryMs",
    ) => summarize(list.map((r) => r[name][key])).median;
    const lines: string[] = [];
    lines.push(
      `introspect() per reader — ${Number(server?.t).toLocaleString("en-US")} tables, PostgreSQL ${server?.v.split(" ")[0]}, median of ${runs}`,
    );
    lines.push(
      `${"reader".padEnd(14)}${"rows".padStart(8)}${"cold total".padStart(12)}${"query".padStart(10)}${"map".padStart(8)}${"server".padStart(10)}${"warm total".padStart(12)}${"query".padStart(10)}`,
    );
    let coldSum = 0;
    let warmSum = 0;
    for (const name of READERS) {
      const coldTotal = median(cold, name, "totalMs");
      const coldQuery = median(cold, name, "queryMs");
      const warmTotal = median(warm, name, "totalMs");
      coldSum += coldTotal;
      warmSum += warmTotal;
      lines.push(
        `${name.padEnd(14)}${String(sample[name].rows).padStart(8)}${ms(coldTotal).padStart(12)}${ms(coldQuery).padStart(10)}${ms(coldTotal - coldQuery).padStart(8)}${ms(serverTimes[name] ?? Number.NaN).padStart(10)}${ms(warmTotal).padStart(12)}${ms(median(warm, name, "queryMs")).padStart(10)}`,
      );
    }
    lines.push(
      `${"sum".padEnd(22)}${ms(coldSum).padStart(12)}${"".padStart(28)}${ms(warmSum).padStart(12)}`,
    );

    // 3. variants, each on a fresh connection (cold, as the CLI is), median of runs
    progress("variants");
    lines.push("");
    lines.push("variants (client-observed query time, fresh connection each, median):");
    for (const variant of VARIANTS) {
      const captured = sample[variant.reader].sql;
      const sql = captured ? variant.rewrite(captured.sql) : undefined;
      if (!captured || sql === undefined) {
        lines.push(
          `  ${variant.reader.padEnd(12)} ${variant.label.padEnd(52)} n/a (the reader's SQL no longer has this expression)`,
        );
        continue;
      }
      const times: number[] = [];
      for (let i = 0; i < Math.min(runs, 3); i++)
        times.push(await coldQueryMs(db.url, sql, captured.params));
      let check = "";
      if (variant.same) {
        const [mine, theirs] = [
          await rowsText(db.url, sql, captured.params),
          await rowsText(db.url, captured.sql, captured.params),
        ];
        check =
          mine === theirs
            ? "  (same rows as the reader's SQL)"
            : "  (ROWS DIFFER from the reader's SQL)";
      }
      lines.push(
        `  ${variant.reader.padEnd(12)} ${variant.label.padEnd(52)} ${ms(summarize(times).median).padStart(8)}${check}`,
      );
    }

    // 4. the rest of `pgdrift snapshot`: Node start-up, snapshot assembly, serialization
    progress("CLI breakdown");
    const startup: number[] = [];
    const assembly: Record<"connect" | "introspect" | "digest" | "serialize" | "write", number[]> =
      {
        connect: [],
        introspect: [],
        digest: [],
        serialize: [],
        write: [],
      };
    const dir = await mkdtemp(join(tmpdir(), "pgdrift-profile-"));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    for (let i = 0; i < runs; i++) {
      startup.push(
        (
          await timed(() =>
            runCommand(process.execPath, [join(ROOT, "bin", "pgdrift.mjs"), "--version"]),
          )
        ).ms,
      );
      const client = new pg.Client({ connectionString: db.url });
      assembly.connect.push((await timed(() => client.connect())).ms);
      try {
        const read = await timed(() => introspect(client));
        assembly.introspect.push(read.ms);
        const made = await timed(() =>
          createSnapshot({
            createdAt: new Date().toISOString(),
            source: {
              kind: "database",
              serverVersion: read.value.serverVersion,
              serverVersionNum: read.value.serverVersionNum,
              database: read.value.database,
              host: null,
            },
            scope: { schemas: null },
            objects: read.value.objects,
          }),
        );
        assembly.digest.push(made.ms);
        const text = await timed(() => serializeSnapshot(made.value));
        assembly.serialize.push(text.ms);
        assembly.write.push(
          (await timed(() => writeFile(join(dir, "snapshot.json"), text.value))).ms,
        );
      } finally {
        await client.end();
      }
    }
    lines.push("");
    lines.push("pgdrift snapshot, step by step (median; in-process except start-up):");
    lines.push(
      `  node start-up + bundle load (pgdrift --version)  ${ms(summarize(startup).median).padStart(8)}`,
    );
    lines.push(
      `  connect                                         ${ms(summarize(assembly.connect).median).padStart(8)}`,
    );
    lines.push(
      `  introspect() on a fresh connection              ${ms(summarize(assembly.introspect).median).padStart(8)}`,
    );
    lines.push(
      `  createSnapshot() (canonical JSON + sha256)      ${ms(summarize(assembly.digest).median).padStart(8)}`,
    );
    lines.push(
      `  serializeSnapshot() (canonical, indented)       ${ms(summarize(assembly.serialize).median).padStart(8)}`,
    );
    lines.push(
      `  write the file                                  ${ms(summarize(assembly.write).median).padStart(8)}`,
    );

    // 5. what the deparse functions cost on their own, and how much repeats
    progress("deparse counts");
    const counts = await withClient(db.url, async (c) => {
      const { rows } = await c.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM pg_attrdef) AS defaults,
               (SELECT count(DISTINCT regexp_replace(adbin::text, ' :location -?[0-9]+', '', 'g'))
                  FROM pg_attrdef) AS distinct_defaults,
               (SELECT count(*) FROM pg_index WHERE indpred IS NOT NULL) AS predicates,
               (SELECT count(*) FROM pg_index WHERE indexprs IS NOT NULL) AS expression_indexes,
               (SELECT count(*) FROM pg_constraint WHERE contype = 'c') AS checks`);
      return rows[0];
    });
    lines.push("");
    lines.push(`catalog: ${JSON.stringify(counts)}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`profile: ${(error as Error).stack ?? error}\n`);
    return 2;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();

/** The bench's command line: `npm run bench -- [--tables N] …`, parsed strictly. */
import { parseArgs } from "node:util";
import { DEFAULT_PG_MAJOR } from "../shared/baseline/embedded.ts";
import { MAX_SCHEMAS } from "./schema.ts";

export interface Options {
  readonly tables: number;
  readonly schemas: number;
  readonly runs: number;
  readonly url: string | undefined;
  readonly pgVersion: number | undefined;
  readonly json: boolean;
  /** Schema-per-tenant mode: this many schemas of `tenantTables` tables. */
  readonly tenants: number | undefined;
  readonly tenantTables: number;
}

export const USAGE = `usage: npm run bench -- [--tables N] [--schemas N] [--runs N] [--url URL] [--pg-version MAJOR] [--json]
  --tables N          tables to create (default 5000)
  --schemas N         schemas to spread them over (default 10)
  --runs N            timed runs of each command; the median is reported (default 5)
  --url URL           a server where the bench may create and drop a temporary database
                      (default: an embedded PostgreSQL of pg_dump's major)
  --pg-version MAJOR  major of the embedded PostgreSQL (default: pg_dump's major)
  --json              print the figures as JSON too
  --tenants N         schema per tenant instead: N schemas of --tenant-tables tables each
                      (1000 × 50 = 50,000 tables), the snapshot's wall time and peak memory
                      against 60 s and 1 GB (runs default to 3)
  --tenant-tables M   tables per tenant schema (default 50)`;

class UsageError extends Error {}

export function positiveInt(
  flag: string,
  value: string | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${flag} must be a whole number between 1 and ${max}, got "${value}"`);
  }
  return n;
}

export function parseOptions(argv: string[]): Options | "help" {
  let parsed: ReturnType<typeof parseArgsStrict>;
  try {
    parsed = parseArgsStrict(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  return {
    tables: positiveInt("tables", values.tables, 5000, 200_000),
    schemas: positiveInt("schemas", values.schemas, 10, MAX_SCHEMAS),
    runs: positiveInt("runs", values.runs, values.tenants === undefined ? 5 : 3, 1000),
    url: values.url,
    pgVersion:
      values["pg-version"] === undefined
        ? undefined
        : positiveInt("pg-version", values["pg-version"], DEFAULT_PG_MAJOR, 99),
    json: values.json ?? false,
    tenants:
      values.tenants === undefined
        ? undefined
        : positiveInt("tenants", values.tenants, 1000, MAX_SCHEMAS),
    tenantTables: positiveInt("tenant-tables", values["tenant-tables"], 50, 1000),
  };
}

export function parseArgsStrict(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      tables: { type: "string" },
      schemas: { type: "string" },
      runs: { type: "string" },
      url: { type: "string" },
      "pg-version": { type: "string" },
      json: { type: "boolean" },
      tenants: { type: "string" },
      "tenant-tables": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

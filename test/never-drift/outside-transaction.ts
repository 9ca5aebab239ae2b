import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { CaseDatabase, FindingSummary } from "../diff/fixture-cases.ts";

/**
 * The never-drift entries that cannot run inside a transaction block, so not in a fixture
 * folder (a fixture's SQL runs as one multi-statement query, one implicit transaction):
 * VACUUM FULL, CREATE / DROP / REINDEX … CONCURRENTLY. The environment runs them one
 * statement at a time on a database built from the same schema.
 */
export const SCHEMA = /* SQL */ `
CREATE TABLE public.accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL
);
CREATE INDEX sessions_account ON public.sessions (account_id, started_at DESC);
CREATE INDEX accounts_email_lower ON public.accounts (lower(email)) WHERE plan = 'pro';
CREATE MATERIALIZED VIEW public.plan_counts AS
  SELECT plan, count(*) AS n FROM public.accounts GROUP BY plan;
CREATE UNIQUE INDEX plan_counts_plan ON public.plan_counts (plan);`;

/** The same schema, its indexes made concurrently, then rows, rewrites and rebuilds. */
export const ENVIRONMENT_STATEMENTS: readonly string[] = [
  SCHEMA.replace(/CREATE INDEX sessions_account[^;]*;/, "").replace(
    /CREATE INDEX accounts_email_lower[^;]*;/,
    "",
  ),
  "CREATE INDEX CONCURRENTLY sessions_account ON public.sessions (account_id, started_at DESC)",
  "CREATE INDEX CONCURRENTLY accounts_email_lower ON public.accounts (lower(email)) WHERE plan = 'pro'",
  `INSERT INTO public.accounts (email, plan)
     SELECT 'u' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END
     FROM generate_series(1, 500) g`,
  `INSERT INTO public.sessions (account_id, started_at)
     SELECT 1 + g % 500, now() - g * interval '1 minute' FROM generate_series(1, 3000) g`,
  "DELETE FROM public.sessions WHERE id % 4 = 0",
  "VACUUM FULL public.sessions",
  "VACUUM FULL",
  "VACUUM (ANALYZE) public.accounts",
  "REINDEX TABLE CONCURRENTLY public.accounts",
  "REINDEX INDEX CONCURRENTLY public.sessions_account",
  "DROP INDEX CONCURRENTLY public.accounts_email_lower",
  "CREATE INDEX CONCURRENTLY accounts_email_lower ON public.accounts (lower(email)) WHERE plan = 'pro'",
  "REFRESH MATERIALIZED VIEW CONCURRENTLY public.plan_counts",
  "ANALYZE",
];

/** Builds both sides, the environment one statement at a time, and diffs them. */
export async function runOutsideTransactionCase(
  createDatabase: (prefix: string, sql: string) => Promise<CaseDatabase>,
): Promise<FindingSummary[]> {
  const baselineDb = await createDatabase("nd_before", SCHEMA);
  try {
    const envDb = await createDatabase("nd_after", "SELECT 1");
    try {
      for (const statement of ENVIRONMENT_STATEMENTS) await envDb.client.query(statement);
      const baseline = await introspect(baselineDb.client);
      const actual = await introspect(envDb.client);
      return diffSnapshots(baseline.objects, actual.objects).findings.map(
        ({ kind, object, change, attribute, severity }) => ({
          kind,
          object,
          change,
          ...(attribute === undefined ? {} : { attribute }),
          severity,
        }),
      );
    } finally {
      await envDb.drop();
    }
  } finally {
    await baselineDb.drop();
  }
}

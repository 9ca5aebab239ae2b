/** Help texts, one per command (`pgdrift <command> --help`). */

export const MAIN_HELP = `pgdrift: audit PostgreSQL databases for schema drift against your migrations

Usage:
  pgdrift baseline build --migrations DIR --out FILE   build the expected schema from migrations
  pgdrift snapshot --url URL [--out FILE]              snapshot a live database
  pgdrift diff FROM TO                                 compare two snapshots or databases
  pgdrift audit [--config FILE] [--baseline FILE] [--env NAME=URL]…
                                                       audit environments against a baseline
  pgdrift demo                                         the incident story, on embedded PostgreSQL

Options:
  -h, --help     help (also after a command: pgdrift audit --help)
  --version      print the version

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete
(bad input, unreachable database, an environment in error).
`;

export const BASELINE_HELP = `Usage: pgdrift baseline build --migrations DIR --out FILE [options]

Applies the migrations, in order, to a scratch database of the PostgreSQL major you run in
production, and writes the resulting schema as a snapshot file (the baseline).

Options:
  --migrations DIR     the migrations folder (required)
  --format FORMAT      auto (default), sql, flyway, golang-migrate, dbmate, prisma, node-pg-migrate
  --pg-version MAJOR   scratch PostgreSQL major, started embedded (default 17)
  --scratch-url URL    use this server instead: pgdrift creates and drops a temporary
                       database there (the user needs CREATEDB)
  --schemas a,b        only these schemas (default: every non-system schema)
  --out FILE           where to write the baseline (required)
`;

export const SNAPSHOT_HELP = `Usage: pgdrift snapshot --url URL [--schemas a,b] [--out FILE]

Reads a live database's catalog in one read-only transaction (no table locks) and writes
its snapshot: JSON, deterministic, without credentials.

Options:
  --url URL        postgres://user:password@host:port/database (required)
  --schemas a,b    only these schemas (default: every non-system schema)
  --out FILE       where to write the snapshot (default: stdout)
`;

export const DIFF_HELP = `Usage: pgdrift diff FROM TO [--format text|json|markdown] [--fail-on SEVERITY]

Compares TO with FROM (the expected side). Each is a snapshot file or a postgres:// URL.

Options:
  --format FORMAT      text (default), json, markdown
  --out FILE           write the report there instead of stdout
  --fail-on SEVERITY   critical, high, medium, low, info (default), none:
                       exit 1 when a finding is at or above it
  --schemas a,b        schemas to read from a URL (default: those of FROM)

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete.
`;

export const AUDIT_HELP = `Usage: pgdrift audit [--config FILE] [--baseline FILE] [--env NAME=URL]… [options]

Audits each environment against the baseline and reports what drifted, with severities and
what to do. One environment failing (unreachable, wrong password) does not stop the others.

Options:
  --config FILE        pgdrift.config.json (default: ./pgdrift.config.json when present)
  --baseline FILE      the baseline snapshot (default: from the config; s3:// needs the AWS
                       integration)
  --env NAME=URL       an environment to audit; repeatable; adds to the config's environments
                       (the same name replaces its URL)
  --format FORMAT      text (default), json, markdown
  --out FILE           write the report there instead of stdout
  --fail-on SEVERITY   critical, high, medium, low, info (default), none:
                       exit 1 when a finding is at or above it (default from the config)

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete, or an
environment could not be audited (even when the others were).
Environment URLs may also come from environment variables (urlEnv in the config).
`;

export const DEMO_HELP = `Usage: pgdrift demo [--out DIR]

Replays the incident pgdrift exists for: starts an embedded PostgreSQL, builds the baseline
from examples/shop/migrations, creates a drifted staging and production database, audits
both and prints the report. Nothing outside the temporary cluster is touched.

Options:
  --out DIR            where to write report.json and report.md (default ./pgdrift-demo-report)
  --pg-version MAJOR   PostgreSQL major of the embedded cluster (default 17)

Exit code: 0 when the demo ran (finding drift is what it is meant to show), 2 when it could
not run.
`;

/** Help texts, one per command (`pgdrift <command> --help`). */

/** `pgdrift invoke --wait` gives up after this many seconds unless --timeout says otherwise. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 1800;

export const MAIN_HELP = `pgdrift: audit PostgreSQL databases for schema drift against your migrations

Usage:
  pgdrift baseline build --migrations DIR --out FILE   build the expected schema from migrations
  pgdrift baseline publish --file FILE --bucket B      upload a baseline to S3 for the AWS audits
  pgdrift snapshot --url URL [--out FILE]              snapshot a live database
  pgdrift diff FROM TO                                 compare two snapshots or databases
  pgdrift audit [--config FILE] [--baseline FILE|s3://…] [--env NAME=URL]…
                                                       audit environments against a baseline
  pgdrift invoke --stack NAME [--env NAME]… [--wait]   start an audit run on AWS (and follow it)
  pgdrift demo                                         the incident story, on embedded PostgreSQL

Options:
  -h, --help     help (also after a command: pgdrift audit --help)
  --version      print the version

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete
(bad input, unreachable database, an environment in error).
`;

export const BASELINE_COMMANDS_HELP = `Usage:
  pgdrift baseline build --migrations DIR --out FILE [options]
      build the baseline (the schema the migrations produce) into a snapshot file
  pgdrift baseline publish --file FILE --bucket BUCKET [--prefix PREFIX] [--region REGION]
      upload a baseline file to S3, where the AWS audits read it

See pgdrift baseline build --help and pgdrift baseline publish --help.
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
  --placeholder N=V    a Flyway placeholder's value, e.g. flyway:user=app (repeatable);
                       flyway:table defaults to flyway_schema_history;
                       flyway:defaultSchema to Flyway's default schema (below), else
                       public, and giving it makes it the default schema
  --flyway-config FILE Flyway's flyway.conf or flyway.toml (default: the one in the
                       migrations folder or the nearest folder above it, up to the
                       repository's root). Its flyway.schemas and flyway.defaultSchema
                       are honoured as Flyway does: the schemas are created first
                       (unless flyway.createSchemas=false) and each migration runs with
                       search_path set to the default schema, then the server's
  --checkpoints N      also store the schema at the last N migration versions (the head
                       included): an environment whose history says it is at one of them
                       is compared with it, and reports its pending migrations instead
  --setup FILE         SQL run on the scratch database before the first migration, in its
                       own transaction (repeatable: in the order given): what the platform
                       provides before any migration (roles, schemas such as auth, stub
                       tables such as auth.users, functions, extensions). What it creates
                       is in the baseline; the file is not a migration (not in the
                       baseline's migration list, never compared with a history table)
  --out FILE           where to write the baseline (required)
`;

export const BASELINE_PUBLISH_HELP = `Usage: pgdrift baseline publish --file FILE --bucket BUCKET [--prefix PREFIX] [--region REGION]

Checks that FILE is a valid baseline snapshot, uploads it to
s3://BUCKET/PREFIXbaselines/sha256-<digest>.json (written once: publishing the same baseline
again uploads nothing), then points s3://BUCKET/PREFIXbaselines/current.json at it. Audits
read the baseline that pointer names (pgdrift audit --baseline s3://BUCKET/PREFIX, and the
AWS audit Lambda). Prints the object's key and the baseline's digest.

Options:
  --file FILE        the baseline snapshot, from pgdrift baseline build (required)
  --bucket BUCKET    the baselines bucket (required; the stack's BaselineBucketName output)
  --prefix PREFIX    a key prefix, e.g. shop/ (default: none, where the stack's audits read)
  --region REGION    AWS region (default: AWS_REGION or your profile's)

AWS credentials come from the default chain (AWS_PROFILE, environment keys, SSO, an instance
or task role); the caller needs s3:PutObject and s3:GetObject on the bucket.

Exit codes: 0 published · 2 could not (bad file, bucket, credentials…).
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
  --ignore-file FILE   ignore rules: a JSON list of rules, or an object with an "ignore" list

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete.
`;

export const AUDIT_HELP = `Usage: pgdrift audit [--config FILE] [--baseline FILE|s3://…] [--env NAME=URL]… [options]

Audits each environment against the baseline and reports what drifted, with severities and
what to do. One environment failing (unreachable, wrong password) does not stop the others.

Options:
  --config FILE        pgdrift.config.json (default: ./pgdrift.config.json when present)
  --baseline FILE      the baseline snapshot (default: from the config), or in S3:
                       s3://BUCKET[/PREFIX] the one the current pointer names (see
                       pgdrift baseline publish), …/baselines/sha256-<hex>.json that one;
                       AWS credentials and region from the default chain (AWS_REGION, …)
  --env NAME=URL       an environment to audit; repeatable; adds to the config's environments
                       (the same name replaces its URL)
  --format FORMAT      text (default), json, markdown
  --out FILE           write the report there instead of stdout
  --fail-on SEVERITY   critical, high, medium, low, info (default), none:
                       exit 1 when a finding is at or above it (default from the config)
  --ignore-file FILE   ignore rules to add to the config's: a JSON list of rules, or an
                       object with an "ignore" list (see docs/config.md)

Exit codes: 0 no finding at or above --fail-on · 1 drift · 2 could not complete, or an
environment could not be audited (even when the others were).
Environment URLs may also come from environment variables (urlEnv in the config).
`;

export const INVOKE_HELP = `Usage: pgdrift invoke (--state-machine ARN | --stack NAME) [--env NAME]… [options]

Starts an on-demand audit run of the deployed pgdrift stack (its Step Functions state
machine), e.g. from CI after a deploy. Without --wait, prints the execution ARN and exits.
With --wait, follows the run and exits as pgdrift audit does, after printing a one-line
summary with the archived report's key.

Options:
  --state-machine ARN   the state machine to start
  --stack NAME          or the CloudFormation stack: its StateMachineArn output names it
  --env NAME            audit only this environment; repeatable (default: all of them)
  --requested-by WHO    who asked, shown in the report and notifications
                        (default: user@host; in CI pass e.g. the job URL)
  --wait                follow the run until it ends
  --timeout SECONDS     with --wait: give up after this long (default ${DEFAULT_WAIT_TIMEOUT_SECONDS}); the run
                        itself goes on in AWS
  --fail-on SEVERITY    with --wait: critical, high, medium, low, info (default), none:
                        exit 1 when the worst finding is at or above it
  --region REGION       AWS region (default: the ARN's, or AWS_REGION / your profile's)

AWS credentials come from the default chain; the caller needs states:StartExecution and
states:DescribeExecution (and cloudformation:DescribeStacks with --stack).

Exit codes: 0 started (without --wait), or no finding at or above --fail-on · 1 drift ·
2 could not start or follow the run, the run failed, timed out or was aborted, or an
environment could not be audited.
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

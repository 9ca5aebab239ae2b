import { type Finding, findingId } from "../../shared/diff/finding.ts";
import { buildReport, comparedEnvironment, failedEnvironment } from "../../shared/report/build.ts";
import type { Report } from "../../shared/report/model.ts";

type Draft = Omit<Finding, "id">;

export function finding(draft: Draft): Finding {
  return { id: findingId(draft.kind, draft.object, draft.change, draft.attribute), ...draft };
}

/** The incident's findings, as the diff engine reports them (values as in a snapshot). */
export const PRODUCTION_FINDINGS: readonly Finding[] = [
  finding({
    kind: "column",
    object: "public.orders.status",
    change: "changed",
    attribute: "default",
    severity: "high",
    expected: "'pending'::character varying",
    actual: null,
    message: "column public.orders.status default changed",
    table: "public.orders",
    remediation:
      "ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'pending'::character varying;",
  }),
  finding({
    kind: "column",
    object: "billing.payments.transaction_ref",
    change: "missing",
    severity: "critical",
    expected: {
      table: "billing.payments",
      name: "transaction_ref",
      type: "text",
      nullable: true,
      default: null,
      identity: null,
      generated: null,
      collation: null,
      position: 5,
      comment: null,
      privileges: [],
    },
    actual: null,
    message: "column billing.payments.transaction_ref is missing",
    table: "billing.payments",
    remediation: "apply migration 004_payments_transaction_ref.sql",
  }),
  finding({
    kind: "constraint",
    object: "public.orders.orders_user_id_fkey",
    change: "changed",
    attribute: "on_delete",
    severity: "critical",
    expected: "CASCADE",
    actual: "RESTRICT",
    message: "foreign key public.orders.orders_user_id_fkey ON DELETE changed",
    table: "public.orders",
  }),
  finding({
    kind: "column",
    object: "public.orders.status",
    change: "changed",
    attribute: "type",
    severity: "critical",
    expected: "character varying(50)",
    actual: "character varying(20)",
    message: "column public.orders.status type changed",
    table: "public.orders",
  }),
];

export const STAGING_FINDINGS: readonly Finding[] = [
  finding({
    kind: "index",
    object: "public.idx_user_orders",
    change: "unexpected",
    severity: "medium",
    expected: null,
    actual: {
      table: "public.orders",
      name: "idx_user_orders",
      columns: ["user_id", "status"],
      predicate: null,
      method: "btree",
      unique: false,
      include: [],
      valid: true,
      definition: null,
    },
    message: "unexpected index public.idx_user_orders | a pipe",
    table: "public.orders",
    remediation:
      "check pg_stat_user_indexes, then DROP INDEX public.idx_user_orders; or add it to a migration",
  }),
];

export const IGNORED_FINDING = finding({
  kind: "column",
  object: "public.users.last_login",
  change: "unexpected",
  severity: "medium",
  expected: null,
  actual: { type: "timestamp without time zone", nullable: true, default: null },
  message: "unexpected column public.users.last_login",
});

export const DIGEST = `sha256:${"ab12".repeat(16)}`;

export function sampleReport(): Report {
  return buildReport({
    runId: "run-1",
    trigger: "cli",
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:00:02.000Z",
    baseline: {
      source: {
        kind: "migrations",
        serverVersion: "17.6",
        serverVersionNum: 170006,
        format: "sql",
        migrations: [
          { file: "001_users.sql", version: "001_users", checksum: DIGEST },
          { file: "002_orders.sql", version: "002_orders", checksum: DIGEST },
        ],
      },
      digest: DIGEST,
      location: "examples/shop/migrations",
    },
    environments: [
      comparedEnvironment({
        name: "production",
        serverVersion: "16.4",
        findings: PRODUCTION_FINDINGS,
        notes: ["baseline built on PostgreSQL 17, environment runs 16"],
        snapshotDigest: DIGEST,
      }),
      comparedEnvironment({
        name: "staging",
        serverVersion: "17.6",
        findings: STAGING_FINDINGS,
        ignored: [
          { finding: IGNORED_FINDING, reason: "added by the login feature, migration pending" },
        ],
        snapshotDigest: DIGEST,
      }),
      comparedEnvironment({
        name: "dev",
        serverVersion: "17.6",
        findings: [],
        snapshotDigest: DIGEST,
      }),
      failedEnvironment({
        name: "qa",
        error: {
          code: "connection_refused",
          message:
            "qa: cannot connect to db.example.com:5432 (connection refused): check host, port and that the server accepts TCP connections",
        },
      }),
    ],
  });
}

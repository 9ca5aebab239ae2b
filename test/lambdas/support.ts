import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import type { AuditLambdaSettings, SummarizeLambdaSettings } from "../../lambdas/env.ts";
import { publishBaseline } from "../../shared/aws/baseline-store.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { createSnapshot } from "../../shared/snapshot/snapshot.ts";
import { ARCHIVE_BUCKET, type AwsMocks, BASELINE_BUCKET, TOPIC_ARN } from "../aws/support.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";

/*
 * Real databases for the handler tests: the shop example at head (the baseline) and with the
 * production drift of the incident, a login role the audit connects as, and the baseline
 * published to the (mocked) baselines bucket the way `pgdrift baseline publish` does it.
 */

const SHOP = new URL("../../examples/shop/", import.meta.url);
export const MIGRATIONS = readdirSync(new URL("migrations/", SHOP))
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(new URL(`migrations/${f}`, SHOP), "utf8"));
export const PRODUCTION_DRIFT = readFileSync(new URL("drift/production.sql", SHOP), "utf8");

export const NOW = new Date("2026-11-25T03:00:00.000Z");
export const DAY = "2026-11-25";

export const AUDIT_SETTINGS: AuditLambdaSettings = {
  baselineBucket: BASELINE_BUCKET,
  baselinePrefix: "",
  archiveBucket: ARCHIVE_BUCKET,
  topicArn: TOPIC_ARN,
  diffOptions: {},
  serviceName: "pgdrift-audit",
  metricsNamespace: "pgdrift-test",
};

export const SUMMARIZE_SETTINGS: SummarizeLambdaSettings = {
  archiveBucket: ARCHIVE_BUCKET,
  topicArn: TOPIC_ARN,
  serviceName: "pgdrift-summarize",
  metricsNamespace: "pgdrift-test",
};

export interface Shop {
  readonly head: TestDatabase;
  readonly production: TestDatabase;
  readonly baseline: Snapshot;
  /** The audit's login role and its password. */
  readonly role: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The shop databases, a baseline of the head, and a login role with a password. */
export async function createShop(prefix: string): Promise<Shop> {
  const head = await createTestDatabase(`${prefix}_head`, MIGRATIONS.join("\n"));
  const production = await createTestDatabase(
    `${prefix}_prod`,
    `${MIGRATIONS.slice(0, 3).join("\n")}\n${PRODUCTION_DRIFT}`,
  );
  const result = await introspect(head.client);
  const baseline = createSnapshot({
    createdAt: NOW.toISOString(),
    source: {
      kind: "database",
      serverVersion: result.serverVersion,
      serverVersionNum: result.serverVersionNum,
      database: result.database,
      host: null,
    },
    scope: { schemas: null },
    objects: result.objects,
  });
  const role = `auditor_${randomBytes(4).toString("hex")}`;
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  // No privileges beyond LOGIN: CONNECT is PUBLIC's, and pg_catalog needs nothing more.
  await admin((client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`));
  const url = new URL(adminUrl());
  return {
    head,
    production,
    baseline,
    role,
    password,
    host: url.hostname,
    port: Number(url.port),
    drop: async () => {
      await head.drop();
      await production.drop();
      await admin((client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    },
  };
}

/** Publishes the baseline into the mocked baselines bucket, then forgets those S3 calls. */
export async function publishTestBaseline(aws: AwsMocks, baseline: Snapshot): Promise<string> {
  const published = await publishBaseline(aws.s3Client, { bucket: BASELINE_BUCKET }, baseline, {
    now: NOW,
  });
  aws.s3.resetHistory();
  return published.key;
}

/** A TCP port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

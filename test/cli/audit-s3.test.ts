import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditCommand } from "../../cli/commands/audit.ts";
import { CliError } from "../../cli/errors.ts";
import { publishBaseline } from "../../shared/aws/baseline-store.ts";
import { buildBaseline } from "../../shared/baseline/build.ts";
import type { Report } from "../../shared/report/model.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";
import { fakeS3 } from "./s3-fake.ts";
import { tempDir } from "./support.ts";

const SHOP = new URL("../../examples/shop/", import.meta.url);
const MIGRATIONS_DIR = fileURLToPath(new URL("migrations/", SHOP));
const SCHEMA = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(join(MIGRATIONS_DIR, f), "utf8"))
  .join("\n");
const STAGING_DRIFT = readFileSync(new URL("drift/staging.sql", SHOP), "utf8");
const BUCKET = "acme-pgdrift-baselines";

describe("pgdrift audit --baseline s3://…", () => {
  const dir = tempDir();
  let baseline: Snapshot;
  let key: string;
  let head: TestDatabase;
  let staging: TestDatabase;
  let s3: ReturnType<typeof fakeS3>;
  let logged: string[];

  beforeAll(async () => {
    baseline = await buildBaseline({
      migrationsDir: MIGRATIONS_DIR,
      format: "auto",
      scratch: { kind: "server", url: adminUrl() },
      createdAt: "2025-06-01T12:00:00.000Z",
      log: () => undefined,
    });
    key = `shop/baselines/sha256-${baseline.digest.slice("sha256:".length)}.json`;
    head = await createTestDatabase("s3_head", SCHEMA);
    staging = await createTestDatabase("s3_staging", `${SCHEMA}\n${STAGING_DRIFT}`);
  });

  afterAll(async () => {
    await head?.drop();
    await staging?.drop();
  });

  beforeEach(async () => {
    s3 = fakeS3(BUCKET);
    await publishBaseline(s3.client, { bucket: BUCKET, prefix: "shop" }, baseline);
    s3.mock.resetHistory();
    logged = [];
  });

  /** Runs the audit in-process with the mocked S3 client; returns the exit code and the report. */
  async function audit(...args: string[]): Promise<{ code: number; report: Report }> {
    const out = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
    const code = await auditCommand(
      [...args, "--format", "json", "--out", out],
      (line) => logged.push(line),
      { s3: s3.client },
    );
    return { code, report: JSON.parse(readFileSync(out, "utf8")) as Report };
  }

  it("loads the baseline the current pointer names, and says where it came from", async () => {
    const { code, report } = await audit(
      "--baseline",
      `s3://${BUCKET}/shop`,
      "--env",
      `head=${head.url}`,
    );

    expect(code).toBe(0);
    expect(report.environments.map((env) => [env.name, env.status])).toEqual([["head", "clean"]]);
    expect(report.baseline.digest).toBe(baseline.digest);
    expect(report.baseline.location).toBe(`s3://${BUCKET}/${key}`);
    expect(s3.mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      "shop/baselines/current.json",
      key,
    ]);
    expect(logged.slice(0, 2)).toEqual([
      `loading the baseline from s3://${BUCKET}/shop…`,
      `baseline: s3://${BUCKET}/${key}`,
    ]);
  });

  it("exits 1 on drift against the S3 baseline", async () => {
    const { code, report } = await audit(
      "--baseline",
      `s3://${BUCKET}/shop/`,
      "--env",
      `staging=${staging.url}`,
    );
    expect(code).toBe(1);
    expect(report.environments[0]?.summary.total).toBe(2);
  });

  it("loads a baseline pinned by its object key, without the pointer", async () => {
    const { code } = await audit(
      "--baseline",
      `s3://${BUCKET}/${key}`,
      "--env",
      `head=${head.url}`,
    );
    expect(code).toBe(0);
    expect(s3.mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      key,
    ]);
  });

  it("reads a plain snapshot object, checked against its own digest", async () => {
    s3.objects.set("manual/shop.json", serializeSnapshot(baseline));
    const { code, report } = await audit(
      "--baseline",
      `s3://${BUCKET}/manual/shop.json`,
      "--env",
      `head=${head.url}`,
    );
    expect(code).toBe(0);
    expect(report.baseline.location).toBe(`s3://${BUCKET}/manual/shop.json`);
  });

  it("takes an s3:// baseline from the config as is, not as a path relative to it", async () => {
    const configDir = join(dir, "config");
    mkdirSync(configDir, { recursive: true });
    const config = join(configDir, "pgdrift.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        baseline: `s3://${BUCKET}/shop`,
        environments: [{ name: "head", url: head.url }],
      }),
    );
    const { code, report } = await audit("--config", config);
    expect(code).toBe(0);
    expect(report.baseline.location).toBe(`s3://${BUCKET}/${key}`);
  });

  it("refuses a baseline object that does not match its digest, in one line", async () => {
    const tampered = JSON.parse(serializeSnapshot(baseline)) as { objects: { table: object } };
    tampered.objects.table = {};
    s3.objects.set(key, JSON.stringify(tampered));

    const error = await audit(
      "--baseline",
      `s3://${BUCKET}/shop`,
      "--env",
      `head=${head.url}`,
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(
      new RegExp(`^s3://${BUCKET}/${key}: digest mismatch: the file says sha256:`),
    );
  });

  it("names the pointer when nothing was published under the prefix", async () => {
    const error = await audit(
      "--baseline",
      `s3://${BUCKET}/billing`,
      "--env",
      `head=${head.url}`,
    ).catch((e: unknown) => e);

    expect((error as CliError).message).toBe(
      `s3://${BUCKET}/billing/baselines/current.json not found: no baseline has been published under this prefix (pgdrift baseline publish does it)`,
    );
  });
});

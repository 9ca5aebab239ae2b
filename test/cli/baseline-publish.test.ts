import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it } from "vitest";
import { runBaselinePublish } from "../../cli/commands/baseline-publish.ts";
import { CliError } from "../../cli/errors.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { createSnapshot, serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { shop } from "../diff/builders.ts";
import { fakeS3, s3Error } from "./s3-fake.ts";
import { tempDir } from "./support.ts";

const BUCKET = "acme-pgdrift-baselines";

const BASELINE: Snapshot = createSnapshot({
  createdAt: "2025-06-01T11:59:00.000Z",
  source: {
    kind: "migrations",
    serverVersion: "17.5",
    serverVersionNum: 170005,
    format: "sql",
    migrations: [{ file: "001_shop.sql", version: "001_shop.sql", checksum: "sha256:00" }],
  },
  scope: { schemas: null },
  objects: shop().build(),
});
const HEX = BASELINE.digest.slice("sha256:".length);

describe("pgdrift baseline publish", () => {
  const dir = tempDir();
  const file = join(dir, "shop.baseline.json");
  writeFileSync(file, serializeSnapshot(BASELINE));

  let s3: ReturnType<typeof fakeS3>;
  let logged: string[];
  let stdout: string;
  beforeEach(() => {
    s3 = fakeS3(BUCKET);
    logged = [];
    stdout = "";
  });

  const publish = (...args: string[]) =>
    runBaselinePublish(args, (line) => logged.push(line), {
      s3: s3.client,
      stdout: (text) => {
        stdout += text;
      },
      now: new Date("2025-06-01T12:00:00.000Z"),
    });

  /** The CliError a run fails with (what main prints as `pgdrift: <message>`, exit 2). */
  async function failure(run: Promise<number>): Promise<CliError> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).not.toContain("\n");
    return error as CliError;
  }

  it("uploads the file content-addressed, moves the pointer and prints the key and digest", async () => {
    const code = await publish("--file", file, "--bucket", BUCKET, "--prefix", "shop");

    expect(code).toBe(0);
    const key = `shop/baselines/sha256-${HEX}.json`;
    expect(stdout).toBe(`key: ${key}\ndigest: ${BASELINE.digest}\n`);
    expect(s3.mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      key,
      "shop/baselines/current.json",
    ]);
    expect(s3.mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: BUCKET,
      Body: serializeSnapshot(BASELINE),
      IfNoneMatch: "*",
    });
    expect(logged).toEqual([
      `publishing ${file} (${BASELINE.digest.slice(0, 19)}) to s3://${BUCKET}/shop/…`,
      `uploaded s3://${BUCKET}/${key}`,
      `s3://${BUCKET}/shop/baselines/current.json now names it: audits use this baseline from now on`,
    ]);
  });

  it("says so when the same baseline was already published, and exits 0", async () => {
    await publish("--file", file, "--bucket", BUCKET);
    logged = [];

    const code = await publish("--file", file, "--bucket", BUCKET);

    expect(code).toBe(0);
    expect(logged[1]).toBe(
      `s3://${BUCKET}/baselines/sha256-${HEX}.json was already stored (same digest): not uploaded again`,
    );
  });

  it("checks the file before sending anything", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, serializeSnapshot({ ...BASELINE, digest: `sha256:${"0".repeat(64)}` }));

    const error = await publish("--file", broken, "--bucket", BUCKET).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(new RegExp(`^${broken}: digest mismatch`));
    expect(s3.mock.calls()).toHaveLength(0);
  });

  it("names a missing file", async () => {
    const error = await failure(publish("--file", join(dir, "nope.json"), "--bucket", BUCKET));
    expect(error.message).toBe(`baseline file ${join(dir, "nope.json")} not found`);
  });

  it.each([
    [["--bucket", BUCKET], "pgdrift baseline publish needs --file"],
    [["--file", "b.json"], "pgdrift baseline publish needs --bucket"],
    [
      ["--file", "b.json", "--bucket", "Acme_Bucket"],
      '--bucket "Acme_Bucket" is not an S3 bucket name',
    ],
    [
      ["--file", "b.json", "--bucket", "s3://acme/shop"],
      "--bucket takes a bucket name, not a URI: for s3://acme/shop, pass --bucket BUCKET --prefix PREFIX",
    ],
    [
      ["--file", "b.json", "--bucket", BUCKET, "--region", "Europe"],
      "--region Europe is not an AWS region",
    ],
  ])("refuses %j before reading anything", async (args, message) => {
    const error = await failure(publish(...args));
    expect(error.message).toContain(message);
    expect(s3.mock.calls()).toHaveLength(0);
  });

  it("names the bucket, the object and the permission when S3 refuses", async () => {
    s3.mock.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));

    const error = await failure(publish("--file", file, "--bucket", BUCKET));

    expect(error.message).toMatch(
      new RegExp(`^s3://${BUCKET}/baselines/sha256-${HEX}\\.json: access denied .*s3:PutObject`),
    );
  });

  it("says what to do when there are no AWS credentials", async () => {
    const missing = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    s3.mock.on(PutObjectCommand).rejects(missing);

    const error = await failure(publish("--file", file, "--bucket", BUCKET));

    expect(error.message).toMatch(
      new RegExp(
        `^could not publish ${file} to s3://${BUCKET}/: no AWS credentials found: set AWS_PROFILE`,
      ),
    );
  });

  it("says what to do when no region is configured", async () => {
    s3.mock.on(PutObjectCommand).rejects(new Error("Region is missing"));

    const error = await failure(publish("--file", file, "--bucket", BUCKET));

    expect(error.message).toBe(
      `could not publish ${file} to s3://${BUCKET}/: no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)`,
    );
  });
});

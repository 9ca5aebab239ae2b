import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSnapshot, serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { shop } from "../diff/builders.ts";
import { BIN, type CliResult, lines, tempDir } from "./support.ts";

/**
 * Reports, on exit, whether any @aws-sdk module was loaded. The SDK packages are CommonJS, so
 * whatever imports them leaves them in the CommonJS module cache.
 */
const PROBE = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from "node:module";
const cache = createRequire(process.execPath).cache;
process.on("exit", () => {
  if (Object.keys(cache).some((path) => path.includes("/@aws-sdk/"))) {
    process.stderr.write("probe: AWS SDK loaded\\n");
  }
});
`)}`;

/** `node --import PROBE bin/pgdrift.mjs …` with a clean environment: no AWS region, no credentials. */
function runProbed(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const home = tempDir();
  const child = spawn(process.execPath, ["--import", PROBE, BIN, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      AWS_CONFIG_FILE: join(home, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const SDK_LOADED = "probe: AWS SDK loaded";
/** The SDK's warning on Node < 22 (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED hides it). */
const SDK_WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript/;

function expectOneLineError(result: CliResult): string {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  const errors = lines(result.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^pgdrift: /);
  return errors[0] ?? "";
}

describe("the AWS SDK is loaded only by the commands that talk to AWS", () => {
  it("is not loaded by --version", async () => {
    const result = await runProbed(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("is not loaded by a local diff", async () => {
    const dir = tempDir();
    const snapshot = createSnapshot({
      createdAt: "2025-06-01T12:00:00.000Z",
      source: {
        kind: "database",
        serverVersion: "17.5",
        serverVersionNum: 170005,
        database: "shop",
        host: null,
      },
      scope: { schemas: null },
      objects: shop().build(),
    });
    writeFileSync(join(dir, "a.json"), serializeSnapshot(snapshot));
    writeFileSync(join(dir, "b.json"), serializeSnapshot(snapshot));

    const result = await runProbed(["diff", "a.json", "b.json"], { cwd: dir });

    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(SDK_WARNING);
    expect(result.stderr).not.toContain(SDK_LOADED);
  });

  it("is loaded by an s3:// baseline, which then names what is missing in one line", async () => {
    const result = await runProbed(
      ["audit", "--baseline", "s3://acme-baselines/shop", "--env", "staging=postgres://h/db"],
      { env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
    );
    expect(result.stderr).toContain(SDK_LOADED);
    const errors = lines(result.stderr).filter((line) => line !== SDK_LOADED);
    expect(result.code).toBe(2);
    expect(errors).toEqual([
      "loading the baseline from s3://acme-baselines/shop…",
      "pgdrift: --baseline s3://acme-baselines/shop: no AWS region: set AWS_REGION (or a region in your AWS profile)",
    ]);
  });

  it("says when baseline publish finds no AWS credentials", async () => {
    const dir = tempDir();
    const snapshot = createSnapshot({
      createdAt: "2025-06-01T12:00:00.000Z",
      source: {
        kind: "migrations",
        serverVersion: "17.5",
        serverVersionNum: 170005,
        format: "sql",
        migrations: [],
      },
      scope: { schemas: null },
      objects: shop().build(),
    });
    writeFileSync(join(dir, "base.json"), serializeSnapshot(snapshot));

    const result = await runProbed(
      [
        "baseline",
        "publish",
        "--file",
        "base.json",
        "--bucket",
        "acme-baselines",
        "--region",
        "eu-west-1",
      ],
      { cwd: dir, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
    );

    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const errors = lines(result.stderr).filter((line) => line !== SDK_LOADED);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^publishing base\.json \(sha256:[0-9a-f]{12}\) to s3:\/\/acme-baselines\/…$/,
    );
    expect(errors[1]).toMatch(
      /^pgdrift: could not publish base\.json to s3:\/\/acme-baselines\/: no AWS credentials found: set AWS_PROFILE/,
    );
  });
});

describe("baseline publish and invoke: bad arguments exit 2 with one line, before any AWS call", () => {
  it.each([
    [
      ["baseline", "publish", "--file", "base.json"],
      "pgdrift: pgdrift baseline publish needs --bucket (see pgdrift baseline publish --help)",
    ],
    [
      ["baseline", "publish", "--bucket", "acme-baselines"],
      "pgdrift: pgdrift baseline publish needs --file (see pgdrift baseline publish --help)",
    ],
    [
      ["baseline", "publish", "--file", "b.json", "--bucket", "acme", "--force"],
      "pgdrift: unknown option --force for pgdrift baseline publish (see pgdrift baseline publish --help)",
    ],
    [
      ["baseline", "publish", "--file", "missing.json", "--bucket", "acme-baselines"],
      "pgdrift: baseline file missing.json not found",
    ],
    [
      ["baseline", "upload"],
      "pgdrift: unknown command baseline upload: use pgdrift baseline build or pgdrift baseline publish (see pgdrift baseline --help)",
    ],
    [
      ["invoke", "--stack", "Pgdrift", "--follow"],
      "pgdrift: unknown option --follow for pgdrift invoke (see pgdrift invoke --help)",
    ],
    [
      ["invoke", "--wait"],
      "pgdrift: pgdrift invoke needs one of --state-machine ARN or --stack NAME (see pgdrift invoke --help)",
    ],
    [["invoke", "--stack"], "pgdrift: --stack needs a value (see pgdrift invoke --help)"],
    [
      ["invoke", "--stack", "Pgdrift", "--timeout", "60"],
      "pgdrift: --timeout only applies with --wait (see pgdrift invoke --help)",
    ],
  ])("%j", async (args, message) => {
    const result = await runProbed(args);
    expect(expectOneLineError(result)).toBe(message);
    expect(result.stderr).not.toContain(SDK_LOADED);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, runCli, tempDir } from "./support.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Exit 2, nothing on stdout, one line on stderr: `pgdrift: …`. */
function expectOneLineError(result: {
  code: number | null;
  stdout: string;
  stderr: string;
}): string {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  const errors = lines(result.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^pgdrift: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return errors[0] ?? "";
}

describe("pgdrift --version and --help", () => {
  it("prints the package version", async () => {
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`pgdrift ${VERSION}\n`);
  });

  it.each([
    [["--help"], "pgdrift baseline build"],
    [["baseline", "build", "--help"], "Usage: pgdrift baseline build"],
    [["snapshot", "--help"], "Usage: pgdrift snapshot"],
    [["diff", "--help"], "Usage: pgdrift diff FROM TO"],
    [["audit", "--help"], "Usage: pgdrift audit"],
    [["baseline", "publish", "--help"], "Usage: pgdrift baseline publish"],
    [["baseline", "--help"], "pgdrift baseline publish --file FILE --bucket BUCKET"],
    [["invoke", "--help"], "Usage: pgdrift invoke"],
    [["demo", "--help"], "Usage: pgdrift demo"],
  ])("%j prints its usage and exits 0", async (args, usage) => {
    const result = await runCli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
    expect(result.stderr).toBe("");
  });

  it("says the demo exits 0 when it ran", async () => {
    const result = await runCli(["demo", "--help"]);
    expect(result.stdout).toMatch(/Exit code: 0 when the demo ran/);
  });

  it("prints the usage on stderr and exits 2 without a command", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage:");
  });
});

describe("bad input: exit 2 with one line naming what is wrong", () => {
  it("names an unknown command", async () => {
    expect(expectOneLineError(await runCli(["audti"]))).toContain("unknown command audti");
  });

  it("names an unknown flag and the command", async () => {
    const line = expectOneLineError(await runCli(["audit", "--bogus-flag"]));
    expect(line).toBe(
      "pgdrift: unknown option --bogus-flag for pgdrift audit (see pgdrift audit --help)",
    );
  });

  it("names a flag missing its value", async () => {
    expect(expectOneLineError(await runCli(["snapshot", "--url"]))).toContain(
      "--url needs a value",
    );
  });

  it("names an --env spec without =", async () => {
    const line = expectOneLineError(
      await runCli(["audit", "--baseline", "b.json", "--env", "staging"]),
    );
    expect(line).toContain("--env staging: expected NAME=URL");
  });

  it("names an --env URL that is not a postgres URL, without echoing it", async () => {
    const line = expectOneLineError(
      await runCli(["audit", "--baseline", "b.json", "--env", "staging=mysql://u:hunter22@h/db"]),
    );
    expect(line).toContain("--env staging: not a PostgreSQL URL");
    expect(line).not.toContain("hunter22");
  });

  it("names an unknown --fail-on value", async () => {
    const line = expectOneLineError(
      await runCli(["audit", "--fail-on", "severe", "--env", "a=postgres://h/db"]),
    );
    expect(line).toContain("--fail-on severe is not a severity");
  });

  it("names an unknown --format", async () => {
    expect(
      expectOneLineError(await runCli(["diff", "a.json", "b.json", "--format", "xml"])),
    ).toContain("--format xml is not supported");
  });

  it("names a missing baseline file", async () => {
    const line = expectOneLineError(
      await runCli([
        "audit",
        "--baseline",
        "nowhere/base.json",
        "--env",
        "staging=postgres://app@127.0.0.1:1/db",
      ]),
    );
    expect(line).toBe("pgdrift: baseline file nowhere/base.json not found");
  });

  it("names a corrupt baseline (not JSON)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "base.json"), "{ this is not json");
    const line = expectOneLineError(
      await runCli(
        ["audit", "--baseline", "base.json", "--env", "staging=postgres://app@127.0.0.1:1/db"],
        { cwd: dir },
      ),
    );
    expect(line).toMatch(/^pgdrift: base\.json: not valid JSON/);
  });

  it("names a baseline that is JSON but not a snapshot", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "report.json"),
      JSON.stringify({ format: "pgdrift.report/v1", environments: [] }),
    );
    const line = expectOneLineError(
      await runCli(
        ["audit", "--baseline", "report.json", "--env", "staging=postgres://app@127.0.0.1:1/db"],
        { cwd: dir },
      ),
    );
    expect(line).toBe(
      'pgdrift: report.json: not a pgdrift snapshot: expected format "pgdrift.snapshot/v1", found "pgdrift.report/v1"',
    );
  });

  it("names an s3:// baseline whose bucket name is not one", async () => {
    const line = expectOneLineError(
      await runCli([
        "audit",
        "--baseline",
        "s3://Shop_Baselines/base.json",
        "--env",
        "staging=postgres://app@127.0.0.1:1/db",
      ]),
    );
    expect(line).toBe(
      'pgdrift: --baseline: "Shop_Baselines" is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)',
    );
  });

  it("asks for environments when there are none", async () => {
    expect(expectOneLineError(await runCli(["audit", "--baseline", "b.json"]))).toContain(
      "no environments to audit",
    );
  });

  it("names a missing migrations folder for baseline build", async () => {
    const line = expectOneLineError(
      await runCli([
        "baseline",
        "build",
        "--migrations",
        "no/such/dir",
        "--scratch-url",
        "postgres://u@127.0.0.1:1/x",
        "--out",
        "b.json",
      ]),
    );
    expect(line).toContain("no/such/dir");
  });

  it("refuses --pg-version with --scratch-url", async () => {
    const line = expectOneLineError(
      await runCli([
        "baseline",
        "build",
        "--migrations",
        "m",
        "--pg-version",
        "16",
        "--scratch-url",
        "postgres://h/db",
        "--out",
        "b.json",
      ]),
    );
    expect(line).toContain("--pg-version and --scratch-url exclude each other");
  });

  it("names diff's missing TO", async () => {
    expect(expectOneLineError(await runCli(["diff", "a.json"]))).toContain(
      "pgdrift diff needs FROM and TO",
    );
  });
});

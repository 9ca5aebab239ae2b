// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flyway placeholders are written ${name}, literally
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSnapshot } from "../../shared/snapshot/snapshot.ts";
import { adminUrl } from "../support/db.ts";
import { runCli, tempDir } from "./support.ts";

/** A Flyway folder whose migration needs a user placeholder. */
function flywayFolder(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, "V1__accounts.sql"),
    "CREATE TABLE ${flyway:defaultSchema}.accounts (id bigint PRIMARY KEY);\nCOMMENT ON TABLE accounts IS 'owned by ${team}';\n",
  );
  return dir;
}

describe("pgdrift baseline build --placeholder", () => {
  it("gives Flyway placeholders their values, and records the tool's checksum", async () => {
    const dir = flywayFolder();
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--format",
      "flyway",
      "--scratch-url",
      adminUrl(),
      "--placeholder",
      "team=payments",
      "--out",
      out,
    ]);
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
    const snapshot = parseSnapshot(readFileSync(out, "utf8"), out);
    expect(snapshot.objects.table["public.accounts"]?.comment).toBe("owned by payments");
    expect(snapshot.source.kind === "migrations" && snapshot.source.migrations).toEqual([
      expect.objectContaining({
        file: "V1__accounts.sql",
        version: "1",
        kind: "versioned",
        description: "accounts",
        toolChecksum: expect.any(Number),
      }),
    ]);
  });

  it("names the placeholder and the file when a value is missing, and writes nothing", async () => {
    const dir = flywayFolder();
    const out = join(dir, "baseline.json");
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      dir,
      "--format",
      "flyway",
      "--scratch-url",
      adminUrl(),
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("V1__accounts.sql");
    expect(result.stderr).toContain("team");
    expect(() => readFileSync(out)).toThrow();
  });

  it("refuses a --placeholder that is not NAME=VALUE", async () => {
    const result = await runCli([
      "baseline",
      "build",
      "--migrations",
      "m",
      "--out",
      "b.json",
      "--placeholder",
      "team",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "pgdrift: --placeholder team is not NAME=VALUE: use e.g. --placeholder flyway:user=app",
    );
  });
});

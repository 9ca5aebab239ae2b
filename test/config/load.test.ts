import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/errors.ts";
import {
  configWarnings,
  loadConfig,
  parseIgnoreFile,
  redactUrls,
} from "../../shared/config/load.ts";

describe("loadConfig", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pgdrift-config-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads and validates a file, with no warnings for urlEnv", async () => {
    const file = join(dir, "ok.json");
    await writeFile(file, JSON.stringify({ environments: [{ name: "prod", urlEnv: "PROD_URL" }] }));

    const loaded = await loadConfig(file);

    expect(loaded).toEqual({
      config: { environments: [{ name: "prod", urlEnv: "PROD_URL" }] },
      warnings: [],
    });
  });

  it("warns, without repeating it, when a url holds a password", async () => {
    const file = join(dir, "secret.json");
    const config = {
      environments: [
        { name: "dev", url: "postgresql://app@localhost/app" },
        { name: "prod", url: "postgresql://app:hunter2@db.internal/app" },
      ],
    };
    await writeFile(file, JSON.stringify(config));

    const { warnings } = await loadConfig(file);

    expect(warnings).toEqual([
      `${file}: environments[1].url contains a password; keep secrets out of the file: set "urlEnv" to the name of an environment variable holding the URL`,
    ]);
    expect(warnings.join("")).not.toContain("hunter2");
  });

  it("names the file it cannot read", async () => {
    const file = join(dir, "absent.json");

    const error = await loadConfig(file).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${file}: cannot read the config file: no such file`,
    );
  });

  it("names the file in validation errors", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ failOn: "always" }));

    const error = await loadConfig(file).catch((e: unknown) => e);

    expect((error as ConfigError).message).toBe(
      `${file}: failOn: expected one of critical, high, medium, low, info, none, got "always"`,
    );
  });
});

describe("configWarnings", () => {
  it("recognises a password in a key=value connection string", () => {
    const warnings = configWarnings(
      { environments: [{ name: "prod", url: "host=db dbname=app password=hunter2" }] },
      "pgdrift.config.json",
    );

    expect(warnings).toHaveLength(1);
  });
});

describe("redactUrls", () => {
  it("hides the password of a URL and leaves other text alone", () => {
    expect(redactUrls("see postgres://u:p%40ss@h:5432/db now")).toBe(
      "see postgres://u:***@h:5432/db now",
    );
    expect(redactUrls("postgres://u@h/db")).toBe("postgres://u@h/db");
  });
});

describe("parseIgnoreFile", () => {
  it("reads a list of rules or an object with an ignore list", () => {
    const rule = { kind: "index", object: "public.idx_*", reason: "hand-made, tracked in #12" };
    expect(parseIgnoreFile(JSON.stringify([rule]), "rules.json")).toEqual([rule]);
    expect(parseIgnoreFile(JSON.stringify({ ignore: [rule] }), "rules.json")).toEqual([rule]);
  });

  it("names the file and the rule of a bad entry, in one line", () => {
    expect(() => parseIgnoreFile('[{"object": "x"}]', "rules.json")).toThrow(
      /^rules\.json: ignore\[0\]\.reason: /,
    );
    expect(() => parseIgnoreFile("[{", "rules.json")).toThrow(/^rules\.json: invalid JSON/);
  });
});

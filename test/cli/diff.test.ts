import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSnapshot,
  parseSnapshot,
  serializeSnapshot,
} from "../../shared/snapshot/snapshot.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/db.ts";
import { runCli, tempDir } from "./support.ts";

const SHOP = new URL("../../examples/shop/", import.meta.url);
const SCHEMA = readdirSync(new URL("migrations/", SHOP))
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => readFileSync(new URL(`migrations/${f}`, SHOP), "utf8"))
  .join("\n");

describe("pgdrift snapshot and diff", () => {
  const dir = tempDir();
  const file = (name: string) => join(dir, `${name}.json`);
  const databases: TestDatabase[] = [];

  /** A database with the shop schema plus `extra`, snapshotted by the CLI into NAME.json. */
  async function snapshotOf(name: string, extra = ""): Promise<TestDatabase> {
    const db = await createTestDatabase(`cli_${name}`, `${SCHEMA}\n${extra}`);
    databases.push(db);
    const result = await runCli(["snapshot", "--url", db.url, "--out", file(name)]);
    expect(result.code, result.stderr).toBe(0);
    return db;
  }

  let ghost: TestDatabase;

  beforeAll(async () => {
    await snapshotOf("a");
    await snapshotOf("b");
    ghost = await snapshotOf("ghost", "CREATE INDEX ghost_idx ON public.orders (status);");
    await snapshotOf("broken", "ALTER TABLE public.orders ALTER COLUMN status TYPE varchar(20);");
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it("writes a snapshot file without credentials", () => {
    const text = readFileSync(file("a"), "utf8");
    const snapshot = parseSnapshot(text, "a.json");
    expect(snapshot.source.kind).toBe("database");
    expect(Object.keys(snapshot.objects.table)).toContain("billing.payments");
    expect(text).not.toContain(new URL(adminUrl()).password);
  });

  it("writes the snapshot to stdout without --out", async () => {
    const db = databases[0] as TestDatabase;
    const result = await runCli(["snapshot", "--url", db.url]);
    expect(result.code).toBe(0);
    expect(parseSnapshot(result.stdout, "stdout").digest).toBe(
      parseSnapshot(readFileSync(file("a"), "utf8"), "a").digest,
    );
  });

  it("says in one line where it could not write the snapshot, and writes nothing", async () => {
    const db = databases[0] as TestDatabase;
    const inside = join(file("a"), "nested.json"); // a.json is a file, not a folder
    const result = await runCli(["snapshot", "--url", db.url, "--out", inside]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^pgdrift: could not write snapshot to .*nested\.json: /m);
    expect(parseSnapshot(readFileSync(file("a"), "utf8"), "a").source.kind).toBe("database");
  });

  it("exits 0 when the two snapshots are equal", async () => {
    const result = await runCli(["diff", file("a"), file("b")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("b.json  CLEAN  no drift");
  });

  it("notes what it could not compare against a snapshot an earlier pgdrift wrote", async () => {
    const current = parseSnapshot(readFileSync(file("a"), "utf8"), "a.json");
    const column = Object.fromEntries(
      Object.entries(current.objects.column).map(([identity, object]) => {
        const { sequence: _sequence, sequence_privileges: _privileges, ...older } = object;
        return [identity, older];
      }),
    );
    const { digest: _digest, ...input } = current;
    writeFileSync(
      file("older"),
      serializeSnapshot(createSnapshot({ ...input, objects: { ...current.objects, column } })),
    );
    const result = await runCli(["diff", file("older"), file("b")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /note: serial and OWNED BY sequences .* not compared: the baseline was written by a pgdrift from before 2026-11-25/,
    );
    expect((await runCli(["diff", file("a"), file("b")])).stdout).not.toContain(
      "OWNED BY sequences",
    );
  });

  it("exits 1 on drift and names the finding", async () => {
    const result = await runCli(["diff", file("a"), file("ghost")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ghost\.json {2}DRIFT {2}1 finding: 1 medium/);
    expect(result.stdout).toMatch(/\+ index +public\.ghost_idx/);
  });

  it("exits 0 under --fail-on critical when only medium findings are found", async () => {
    expect((await runCli(["diff", file("a"), file("ghost"), "--fail-on", "critical"])).code).toBe(
      0,
    );
  });

  it("exits 1 under --fail-on critical on a critical finding, 0 under --fail-on none", async () => {
    expect((await runCli(["diff", file("a"), file("broken"), "--fail-on", "critical"])).code).toBe(
      1,
    );
    expect((await runCli(["diff", file("a"), file("broken"), "--fail-on", "none"])).code).toBe(0);
  });

  it("compares a snapshot with a live database given by URL", async () => {
    const result = await runCli(["diff", file("a"), ghost.url, "--format", "json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.environments[0].findings.map((f: { object: string }) => f.object)).toEqual([
      "public.ghost_idx",
    ]);
    expect(result.stdout + result.stderr).not.toContain(new URL(adminUrl()).password);
  });

  it("renders markdown", async () => {
    const result = await runCli(["diff", file("a"), file("broken"), "--format", "markdown"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "| critical | changed | column | `public.orders.status` | `type` | `character varying(50)` | `character varying(20)` |",
    );
  });

  it("exits 2 when a side is missing or not a snapshot", async () => {
    const missing = await runCli(["diff", file("a"), file("nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`pgdrift: TO snapshot file ${file("nope")} not found\n`);
  });
});

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../shared/report/model.ts";
import { validateJsonSchema } from "../../shared/report/schema.ts";
import { type CliResult, runCli, spawnCli, tempDir } from "./support.ts";

/** The incident's drift table (background/incident.md), as findings. */
const EXPECTED = {
  staging: [
    { change: "unexpected", kind: "column", object: "public.users.last_login", severity: "medium" },
    { change: "unexpected", kind: "index", object: "public.idx_user_orders", severity: "medium" },
  ],
  production: [
    // Migration 004 never ran there: its history says so, and the column and index it brings
    // are reported with it, not as missing objects of their own.
    { change: "missing", kind: "migration", object: "004", severity: "medium" },
    {
      change: "changed",
      kind: "column",
      object: "public.orders.status",
      attribute: "type",
      severity: "critical",
    },
    {
      change: "changed",
      kind: "column",
      object: "public.orders.status",
      attribute: "default",
      severity: "high",
    },
    {
      change: "changed",
      kind: "constraint",
      object: "public.orders.orders_user_id_fkey",
      attribute: "on_delete",
      severity: "critical",
    },
  ],
} as const;

describe("pgdrift demo", () => {
  const cwd = tempDir();
  const out = join(cwd, "demo-out");
  let result: CliResult;
  let report: Report;

  beforeAll(async () => {
    const started = Date.now();
    result = await runCli(["demo", "--out", out], { cwd });
    expect(Date.now() - started).toBeLessThan(60_000);
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report;
  });

  it("runs and exits 0", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`reports written to ${join(out, "report.json")}`);
  });

  it("writes a report.json that follows the report schema", () => {
    expect(validateJsonSchema(report)).toEqual([]);
    expect(report.trigger).toBe("demo");
    expect(report.baseline.source.kind).toBe("migrations");
  });

  it.each(Object.entries(EXPECTED))(
    "finds exactly the incident's drift on %s",
    (name, expected) => {
      const env = report.environments.find((e) => e.name === name);
      expect(env?.status).toBe("drift");
      const key = (f: {
        change: string;
        kind: string;
        object: string;
        attribute?: string;
        severity: string;
      }) => [f.change, f.kind, f.object, f.attribute ?? "-", f.severity].join(" ");
      expect((env?.findings ?? []).map(key).sort()).toEqual(expected.map(key).sort());
    },
  );

  it("records the expected and found values of changed attributes", () => {
    const production = report.environments.find((e) => e.name === "production");
    const byKey = new Map(production?.findings.map((f) => [`${f.object} ${f.attribute ?? ""}`, f]));
    expect(byKey.get("public.orders.status type")).toMatchObject({
      expected: "character varying(50)",
      actual: "character varying(20)",
    });
    expect(byKey.get("public.orders.orders_user_id_fkey on_delete")).toMatchObject({
      expected: "CASCADE",
      actual: "RESTRICT",
    });
    expect(byKey.get("public.orders.status default")).toMatchObject({ actual: null });
  });

  it("shows each environment's migration history: which version it was compared with, and what the pending migration brings", () => {
    const production = report.environments.find((e) => e.name === "production");
    const staging = report.environments.find((e) => e.name === "staging");
    expect(production?.comparedWith).toEqual({ version: "003", checkpoint: true });
    expect(staging?.comparedWith).toEqual({ version: "004", checkpoint: false });
    const pending = production?.findings.find((f) => f.kind === "migration");
    expect(pending?.evidence?.brings).toEqual([
      "column billing.payments.transaction_ref",
      "index billing.payments_transaction_ref_key",
    ]);
    expect(result.stdout).toContain("compared with baseline version 003 (checkpoint)");
    expect(result.stdout).toContain(
      "brings column billing.payments.transaction_ref, index billing.payments_transaction_ref_key",
    );
  });

  it("prints the text report and writes the markdown one", () => {
    expect(result.stdout).toMatch(/^staging {2}DRIFT {2}2 findings: 2 medium/m);
    expect(result.stdout).toMatch(
      /^production {2}DRIFT {2}4 findings: 2 critical, 1 high, 1 medium/m,
    );
    const markdown = readFileSync(join(out, "report.md"), "utf8");
    expect(markdown).toContain("billing.payments.transaction_ref");
    expect(markdown).toContain(
      "| critical | changed | constraint | `public.orders.orders_user_id_fkey` | `on_delete` | `CASCADE` | `RESTRICT` |",
    );
  });

  it("writes nothing into the current folder but the report folder", () => {
    expect(existsSync(join(cwd, "pgdrift-demo-report"))).toBe(false);
  });
});

describe("pgdrift demo, interrupted", () => {
  it("cleans up and exits 130 on SIGINT, without an error line", async () => {
    const cwd = tempDir();
    const { child, result } = spawnCli(["demo"], { cwd });
    child.stderr.once("data", () => child.kill("SIGINT"));
    const { code, stderr } = await result;
    expect(code).toBe(130);
    expect(stderr).toContain("pgdrift: interrupted (SIGINT), cleaning up…");
    expect(stderr).not.toMatch(/internal error|could not connect/);
    expect(existsSync(join(cwd, "pgdrift-demo-report"))).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { changedDetail } from "../../shared/report/describe.ts";
import { renderJson } from "../../shared/report/render-json.ts";
import { renderMarkdown } from "../../shared/report/render-markdown.ts";
import { renderText } from "../../shared/report/render-text.ts";
import { sampleReport } from "./sample.ts";

const ESC = "\u001b";
const ANSI_CODE = new RegExp(`${ESC}\\[\\d+m`, "g");

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, child]) => [key, reverseKeys(child)]),
  );
}

describe("renderText", () => {
  const report = sampleReport();
  const text = renderText(report);
  const lines = text.split("\n");

  it("names the baseline: migrations, short digest, PostgreSQL version", () => {
    expect(lines[0]).toBe(
      "pgdrift · baseline examples/shop/migrations: 2 migrations · sha256:ab12ab12ab12 · PostgreSQL 17.6",
    );
  });

  it("says which kinds were compared and which are not yet, so clean is not overstated", () => {
    expect(lines[1]).toBe(
      "compared: schema, extension, table, column, constraint, index, view, materialized_view, sequence, function, procedure, trigger, type, domain, policy · migration history not compared (plain SQL migrations have no history table)",
    );
  });

  it("counts the migration history as compared when the baseline came from a migration tool", () => {
    const flyway = sampleReport();
    const source = flyway.baseline.source;
    if (source.kind !== "migrations")
      throw new Error("the sample baseline is built from migrations");
    const withTool = {
      ...flyway,
      baseline: { ...flyway.baseline, source: { ...source, format: "flyway" } },
    };
    expect(renderText(withTool).split("\n")[1]).toMatch(/, policy, migration history$/);
  });

  it("gives each environment a status line with its counts", () => {
    expect(lines).toContain("production  DRIFT  4 findings: 3 critical, 1 high · PostgreSQL 16.4");
    expect(lines).toContain("staging  DRIFT  1 finding: 1 medium · PostgreSQL 17.6");
    expect(lines).toContain("dev  CLEAN  no drift · PostgreSQL 17.6");
  });

  it("shows an error with its code and message, without repeating the name", () => {
    expect(lines).toContain(
      "qa  ERROR  connection_refused: cannot connect to db.example.com:5432 (connection refused): check host, port and that the server accepts TCP connections",
    );
  });

  it("groups findings by severity, critical first, one line each with a change marker", () => {
    const critical = lines.indexOf("  critical");
    const high = lines.indexOf("  high");
    expect(critical).toBeGreaterThan(0);
    expect(high).toBeGreaterThan(critical);
    const block = lines.slice(critical, high);
    expect(
      block.some((l) =>
        /^ {4}- column +billing\.payments\.transaction_ref +expected text, not found$/.test(l),
      ),
    ).toBe(true);
    expect(
      block.some((l) =>
        /^ {4}~ column +public\.orders\.status type +character varying\(50\) → character varying\(20\)$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(
      block.some((l) =>
        /^ {4}~ constraint +public\.orders\.orders_user_id_fkey on_delete +CASCADE → RESTRICT$/.test(
          l,
        ),
      ),
    ).toBe(true);
    const highLine = lines[high + 1] ?? "";
    expect(highLine).toMatch(
      /~ column +public\.orders\.status default +'pending'::character varying → none$/,
    );
    expect(text).toMatch(
      /\+ index +public\.idx_user_orders +found btree \(user_id, status\), not in the baseline/,
    );
  });

  it("puts the remediation on an indented line under its finding", () => {
    const at = lines.findIndex((l) => l.includes("billing.payments.transaction_ref"));
    expect(lines[at + 1]).toBe("        fix: apply migration 004_payments_transaction_ref.sql");
  });

  it("shows notes and the ignored count", () => {
    expect(text).toContain("  note: baseline built on PostgreSQL 17, environment runs 16");
    expect(text).toContain("  1 finding ignored by config rules");
  });

  it("ends with a one-line summary of the run", () => {
    expect(lines.at(-2)).toBe(
      "4 environments: 2 drift, 1 error, 1 clean · 5 findings: 3 critical, 1 high, 1 medium",
    );
  });

  it("uses colors only when asked", () => {
    expect(text).not.toContain(ESC);
    const colored = renderText(report, { color: true });
    expect(colored).toContain(`${ESC}[31m`);
    expect(colored.replace(ANSI_CODE, "")).toBe(text);
  });
});

describe("renderMarkdown", () => {
  const markdown = renderMarkdown(sampleReport());

  it("titles the comment with what needs attention", () => {
    expect(markdown.split("\n")[0]).toBe("## pgdrift: 1 environment could not be audited");
  });

  it("has an overview row per environment", () => {
    expect(markdown).toContain("| production | **drift** | 4 | 3 | 1 | 0 | 0 | 0 | 0 |");
    expect(markdown).toContain("| staging | **drift** | 1 | 0 | 0 | 1 | 0 | 0 | 1 |");
    expect(markdown).toContain("| dev | clean | 0 | 0 | 0 | 0 | 0 | 0 | 0 |");
    expect(markdown).toContain("| qa | **error** | — | — | — | — | — | — | 0 |");
  });

  it("lists findings as table rows with severity, change, kind, object, attribute, expected and found", () => {
    expect(markdown).toContain(
      "| critical | changed | column | `public.orders.status` | `type` | `character varying(50)` | `character varying(20)` |",
    );
    expect(markdown).toContain(
      "| critical | missing | column | `billing.payments.transaction_ref` |  | `text` | — |",
    );
    expect(markdown).toContain(
      "| medium | unexpected | index | `public.idx_user_orders` |  | — | `btree (user_id, status)` |",
    );
    expect(markdown).toContain(
      "| high | changed | column | `public.orders.status` | `default` | `'pending'::character varying` | `none` |",
    );
  });

  it("shows errors with their code", () => {
    expect(markdown).toContain("**connection_refused**: cannot connect to db.example.com:5432");
  });

  it("keeps every table row on one line with pipes escaped", () => {
    const rows = markdown.split("\n").filter((l) => l.startsWith("|"));
    for (const row of rows) expect(row.endsWith("|")).toBe(true);
    expect(markdown).toContain(
      "- `public.idx_user_orders` (unexpected index): check pg_stat_user_indexes",
    );
  });
});

describe("renderJson", () => {
  const report = sampleReport();
  const json = renderJson(report);

  it("round-trips to the same report", () => {
    expect(JSON.parse(json)).toEqual(report);
  });

  it("is pretty and has a stable key order whatever the input order", () => {
    expect(json.startsWith('{\n  "baseline": {')).toBe(true);
    expect(json.endsWith("}\n")).toBe(true);
    const reversed = reverseKeys(report) as typeof report;
    expect(Object.keys(reversed)[0]).toBe("summary");
    expect(renderJson(reversed)).toBe(json);
  });
});

describe("changedDetail", () => {
  it("shows short values as expected → found", () => {
    expect(changedDetail("CASCADE", "RESTRICT")).toBe("CASCADE → RESTRICT");
    expect(changedDetail(["user_id"], ["user_id", "status"])).toBe("(user_id) → (user_id, status)");
    expect(changedDetail("'pending'::text", null)).toBe("'pending'::text → none");
  });

  it("shows the first differing line of two long texts, on one line", () => {
    const view = (where: string) =>
      ` SELECT orders.id,\n    orders.customer_id\n   FROM shop.orders\n  WHERE ${where}`;
    expect(changedDetail(view("status = 'pending'"), view("true"))).toBe(
      "line 4: WHERE status = 'pending' → WHERE true",
    );
    expect(changedDetail(`a\n${"b".repeat(100)}`, `a\n${"b".repeat(100)}\nc`)).toBe(
      "line 3: (ends) → c",
    );
  });

  it("shows two long one-line texts around where they first differ, without a line number", () => {
    const sum = (start: string) => `sha256:${start}${"0".repeat(58)}`;
    expect(changedDetail(sum("badd47"), sum("ef0ecf"))).toBe(
      `${sum("badd47").slice(0, 45)}… → ${sum("ef0ecf").slice(0, 45)}…`,
    );
    const check = (limit: string) =>
      `CHECK (((amount > (0)::numeric) AND (status <> ''::text) AND (amount < (${limit})::numeric)))`;
    expect(changedDetail(check("100"), check("1000"))).toBe(
      "…) AND (amount < (100)::numeric))) → …) AND (amount < (1000)::numeric)))",
    );
  });

  it("keeps a grouped definition on one bounded line", () => {
    const detail = changedDetail(
      { using: "(a = 1)\n", with_check: "x".repeat(300) },
      { using: "(a = 2)", with_check: null },
    );
    expect(detail).not.toContain("\n");
    expect(detail.length).toBeLessThanOrEqual(160);
    expect(detail.startsWith('{"using":"(a = 1)')).toBe(true);
  });

  it("shows what differs between two long lists instead of truncating both", () => {
    const base = [
      "OWNER:DELETE",
      "OWNER:INSERT",
      "OWNER:REFERENCES",
      "OWNER:SELECT",
      "OWNER:TRIGGER",
      "OWNER:UPDATE",
    ];
    const env = [...base.filter((p) => p !== "OWNER:TRIGGER"), "OWNER:MAINTAIN", "app:SELECT"];
    expect(changedDetail(base, env)).toBe(
      "missing OWNER:TRIGGER; extra OWNER:MAINTAIN, app:SELECT",
    );
  });
});

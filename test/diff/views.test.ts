import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { definitionDiff, oneLine, splitColumn } from "../../shared/diff/rules/views.ts";
import { shop } from "./builders.ts";

const ACTIVE = " SELECT id,\n    email\n   FROM public.users\n  WHERE active";
const TOTALS =
  " SELECT user_id,\n    sum(amount) AS total\n   FROM public.orders\n  GROUP BY user_id";

function withViews() {
  return shop()
    .view("public.active_users", { definition: ACTIVE })
    .view("public.user_totals", { definition: TOTALS }, "materialized_view")
    .index("public.user_totals", "user_totals_user", ["user_id"], { unique: true });
}

function summary(baseline = withViews(), actual = withViews(), compareOwners = false) {
  return diffSnapshots(baseline.build(), actual.build(), { compareOwners }).findings;
}

describe("view rule", () => {
  it("finds nothing when the views are the same", () => {
    expect(summary()).toEqual([]);
  });

  it("reports a missing view as critical, with the statement the baseline defines it by", () => {
    const findings = summary(withViews(), withViews().without("view", "public.active_users"));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "view",
      object: "public.active_users",
      change: "missing",
      severity: "critical",
      actual: null,
      message: "view public.active_users is missing",
    });
    expect(findings[0]?.remediation).toBe(
      "Apply the migration that creates public.active_users; the baseline defines it as: CREATE VIEW public.active_users AS SELECT id, email FROM public.users WHERE active;",
    );
  });

  it("reports a missing materialized view once, with its indexes counted", () => {
    const actual = withViews()
      .without("materialized_view", "public.user_totals")
      .without("index", "public.user_totals_user");
    const findings = summary(withViews(), actual);
    expect(findings.map((f) => [f.kind, f.object, f.change, f.severity])).toEqual([
      ["materialized_view", "public.user_totals", "missing", "critical"],
    ]);
    expect(findings[0]?.message).toBe(
      "materialized view public.user_totals is missing, with its 1 index",
    );
    expect(findings[0]?.evidence).toEqual({ indexes: 1 });
    expect(findings[0]?.remediation).toContain(
      "CREATE MATERIALIZED VIEW public.user_totals AS SELECT user_id, sum(amount) AS total FROM public.orders GROUP BY user_id WITH DATA;",
    );
  });

  it("reports unexpected views as medium, with the DROP that checks for dependents", () => {
    const findings = summary(
      shop(),
      withViews().without("index", "public.user_totals_user").view("public.extra"),
    );
    expect(findings.map((f) => [f.kind, f.object, f.change, f.severity])).toEqual([
      ["view", "public.active_users", "unexpected", "medium"],
      ["view", "public.extra", "unexpected", "medium"],
      ["materialized_view", "public.user_totals", "unexpected", "medium"],
    ]);
    expect(findings[0]?.message).toBe(
      "view public.active_users exists but no migration creates it",
    );
    expect(findings[0]?.remediation).toContain("DROP VIEW public.active_users; (without CASCADE");
    expect(findings[2]?.remediation).toContain("DROP MATERIALIZED VIEW public.user_totals;");
  });

  it("folds the views of a missing schema into the schema", () => {
    const billing = () => shop().schema("billing").view("billing.open_invoices");
    const findings = summary(billing(), shop());
    expect(findings.map((f) => [f.kind, f.object, f.change])).toEqual([
      ["schema", "billing", "missing"],
    ]);
  });

  it("reports a changed definition as high, with the lines that differ and CREATE OR REPLACE", () => {
    const changed = `${ACTIVE} AND email IS NOT NULL`;
    const findings = summary(
      withViews().patch("view", "public.active_users", { options: ["security_barrier=true"] }),
      withViews().patch("view", "public.active_users", {
        definition: changed,
        options: ["security_barrier=true"],
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "view",
      object: "public.active_users",
      change: "changed",
      attribute: "definition",
      severity: "high",
      expected: ACTIVE,
      actual: changed,
      message: "view public.active_users: definition differs from the migrations",
      evidence: { diff: ["-  WHERE active", "+  WHERE active AND email IS NOT NULL"] },
    });
    expect(findings[0]?.remediation).toMatch(
      /^CREATE OR REPLACE VIEW public\.active_users WITH \(security_barrier=true\) AS SELECT id, email FROM public\.users WHERE active; CREATE OR REPLACE VIEW keeps the view's columns .* DROP VIEW public\.active_users; and CREATE VIEW instead/,
    );
  });

  it("tells to drop and re-create a materialized view whose definition changed: REFRESH is no fix", () => {
    const findings = summary(
      withViews(),
      withViews().patch("materialized_view", "public.user_totals", {
        definition: TOTALS.replace("sum(amount)", "max(amount)"),
      }),
    );
    expect(findings.map((f) => [f.kind, f.attribute, f.severity])).toEqual([
      ["materialized_view", "definition", "high"],
    ]);
    expect(findings[0]?.message).toBe(
      "materialized view public.user_totals: definition differs from the migrations",
    );
    expect(findings[0]?.evidence).toEqual({
      diff: ["-    sum(amount) AS total", "+    max(amount) AS total"],
    });
    expect(findings[0]?.remediation).toBe(
      "REFRESH MATERIALIZED VIEW does not change a definition: DROP MATERIALIZED VIEW public.user_totals; CREATE MATERIALIZED VIEW public.user_totals AS SELECT user_id, sum(amount) AS total FROM public.orders GROUP BY user_id WITH DATA; then re-create its indexes and re-apply its grants (and re-create the views that depend on it).",
    );
  });

  it("compares options as a set: view options are high, materialized view storage options low", () => {
    const baseline = withViews()
      .patch("view", "public.active_users", {
        options: ["check_option=local", "security_barrier=true"],
      })
      .patch("materialized_view", "public.user_totals", { options: ["fillfactor=70"] });
    const reordered = withViews()
      .patch("view", "public.active_users", {
        options: ["security_barrier=true", "check_option=local"],
      })
      .patch("materialized_view", "public.user_totals", { options: ["fillfactor=70"] });
    expect(summary(baseline, reordered)).toEqual([]);

    const drifted = withViews()
      .patch("view", "public.active_users", { options: ["check_option=cascaded"] })
      .patch("materialized_view", "public.user_totals", { options: ["autovacuum_enabled=false"] });
    const findings = summary(baseline, drifted);
    expect(
      findings.map((f) => [f.kind, f.attribute, f.severity, f.message, f.remediation]),
    ).toEqual([
      [
        "view",
        "options",
        "high",
        "view public.active_users: options are (check_option=cascaded), expected (check_option=local, security_barrier=true)",
        "ALTER VIEW public.active_users SET (check_option=local, security_barrier=true);",
      ],
      [
        "materialized_view",
        "options",
        "low",
        "materialized view public.user_totals: options are (autovacuum_enabled=false), expected (fillfactor=70)",
        "ALTER MATERIALIZED VIEW public.user_totals SET (fillfactor=70); ALTER MATERIALIZED VIEW public.user_totals RESET (autovacuum_enabled);",
      ],
    ]);
  });

  it("reports privileges as high, with table GRANT and REVOKE statements", () => {
    const findings = summary(
      withViews().patch("view", "public.active_users", {
        privileges: ["OWNER:SELECT", "app_reader:SELECT"],
      }),
      withViews().patch("view", "public.active_users", {
        privileges: ["OWNER:SELECT", "PUBLIC:SELECT"],
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "privileges",
      severity: "high",
      message:
        "view public.active_users: privileges differ: missing app_reader:SELECT; not granted by any migration PUBLIC:SELECT",
      remediation:
        "REVOKE SELECT ON TABLE public.active_users FROM PUBLIC; GRANT SELECT ON TABLE public.active_users TO app_reader;",
    });
  });

  it("reports comments as low, with COMMENT ON VIEW / MATERIALIZED VIEW", () => {
    const findings = summary(
      withViews()
        .patch("view", "public.active_users", { comment: "who can log in" })
        .patch("materialized_view", "public.user_totals", { comment: "it's per user" }),
      withViews(),
    );
    expect(findings.map((f) => [f.kind, f.attribute, f.severity, f.remediation])).toEqual([
      ["view", "comment", "low", "COMMENT ON VIEW public.active_users IS 'who can log in';"],
      [
        "materialized_view",
        "comment",
        "low",
        "COMMENT ON MATERIALIZED VIEW public.user_totals IS 'it''s per user';",
      ],
    ]);
  });

  it("reports each column comment that differs as a low comment finding naming the column", () => {
    const findings = summary(
      withViews().patch("view", "public.active_users", {
        comment: "who can log in",
        column_comments: ['"E-mail: work": it\'s the work address', "email: the login"],
      }),
      withViews().patch("view", "public.active_users", {
        comment: "who can log in",
        column_comments: ["id: key", "email: the login, lower case"],
      }),
    );
    expect(
      findings.map((f) => [f.attribute, f.severity, f.expected, f.actual, f.evidence, f.message]),
    ).toEqual([
      [
        "comment",
        "low",
        "it's the work address",
        null,
        { column: '"E-mail: work"' },
        'view public.active_users: comment on column "E-mail: work" is none, expected it\'s the work address',
      ],
      [
        "comment",
        "low",
        "the login",
        "the login, lower case",
        { column: "email" },
        "view public.active_users: comment on column email is the login, lower case, expected the login",
      ],
      [
        "comment",
        "low",
        null,
        "key",
        { column: "id" },
        "view public.active_users: comment on column id is key, expected none",
      ],
    ]);
    expect(findings.map((f) => f.remediation)).toEqual([
      `COMMENT ON COLUMN public.active_users."E-mail: work" IS 'it''s the work address';`,
      "COMMENT ON COLUMN public.active_users.email IS 'the login';",
      "COMMENT ON COLUMN public.active_users.id IS NULL;",
    ]);
  });

  it("gives each column's finding an id of its own, apart from the view's own comment", () => {
    const findings = summary(
      withViews().patch("view", "public.active_users", {
        comment: "who can log in",
        column_comments: ["email: the login", "id: key"],
      }),
      withViews().patch("view", "public.active_users", { comment: null, column_comments: [] }),
    );
    expect(findings).toHaveLength(3);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });

  it("reports the column grants that differ per column as high, with column GRANT and REVOKE", () => {
    const findings = summary(
      withViews().patch("materialized_view", "public.user_totals", {
        column_privileges: ["id PUBLIC:SELECT", "id app_reader:SELECT", "total app_reader:SELECT"],
      }),
      withViews().patch("materialized_view", "public.user_totals", {
        column_privileges: ["id PUBLIC:SELECT", "id app_reader:SELECT*", "user_id OWNER:UPDATE"],
      }),
    );
    expect(findings.map((f) => [f.kind, f.attribute, f.severity, f.evidence])).toEqual([
      ["materialized_view", "privileges", "high", { column: "id" }],
      ["materialized_view", "privileges", "high", { column: "total" }],
      ["materialized_view", "privileges", "high", { column: "user_id" }],
    ]);
    expect(findings[0]).toMatchObject({
      expected: ["PUBLIC:SELECT", "app_reader:SELECT"],
      actual: ["PUBLIC:SELECT", "app_reader:SELECT*"],
      message:
        "materialized view public.user_totals: privileges on column id differ: missing app_reader:SELECT; not granted by any migration app_reader:SELECT*",
      remediation:
        "REVOKE GRANT OPTION FOR SELECT (id) ON TABLE public.user_totals FROM app_reader;",
    });
    expect(findings.slice(1).map((f) => [f.message, f.remediation])).toEqual([
      [
        "materialized view public.user_totals: privileges on column total differ: missing app_reader:SELECT",
        "GRANT SELECT (total) ON TABLE public.user_totals TO app_reader;",
      ],
      [
        "materialized view public.user_totals: privileges on column user_id differ: not granted by any migration OWNER:UPDATE",
        "REVOKE UPDATE (user_id) ON TABLE public.user_totals FROM app;",
      ],
    ]);
  });

  it("never reports column comments or grants as a definition change, nor equal ones at all", () => {
    const columns = {
      column_comments: ["email: the login"],
      column_privileges: ["email app_reader:SELECT"],
    };
    const baseline = withViews().patch("view", "public.active_users", columns);
    expect(summary(baseline, withViews().patch("view", "public.active_users", columns))).toEqual(
      [],
    );
    const findings = summary(baseline, withViews());
    expect(findings.map((f) => [f.attribute, f.severity])).toEqual([
      ["privileges", "high"],
      ["comment", "low"],
    ]);
  });

  it("reads a snapshot written before column comments and grants as having none", () => {
    const old = withViews().patch("view", "public.active_users", {
      column_comments: undefined,
      column_privileges: undefined,
    });
    expect(summary(old, withViews())).toEqual([]);
    const findings = summary(
      old,
      withViews().patch("view", "public.active_users", { column_comments: ["id: key"] }),
    );
    expect(findings.map((f) => [f.attribute, f.expected, f.actual])).toEqual([
      ["comment", null, "key"],
    ]);
  });

  it("compares owners only when asked", () => {
    const baseline = withViews();
    const actual = withViews().patch("view", "public.active_users", { owner: "someone" });
    expect(summary(baseline, actual)).toEqual([]);
    const findings = summary(baseline, actual, true);
    expect(findings.map((f) => [f.attribute, f.severity, f.remediation])).toEqual([
      ["owner", "low", "ALTER VIEW public.active_users OWNER TO app;"],
    ]);
  });
});

describe("view definition text", () => {
  it("splits a quoted or plain column name from what follows it", () => {
    expect(splitColumn('"E-mail: ""work""": a: b', ": ")).toEqual(['"E-mail: ""work"""', "a: b"]);
    expect(splitColumn("email: a: b", ": ")).toEqual(["email", "a: b"]);
    expect(splitColumn('"a b" app:SELECT', " ")).toEqual(['"a b"', "app:SELECT"]);
    expect(splitColumn("id PUBLIC:SELECT*", " ")).toEqual(["id", "PUBLIC:SELECT*"]);
  });

  it("diffs lines, keeping order and leaving out the lines both have", () => {
    expect(definitionDiff("a\nb\nc\nd", "a\nB\nc\nd\ne")).toEqual(["-b", "+B", "+e"]);
    expect(definitionDiff("same", "same")).toEqual([]);
    const long = Array.from({ length: 60 }, (_, i) => `line ${i}`).join("\n");
    const diff = definitionDiff(long, "");
    expect(diff).toHaveLength(41);
    expect(diff[40]).toBe("… 21 more lines");
  });

  it("puts a definition on one line without touching its literals", () => {
    expect(oneLine(" SELECT 'a\n  b'::text AS x,\n    \"odd\n name\"\n   FROM t")).toBe(
      "SELECT 'a\n  b'::text AS x, \"odd\n name\" FROM t",
    );
  });
});

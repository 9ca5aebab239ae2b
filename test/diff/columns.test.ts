import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import type { ColumnObject } from "../../shared/snapshot/model.ts";
import { shop, snapshot } from "./builders.ts";

describe("column rule", () => {
  it("reports a missing column once, critical, with the ADD COLUMN that restores it", () => {
    const baseline = shop()
      .column("public.users", "last_login", "timestamp without time zone")
      .build();
    const actual = shop().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "column",
      object: "public.users.last_login",
      change: "missing",
      severity: "critical",
      table: "public.users",
      actual: null,
      message: "column public.users.last_login is missing",
      remediation:
        "Apply the migration that adds it: ALTER TABLE public.users ADD COLUMN last_login timestamp without time zone;",
    });
  });

  it("reports an unexpected nullable column as medium", () => {
    const baseline = shop().build();
    const actual = shop().column("public.users", "nickname", "text").build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.change, f.severity])).toEqual([
      ["public.users.nickname", "unexpected", "medium"],
    ]);
    expect(findings[0]?.message).toBe(
      "column public.users.nickname exists but no migration creates it",
    );
  });

  it("raises an unexpected NOT NULL column without a default to high and says inserts fail", () => {
    const baseline = shop().build();
    const actual = shop()
      .column("public.users", "tenant_id", "integer", { nullable: false })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.severity).toBe("high");
    expect(finding?.message).toContain("inserts that do not name it fail");
    expect(finding?.remediation).toContain(
      "ALTER TABLE public.users ALTER COLUMN tenant_id DROP NOT NULL;",
    );
  });

  it("keeps an unexpected NOT NULL column with a default at medium", () => {
    const baseline = shop().build();
    const actual = shop()
      .column("public.users", "active", "boolean", { nullable: false, default: "true" })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.severity).toBe("medium");
  });

  it("reports a type change with both spellings in the message and the ALTER that restores it", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("column", "public.orders.status", { type: "character varying(20)" })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "type",
      change: "changed",
      severity: "critical",
      expected: "character varying(50)",
      actual: "character varying(20)",
      message:
        "column public.orders.status: type is character varying(20), expected character varying(50)",
    });
    expect(findings[0]?.remediation).toMatch(
      /^ALTER TABLE public\.orders ALTER COLUMN status TYPE character varying\(50\);/,
    );
  });

  it("reports a changed default as high with SET DEFAULT", () => {
    const baseline = shop().build();
    const actual = shop().patch("column", "public.orders.status", { default: null }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "default", severity: "high", actual: null });
    expect(finding?.message).toBe(
      "column public.orders.status: default is none, expected 'pending'::character varying",
    );
    expect(finding?.remediation).toBe(
      "ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'pending'::character varying;",
    );
  });

  it("reports a default the baseline does not have with DROP DEFAULT", () => {
    const baseline = shop().build();
    const actual = shop().patch("column", "public.orders.amount", { default: "0" }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      "ALTER TABLE public.orders ALTER COLUMN amount DROP DEFAULT;",
    );
  });

  it("reports a nullability change as critical, in words", () => {
    const baseline = shop().build();
    const actual = shop().patch("column", "public.users.email", { nullable: true }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "nullable",
      severity: "critical",
      expected: false,
      actual: true,
    });
    expect(finding?.message).toBe("column public.users.email is nullable, expected NOT NULL");
    expect(finding?.remediation).toMatch(
      /^ALTER TABLE public\.users ALTER COLUMN email SET NOT NULL;/,
    );
  });

  it("compares privileges as sets and names the grants that differ", () => {
    const baseline = shop()
      .patch("column", "public.users.email", { privileges: ["a:SELECT", "b:SELECT"] })
      .build();
    const reordered = shop()
      .patch("column", "public.users.email", { privileges: ["b:SELECT", "a:SELECT"] })
      .build();
    const changed = shop()
      .patch("column", "public.users.email", { privileges: ["a:SELECT", "c:UPDATE"] })
      .build();

    const same = diffSnapshots(baseline, reordered).findings;
    const [finding] = diffSnapshots(baseline, changed).findings;

    expect(same).toEqual([]);
    expect(finding?.severity).toBe("high");
    expect(finding?.message).toBe(
      "column public.users.email: privileges differ: missing b:SELECT; not granted by any migration c:UPDATE",
    );
    expect(finding?.remediation).toBe(
      "GRANT SELECT (email) ON TABLE public.users TO b; REVOKE UPDATE (email) ON TABLE public.users FROM c;",
    );
  });
});

describe("column position", () => {
  const table = (names: string[]) => {
    const builder = snapshot().schema("public").table("public.t");
    for (const name of names) builder.column("public.t", name, "integer");
    return builder.build();
  };
  const moved = (before: string[], after: string[]) =>
    diffSnapshots(table(before), table(after))
      .findings.filter((f) => f.attribute === "position")
      .map((f) => f.object);

  it("reports nothing when a column is inserted in the middle", () => {
    expect(moved(["a", "b", "c", "d"], ["a", "x", "b", "c", "d"])).toEqual([]);
  });

  it("reports nothing for the columns after a missing one", () => {
    expect(moved(["a", "b", "c", "d"], ["a", "c", "d"])).toEqual([]);
  });

  it("reports one column when two adjacent columns are swapped", () => {
    expect(moved(["a", "b", "c", "d"], ["a", "c", "b", "d"])).toHaveLength(1);
  });

  it("reports only the column moved to the front, not every column it shifted", () => {
    expect(moved(["a", "b", "c", "d", "e"], ["e", "a", "b", "c", "d"])).toEqual(["public.t.e"]);
  });

  it("reports a moved column as low, with both positions", () => {
    const [finding] = diffSnapshots(table(["a", "b", "c"]), table(["b", "c", "a"])).findings;

    expect(finding).toMatchObject({
      object: "public.t.a",
      attribute: "position",
      severity: "low",
      expected: 1,
      actual: 3,
      table: "public.t",
    });
  });
});

describe("column rename", () => {
  const users = (names: string[]) => {
    const builder = snapshot().schema("public").table("public.users");
    for (const name of names) builder.column("public.users", name, "text");
    return builder;
  };

  it("reports a renamed column as one low name change under the baseline's identity", () => {
    const baseline = shop()
      .column("public.users", "last_login", "timestamp with time zone", { comment: "UTC" })
      .build();
    const actual = shop()
      .column("public.users", "last_seen_at", "timestamp with time zone", { comment: "UTC" })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "column",
      object: "public.users.last_login",
      change: "changed",
      attribute: "name",
      severity: "low",
      table: "public.users",
      expected: "last_login",
      actual: "last_seen_at",
      message: "column public.users.last_login is named last_seen_at, expected last_login",
      remediation: "ALTER TABLE public.users RENAME COLUMN last_seen_at TO last_login;",
      evidence: { actualObject: "public.users.last_seen_at" },
    });
  });

  it("writes the names in the remediation as quote_ident does", () => {
    const baseline = users(["id", "last_login"]).build();
    const actual = users(["id", '"LastLogin"'])
      .patch("column", 'public.users."LastLogin"', { name: "LastLogin" })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "name", actual: "LastLogin" });
    expect(finding?.remediation).toBe(
      'ALTER TABLE public.users RENAME COLUMN "LastLogin" TO last_login;',
    );
  });

  it("reports no position change for the columns around a renamed one", () => {
    const baseline = users(["a", "b", "c", "d"]).build();
    const actual = users(["a", "x", "c", "d"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.change, f.attribute])).toEqual([
      ["public.users.b", "changed", "name"],
    ]);
  });

  it("still reports a column that moved, besides the rename", () => {
    const baseline = users(["a", "b", "c", "d"]).build();
    const actual = users(["c", "x", "a", "d"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.attribute, f.expected, f.actual])).toEqual([
      ["public.users.a", "position", 1, 3],
      ["public.users.b", "name", "b", "x"],
    ]);
  });

  it("pairs columns whose privileges differ only in order", () => {
    const baseline = users(["id"])
      .column("public.users", "email", "text", { privileges: ["a:SELECT", "b:SELECT"] })
      .build();
    const actual = users(["id"])
      .column("public.users", "mail", "text", { privileges: ["b:SELECT", "a:SELECT"] })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.attribute])).toEqual([["public.users.email", "name"]]);
  });

  it.each<[string, Partial<ColumnObject>]>([
    ["type", { type: "character varying(100)" }],
    ["nullable", { nullable: false }],
    ["default", { default: "''::text" }],
    ["collation", { collation: '"C"' }],
    ["comment", { comment: "display name" }],
    ["privileges", { privileges: ["app:SELECT"] }],
  ])("does not pair columns whose %s differs", (_, patch) => {
    const baseline = users(["id", "name"]).build();
    const actual = users(["id", "full_name"])
      .patch("column", "public.users.full_name", patch)
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.change])).toEqual([
      ["public.users.name", "missing"],
      ["public.users.full_name", "unexpected"],
    ]);
  });

  it("does not pair a dropped column with one added at another position", () => {
    const baseline = users(["a", "b", "c"]).build();
    const actual = users(["a", "c", "x"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.change])).toEqual([
      ["public.users.b", "missing"],
      ["public.users.x", "unexpected"],
    ]);
  });

  it("does not pair columns of different tables", () => {
    const baseline = shop().column("public.users", "note", "text").build();
    const actual = shop().column("public.orders", "note", "text", { position: 1 }).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.object, f.change])).toEqual([
      ["public.users.note", "missing"],
      ["public.orders.note", "unexpected"],
    ]);
  });
});

describe("column rule: NOT NULL … NOT VALID (PostgreSQL 18+)", () => {
  const email = (nullable: ColumnObject["nullable"]) =>
    shop().patch("column", "public.users.email", { nullable }).build();

  it("reports a NOT NULL never validated, critical, with the VALIDATE CONSTRAINT that fixes it", () => {
    const { findings } = diffSnapshots(email(false), email("not valid: users_email_nn"));

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: "public.users.email",
      change: "changed",
      attribute: "nullable",
      severity: "critical",
      expected: false,
      actual: "not valid",
      message:
        "column public.users.email is NOT NULL NOT VALID, expected NOT NULL: its NOT NULL constraint users_email_nn was added NOT VALID and not validated, so existing rows may hold NULL",
      remediation:
        "ALTER TABLE public.users VALIDATE CONSTRAINT users_email_nn; (fails while rows hold NULL: fix those rows first)",
    });
  });

  it("quotes the constraint as it was read", () => {
    const [finding] = diffSnapshots(email(false), email('not valid: "Email required"')).findings;

    expect(finding?.remediation).toContain(
      'ALTER TABLE public.users VALIDATE CONSTRAINT "Email required";',
    );
  });

  it("reports nothing when both sides left it NOT VALID, whatever its name", () => {
    expect(diffSnapshots(email("not valid: a_nn"), email("not valid: b_nn")).findings).toEqual([]);
    expect(diffSnapshots(email(false), email(false)).findings).toEqual([]);
  });

  it("re-adds a NOT VALID NOT NULL the environment lacks, NOT VALID again", () => {
    const [finding] = diffSnapshots(email("not valid: users_email_nn"), email(true)).findings;

    expect(finding).toMatchObject({ expected: "not valid", actual: true });
    expect(finding?.message).toBe(
      "column public.users.email is nullable, expected NOT NULL NOT VALID: the migrations add NOT NULL constraint users_email_nn NOT VALID and do not validate it",
    );
    expect(finding?.remediation).toBe(
      "ALTER TABLE public.users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID;",
    );
  });

  it("says an environment that validated it has nothing to repair", () => {
    const [finding] = diffSnapshots(email("not valid: users_email_nn"), email(false)).findings;

    expect(finding).toMatchObject({ expected: "not valid", actual: false });
    expect(finding?.remediation).toBe(
      "Nothing to repair: every row is checked. To match, validate it in a migration too: ALTER TABLE public.users VALIDATE CONSTRAINT users_email_nn;",
    );
  });

  it("drops a NOT VALID NOT NULL the migrations do not have", () => {
    const [finding] = diffSnapshots(email(true), email("not valid: users_email_nn")).findings;

    expect(finding?.remediation).toBe("ALTER TABLE public.users ALTER COLUMN email DROP NOT NULL;");
  });

  it("restores a missing column with its NOT VALID NOT NULL, without asking for a backfill", () => {
    const baseline = shop()
      .column("public.users", "tenant_id", "integer", { nullable: "not valid: tenant_nn" })
      .build();

    const [finding] = diffSnapshots(baseline, shop().build()).findings;

    expect(finding?.remediation).toBe(
      "Apply the migration that adds it: ALTER TABLE public.users ADD COLUMN tenant_id integer; ALTER TABLE public.users ADD CONSTRAINT tenant_nn NOT NULL tenant_id NOT VALID;",
    );
  });

  it("rates an unexpected NOT VALID NOT NULL column without a default high: it rejects inserts too", () => {
    const actual = shop()
      .column("public.users", "tenant_id", "integer", { nullable: "not valid: tenant_nn" })
      .build();

    const [finding] = diffSnapshots(shop().build(), actual).findings;

    expect(finding?.severity).toBe("high");
    expect(finding?.message).toContain("inserts that do not name it fail");
  });

  describe("identity sequence options", () => {
    const withIdentity = (identity: string | null) =>
      shop().column("public.users", "seq", "bigint", { nullable: false, identity }).build();
    const identityFinding = (expected: string | null, actual: string | null) =>
      diffSnapshots(withIdentity(expected), withIdentity(actual)).findings.find(
        (f) => f.object === "public.users.seq",
      );

    it("reports options alone as medium, with the SET that restores them", () => {
      const finding = identityFinding(
        "by default (START WITH 1000 INCREMENT BY 10)",
        "by default (CACHE 20)",
      );
      expect(finding).toMatchObject({
        attribute: "identity",
        severity: "medium",
        remediation:
          "ALTER TABLE public.users ALTER COLUMN seq SET START WITH 1000 SET INCREMENT BY 10 SET CACHE 1;",
      });
    });

    it("resets options the migrations leave at their defaults, descending ones included", () => {
      expect(identityFinding("always", "always (START WITH 5 CYCLE)")?.remediation).toBe(
        "ALTER TABLE public.users ALTER COLUMN seq SET START WITH 1 SET NO CYCLE;",
      );
      expect(
        identityFinding("always (INCREMENT BY -1)", "always (INCREMENT BY -1 START WITH -5)")
          ?.remediation,
      ).toBe("ALTER TABLE public.users ALTER COLUMN seq SET START WITH -1;");
    });

    it("sets the bounds a change of direction moves, and says narrower bounds may need RESTART", () => {
      expect(identityFinding("always (INCREMENT BY -1)", "always")?.remediation).toBe(
        "ALTER TABLE public.users ALTER COLUMN seq SET START WITH -1 SET INCREMENT BY -1 SET NO MINVALUE SET NO MAXVALUE; (fails if the sequence's current value is outside the new bounds: add RESTART WITH a value inside them)",
      );
    });

    it("keeps another generation high, and adds the options it restores", () => {
      const finding = identityFinding("always (START WITH 1000)", "by default");
      expect(finding).toMatchObject({
        severity: "high",
        remediation:
          "ALTER TABLE public.users ALTER COLUMN seq SET GENERATED ALWAYS SET START WITH 1000;",
      });
      expect(identityFinding("always (START WITH 1000)", null)?.remediation).toBe(
        "ALTER TABLE public.users ALTER COLUMN seq DROP DEFAULT, ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000); (then set the sequence past the highest value)",
      );
    });
  });
});

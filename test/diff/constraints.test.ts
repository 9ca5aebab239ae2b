import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { ReferentialAction } from "../../shared/snapshot/model.ts";
import { createTestDatabase } from "../support/db.ts";
import { shop } from "./builders.ts";

const FK = "public.orders.orders_user_id_fkey";

describe("constraint rule", () => {
  it("reports a missing foreign key as critical with the ADD CONSTRAINT built from the baseline", () => {
    const baseline = shop().build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      object: FK,
      change: "missing",
      severity: "critical",
      table: "public.orders",
      message: "constraint public.orders.orders_user_id_fkey (foreign key) is missing",
    });
    expect(finding?.remediation).toContain(
      "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE;",
    );
  });

  it("reports a changed comment as low, fixed with COMMENT ON CONSTRAINT, not a re-creation", () => {
    const baseline = shop()
      .constraint("public.orders", "orders_user_id_fkey", "foreign_key", {
        ...shop().build().constraint[FK],
        comment: "Every order has an owner",
      })
      .build();
    const actual = shop().build();

    const findings = diffSnapshots(baseline, actual).findings;

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: FK,
      change: "changed",
      attribute: "comment",
      severity: "low",
      remediation:
        "COMMENT ON CONSTRAINT orders_user_id_fkey ON public.orders IS 'Every order has an owner';",
    });
  });

  it("reads a constraint's comment from the catalog", async () => {
    const db = await createTestDatabase(
      "con_comment",
      `CREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, n int CONSTRAINT n_positive CHECK (n > 0));
       COMMENT ON CONSTRAINT n_positive ON t IS 'no zero rows';`,
    );
    try {
      const { objects } = await introspect(db.client);
      expect(objects.constraint["public.t.n_positive"]?.comment).toBe("no zero rows");
      expect(objects.constraint["public.t.t_pkey"]?.comment).toBeNull();
    } finally {
      await db.drop();
    }
  });

  it("falls back to words when the structured fields cannot rebuild the constraint", () => {
    const baseline = shop()
      .constraint("public.users", "users_email_key", "unique", {
        columns: ["email"],
        definition: "USING INDEX something the reader never writes",
      })
      .build();
    const actual = shop().build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe("Apply the migration that adds it.");
  });

  it("rebuilds a key's NULLS NOT DISTINCT, INCLUDE, storage, tablespace and WITHOUT OVERLAPS", () => {
    const baseline = shop()
      .constraint("public.users", "users_email_key", "unique", {
        columns: ["email", '"Tenant"'],
        definition: 'NULLS NOT DISTINCT INCLUDE (id, "Na(me") WITH (fillfactor=70) TABLESPACE fast',
        deferrable: "DEFERRABLE INITIALLY IMMEDIATE",
      })
      .constraint("public.users", "users_period_key", "primary_key", {
        columns: ["id", "valid_at"],
        definition: "WITHOUT OVERLAPS",
      })
      .build();
    const actual = shop().build();

    const remediations = diffSnapshots(baseline, actual).findings.map((f) => f.remediation);

    expect(remediations).toEqual([
      'Apply the migration that adds it: ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email, "Tenant") INCLUDE (id, "Na(me") WITH (fillfactor=70) USING INDEX TABLESPACE fast DEFERRABLE INITIALLY IMMEDIATE; (fails while rows violate it)',
      "Apply the migration that adds it: ALTER TABLE public.users ADD CONSTRAINT users_period_key PRIMARY KEY (id, valid_at WITHOUT OVERLAPS); (fails while rows violate it)",
    ]);
  });

  it("rebuilds a temporal foreign key (PERIOD) that is not enforced", () => {
    const baseline = shop()
      .patch("constraint", FK, {
        columns: ["user_id", "valid_at"],
        references: { table: "public.users", columns: ["id", "valid_at"], match: "SIMPLE" },
        on_delete: "NO ACTION",
        definition: "PERIOD NOT ENFORCED",
        validated: false,
      })
      .build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toContain(
      "ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id, PERIOD valid_at) REFERENCES public.users (id, PERIOD valid_at) NOT ENFORCED;",
    );
  });

  it("adds NOT VALID and the deferrability the baseline's constraint has", () => {
    const baseline = shop()
      .patch("constraint", FK, {
        validated: false,
        deferrable: "DEFERRABLE INITIALLY DEFERRED",
        on_delete: "NO ACTION",
      })
      .build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toContain(
      "ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",
    );
  });

  it("reports ON DELETE RESTRICT instead of CASCADE as critical, and re-creates the key in one statement", () => {
    const baseline = shop().build();
    const actual = shop().patch("constraint", FK, { on_delete: "RESTRICT" }).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "on_delete",
      severity: "critical",
      expected: "CASCADE",
      actual: "RESTRICT",
      message:
        "constraint public.orders.orders_user_id_fkey: on_delete is RESTRICT, expected CASCADE",
      remediation:
        "ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE;",
    });
  });

  it("reports a changed check body as a critical definition change", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("constraint", "public.orders.orders_amount_check", {
        definition: "CHECK ((amount >= (0)::numeric))",
      })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "definition",
      severity: "critical",
      expected: "CHECK ((amount > (0)::numeric))",
      actual: "CHECK ((amount >= (0)::numeric))",
    });
  });

  it("folds a type change and a definition change into one definition finding of both fields", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("constraint", "public.orders.orders_amount_check", {
        type: "exclusion",
        definition: "EXCLUDE USING gist (amount WITH =)",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "definition",
      expected: { definition: "CHECK ((amount > (0)::numeric))", type: "check" },
      actual: { definition: "EXCLUDE USING gist (amount WITH =)", type: "exclusion" },
    });
  });

  it("suggests VALIDATE CONSTRAINT for a constraint left NOT VALID", () => {
    const baseline = shop().build();
    const actual = shop().patch("constraint", FK, { validated: false }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ attribute: "validated", severity: "critical" });
    expect(finding?.remediation).toMatch(
      /^ALTER TABLE public\.orders VALIDATE CONSTRAINT orders_user_id_fkey;/,
    );
  });

  it("reports an unexpected check constraint as high", () => {
    const baseline = shop().build();
    const actual = shop()
      .constraint("public.orders", "orders_status_check", "check", {
        definition: "CHECK ((status IS NOT NULL))",
      })
      .build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({ change: "unexpected", severity: "high" });
    expect(finding?.remediation).toContain(
      "ALTER TABLE public.orders DROP CONSTRAINT orders_status_check;",
    );
  });

  it("reports a renamed constraint as one low name change under the baseline's identity", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("constraint", "public.orders.orders_amount_check")
      .constraint("public.orders", "amount_positive", "check", {
        columns: ["amount"],
        definition: "CHECK ((amount > (0)::numeric))",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: "public.orders.orders_amount_check",
      change: "changed",
      attribute: "name",
      severity: "low",
      expected: "orders_amount_check",
      actual: "amount_positive",
      remediation:
        "ALTER TABLE public.orders RENAME CONSTRAINT amount_positive TO orders_amount_check;",
    });
  });

  it("does not pair a missing and an unexpected constraint whose definitions differ", () => {
    const baseline = shop().build();
    const actual = shop()
      .without("constraint", "public.orders.orders_amount_check")
      .constraint("public.orders", "amount_non_negative", "check", {
        columns: ["amount"],
        definition: "CHECK ((amount >= (0)::numeric))",
      })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => f.change).sort()).toEqual(["missing", "unexpected"]);
  });

  it("reports NOT ENFORCED in the environment as one definition change, not also a validation change", () => {
    const baseline = shop().build();
    const actual = shop()
      .patch("constraint", FK, { definition: "NOT ENFORCED", validated: false })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: FK,
      change: "changed",
      attribute: "definition",
      severity: "critical",
      expected: null,
      actual: "NOT ENFORCED",
      remediation:
        "ALTER TABLE public.orders ALTER CONSTRAINT orders_user_id_fkey ENFORCED; (checks every row: fails while rows violate it)",
    });
  });

  it("re-creates a check constraint whose enforcement differs (ALTER CONSTRAINT takes only foreign keys)", () => {
    const check = "public.orders.orders_amount_check";
    const baseline = shop()
      .patch("constraint", check, {
        definition: "CHECK ((amount > (0)::numeric)) NOT ENFORCED",
        validated: false,
      })
      .build();
    const actual = shop().build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => f.attribute)).toEqual(["definition"]);
    expect(findings[0]?.remediation).toBe(
      "ALTER TABLE public.orders DROP CONSTRAINT orders_amount_check, ADD CONSTRAINT orders_amount_check CHECK ((amount > (0)::numeric)) NOT ENFORCED;",
    );
  });

  it("still reports a NOT VALID constraint when both sides are enforced", () => {
    const baseline = shop().patch("constraint", FK, { definition: "NOT ENFORCED" }).build();
    const actual = shop()
      .patch("constraint", FK, { definition: "NOT ENFORCED", validated: false })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    // Both sides NOT ENFORCED: the validated flag is compared as it is.
    expect(findings.map((f) => f.attribute)).toEqual(["validated"]);
  });

  it("builds the ADD CONSTRAINT of a NOT ENFORCED foreign key and of ON DELETE SET NULL (columns)", () => {
    const baseline = shop()
      .patch("constraint", FK, {
        definition: "NOT ENFORCED",
        validated: false,
        on_delete: "SET NULL (user_id)" as ReferentialAction,
      })
      .build();
    const actual = shop().without("constraint", FK).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toContain(
      "ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL (user_id) NOT ENFORCED;",
    );
  });
});

describe("constraints read from PostgreSQL (default major)", () => {
  const SCHEMA = `
    CREATE TABLE public.authors (tenant_id bigint NOT NULL, id bigint PRIMARY KEY,
      UNIQUE (tenant_id, id));
    CREATE TABLE public.posts (
      id bigint PRIMARY KEY,
      tenant_id bigint NOT NULL DEFAULT 0,
      author_id bigint,
      editor_id bigint`;

  it("captures the columns of ON DELETE SET NULL (…) / SET DEFAULT (…) and reports a change of them", async () => {
    const before = await createTestDatabase(
      "con_setcols",
      `${SCHEMA},
      FOREIGN KEY (author_id) REFERENCES public.authors (id) ON DELETE SET NULL (author_id),
      FOREIGN KEY (tenant_id, editor_id) REFERENCES public.authors (tenant_id, id)
        ON DELETE SET DEFAULT (tenant_id, editor_id) ON UPDATE CASCADE);`,
    );
    const after = await createTestDatabase(
      "con_setcols",
      `${SCHEMA},
      FOREIGN KEY (author_id) REFERENCES public.authors (id) ON DELETE SET NULL,
      FOREIGN KEY (tenant_id, editor_id) REFERENCES public.authors (tenant_id, id)
        ON DELETE SET DEFAULT (editor_id, tenant_id) ON UPDATE CASCADE);`,
    );
    try {
      const baseline = (await introspect(before.client)).objects;
      const actual = (await introspect(after.client)).objects;
      expect(baseline.constraint["public.posts.posts_author_id_fkey"]?.on_delete).toBe(
        "SET NULL (author_id)",
      );
      // The column list is a set: written in another order on the other side, it compares equal.
      expect(baseline.constraint["public.posts.posts_tenant_id_editor_id_fkey"]).toMatchObject({
        on_delete: "SET DEFAULT (editor_id, tenant_id)",
        on_update: "CASCADE",
        definition: null,
      });
      expect(actual.constraint["public.posts.posts_author_id_fkey"]?.on_delete).toBe("SET NULL");

      const { findings } = diffSnapshots(baseline, actual);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        object: "public.posts.posts_author_id_fkey",
        attribute: "on_delete",
        severity: "critical",
        expected: "SET NULL (author_id)",
        actual: "SET NULL",
        remediation:
          "ALTER TABLE public.posts DROP CONSTRAINT posts_author_id_fkey, ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.authors (id) ON DELETE SET NULL (author_id);",
      });
      // The remediation is SQL the server takes, and gives back the baseline's constraint.
      await after.exec(`${findings[0]?.remediation}`);
      const repaired = (await introspect(after.client)).objects;
      expect(diffSnapshots(baseline, repaired).findings).toEqual([]);
    } finally {
      await before.drop();
      await after.drop();
    }
  });

  it("gives remediation SQL that re-creates keys with their index options", async () => {
    const table = `CREATE TABLE public.accounts (id bigint NOT NULL, email text, region text,
      note text, tenant integer)`;
    const before = await createTestDatabase(
      "con_keys",
      `${table};
       ALTER TABLE public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id) INCLUDE (note)
         WITH (fillfactor = 80);
       ALTER TABLE public.accounts ADD CONSTRAINT accounts_email_key
         UNIQUE NULLS NOT DISTINCT (email, tenant) INCLUDE (region) DEFERRABLE;`,
    );
    const after = await createTestDatabase("con_keys", `${table};`);
    try {
      const baseline = (await introspect(before.client)).objects;
      const { findings } = diffSnapshots(baseline, (await introspect(after.client)).objects);
      expect(findings.map((f) => [f.object, f.change])).toEqual([
        ["public.accounts.accounts_email_key", "missing"],
        ["public.accounts.accounts_pkey", "missing"],
      ]);
      for (const finding of findings) {
        const sql = /: (ALTER TABLE .*;) \(fails/.exec(finding.remediation ?? "")?.[1];
        expect(sql).toBeDefined();
        await after.exec(String(sql));
      }
      expect(diffSnapshots(baseline, (await introspect(after.client)).objects).findings).toEqual(
        [],
      );
    } finally {
      await before.drop();
      await after.drop();
    }
  });
});

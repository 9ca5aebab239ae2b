import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { splitLeadingName } from "../../shared/diff/rules/types.ts";
import { snapshot } from "./builders.ts";

const mood = (labels: string[]) =>
  snapshot().schema("public").userType("public.mood", { type: "enum", labels });

const address = (attributes: string[]) =>
  snapshot().schema("public").userType("public.address", { type: "composite", attributes });

/** What follows ADD VALUE statements: the label cannot be used before they commit. */
const ADD_VALUE_NOTE =
  " -- commit before anything uses the new label: a label added in a transaction cannot be used in that transaction";

describe("type rule: enums", () => {
  it("reports a missing label as one critical labels finding with ADD VALUE placed after its neighbour", () => {
    const baseline = mood(["sad", "ok", "happy"]).build();
    const actual = mood(["sad", "happy"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "type",
      object: "public.mood",
      change: "changed",
      attribute: "labels",
      severity: "critical",
      expected: ["sad", "ok", "happy"],
      actual: ["sad", "happy"],
      message:
        "type public.mood: label 'ok' is missing (labels are 'sad', 'happy', expected 'sad', 'ok', 'happy')",
      remediation: `ALTER TYPE public.mood ADD VALUE 'ok' AFTER 'sad';${ADD_VALUE_NOTE}`,
    });
  });

  it("places a missing first label BEFORE the first label the environment has", () => {
    const baseline = mood(["new", "sad", "happy"]).build();
    const actual = mood(["sad", "happy"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      `ALTER TYPE public.mood ADD VALUE 'new' BEFORE 'sad';${ADD_VALUE_NOTE}`,
    );
  });

  it("chains several missing labels in baseline order", () => {
    const baseline = mood(["a", "b", "c", "d"]).build();
    const actual = mood(["b"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      `ALTER TYPE public.mood ADD VALUE 'a' BEFORE 'b'; ALTER TYPE public.mood ADD VALUE 'c' AFTER 'b'; ALTER TYPE public.mood ADD VALUE 'd' AFTER 'c';${ADD_VALUE_NOTE}`,
    );
  });

  it("says an extra label cannot be removed in place", () => {
    const baseline = mood(["sad", "happy"]).build();
    const actual = mood(["sad", "meh", "happy", "glad"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.message).toBe(
      "type public.mood: labels 'meh', 'glad' are not in the migrations (labels are 'sad', 'meh', 'happy', 'glad', expected 'sad', 'happy')",
    );
    expect(finding?.remediation).toMatch(/^A label cannot be removed or moved in place: /);
    expect(finding?.remediation).toContain("CREATE TYPE … AS ENUM ('sad', 'happy')");
  });

  it("reports labels in another order, which only re-creating fixes", () => {
    const baseline = mood(["sad", "happy"]).build();
    const actual = mood(["happy", "sad"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.message).toContain("the labels are in another order");
    expect(finding?.remediation).toMatch(/^A label cannot be removed or moved in place/);
  });

  it("suggests RENAME VALUE when one label differs at the same place", () => {
    const baseline = mood(["sad", "happy"]).build();
    const actual = mood(["sad", "hapy"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe("ALTER TYPE public.mood RENAME VALUE 'hapy' TO 'happy';");
  });
});

describe("type rule: composite types", () => {
  it("reports changed, missing and extra attributes in one attributes finding", () => {
    const baseline = address(["street text", "city character varying(50)", "zip text"]).build();
    const actual = address(["street text", "city text", '"Note" text']).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "attributes",
      severity: "critical",
      message:
        'type public.address: attribute zip is missing; attribute city is text, expected character varying(50); attribute "Note" is not in the migrations',
      remediation:
        'ALTER TYPE public.address DROP ATTRIBUTE "Note", ADD ATTRIBUTE zip text, ALTER ATTRIBUTE city TYPE character varying(50); (add CASCADE when typed tables use the type; an attribute\'s type cannot change while a table column uses the type: re-create it then)',
    });
  });

  it("says attributes cannot be reordered in place", () => {
    const baseline = address(["street text", "city text"]).build();
    const actual = address(["city text", "street text"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.message).toBe("type public.address: attributes are in another order");
    expect(finding?.remediation).toMatch(/^Attributes cannot be reordered in place/);
  });

  it("warns when an attribute added at the end lands out of order", () => {
    const baseline = address(["street text", "zip text", "city text"]).build();
    const actual = address(["street text", "city text"]).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe(
      "ALTER TYPE public.address ADD ATTRIBUTE zip text; (add CASCADE when typed tables use the type) Attributes cannot be reordered in place: re-create the type as the migration does and convert the columns that use it.",
    );
  });

  it("gives the CREATE TYPE of a missing composite type, and a DROP for an unexpected one", () => {
    const baseline = address(['street text COLLATE "C"', "zip text"]).build();
    const empty = snapshot().schema("public").build();

    const [missing] = diffSnapshots(baseline, empty).findings;
    const [unexpected] = diffSnapshots(empty, baseline).findings;

    expect(missing).toMatchObject({
      change: "missing",
      severity: "critical",
      message: "type public.address (composite) is missing",
      remediation:
        'Apply the migration that creates it: CREATE TYPE public.address AS (street text COLLATE "C", zip text);',
    });
    expect(unexpected).toMatchObject({ change: "unexpected", severity: "medium" });
    expect(unexpected?.remediation).toContain("DROP TYPE public.address;");
  });
});

describe("type rule: other fields", () => {
  it("reports a changed range definition as critical definition", () => {
    const range = (definition: string) =>
      snapshot().schema("public").userType("public.during", { type: "range", definition });
    const baseline = range("subtype=timestamp with time zone").build();
    const actual = range("subtype=timestamp without time zone").build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding).toMatchObject({
      attribute: "definition",
      severity: "critical",
      message:
        "type public.during: definition is subtype=timestamp without time zone, expected subtype=timestamp with time zone",
    });
    expect(finding?.remediation).toContain(
      "The migration's type: CREATE TYPE public.during AS RANGE (subtype=timestamp with time zone);",
    );
  });

  it("reports a type of another kind once, as definition", () => {
    const baseline = mood(["a"]).build();
    const actual = snapshot()
      .schema("public")
      .userType("public.mood", { type: "composite", attributes: ["a text"] })
      .build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "definition",
      message: "type public.mood is a composite type, expected an enum",
    });
  });

  it("reports comments and privileges with their statements", () => {
    const baseline = mood(["a"])
      .patch("type", "public.mood", { comment: "feelings", privileges: ["OWNER:USAGE"] })
      .build();
    const actual = mood(["a"]).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings.map((f) => [f.attribute, f.severity, f.remediation])).toEqual([
      ["privileges", "high", "REVOKE USAGE ON TYPE public.mood FROM PUBLIC;"],
      ["comment", "low", "COMMENT ON TYPE public.mood IS 'feelings';"],
    ]);
  });
});

describe("domain rule", () => {
  const email = (patch = {}) =>
    snapshot()
      .schema("public")
      .domain("public.email", "text", {
        constraints: ["email_check: CHECK ((VALUE ~ '@'::text))"],
        ...patch,
      });

  it("names a missing constraint and adds it back", () => {
    const baseline = email().build();
    const actual = email({ constraints: [] }).build();

    const { findings } = diffSnapshots(baseline, actual);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: "domain",
      object: "public.email",
      attribute: "definition",
      severity: "critical",
      expected: { constraints: ["email_check: CHECK ((VALUE ~ '@'::text))"] },
      actual: { constraints: [] },
      message: "domain public.email: constraint email_check is missing",
      remediation:
        "ALTER DOMAIN public.email ADD CONSTRAINT email_check CHECK ((VALUE ~ '@'::text));",
    });
  });

  it("gathers every differing field in one definition finding with one statement each", () => {
    const baseline = email({ default: "'x'::text", nullable: false }).build();
    const actual = email({
      constraints: [
        "email_check: CHECK ((VALUE ~~ '%@%'::text))",
        '"Len": CHECK ((length(VALUE) < 10))',
      ],
    }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.message).toBe(
      "domain public.email: NOT NULL is missing; default is none, expected 'x'::text; constraint email_check is CHECK ((VALUE ~~ '%@%'::text)), expected CHECK ((VALUE ~ '@'::text)); constraint \"Len\" is not in the migrations",
    );
    expect(finding?.remediation).toBe(
      [
        "ALTER DOMAIN public.email SET NOT NULL;",
        "ALTER DOMAIN public.email SET DEFAULT 'x'::text;",
        "ALTER DOMAIN public.email DROP CONSTRAINT email_check;",
        'ALTER DOMAIN public.email DROP CONSTRAINT "Len";',
        "ALTER DOMAIN public.email ADD CONSTRAINT email_check CHECK ((VALUE ~ '@'::text));",
      ].join(" "),
    );
  });

  it("validates a constraint left NOT VALID rather than re-creating it", () => {
    const baseline = email().build();
    const actual = email({
      constraints: ["email_check: CHECK ((VALUE ~ '@'::text)) NOT VALID"],
    }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.remediation).toBe("ALTER DOMAIN public.email VALIDATE CONSTRAINT email_check;");
  });

  it("says a base type change needs a new domain, with the baseline's CREATE DOMAIN", () => {
    const baseline = email({ collation: '"C"' }).build();
    const actual = email({ data_type: "character varying(100)" }).build();

    const [finding] = diffSnapshots(baseline, actual).findings;

    expect(finding?.message).toBe(
      'domain public.email: base type is character varying(100), expected text; collation is none, expected "C"',
    );
    expect(finding?.remediation).toContain(
      "The migration's domain: CREATE DOMAIN public.email AS text COLLATE \"C\" CONSTRAINT email_check CHECK ((VALUE ~ '@'::text));",
    );
  });

  it("gives the CREATE DOMAIN of a missing domain, NOT VALID constraints added after it", () => {
    const baseline = email({
      default: "''::text",
      nullable: false,
      constraints: ["a: CHECK ((VALUE <> ''::text))", "b: CHECK ((length(VALUE) < 9)) NOT VALID"],
    }).build();

    const [finding] = diffSnapshots(baseline, snapshot().schema("public").build()).findings;

    expect(finding).toMatchObject({ change: "missing", severity: "critical" });
    expect(finding?.remediation).toBe(
      "Apply the migration that creates it: CREATE DOMAIN public.email AS text DEFAULT ''::text NOT NULL CONSTRAINT a CHECK ((VALUE <> ''::text)); ALTER DOMAIN public.email ADD CONSTRAINT b CHECK ((length(VALUE) < 9)) NOT VALID;",
    );
  });

  it("keeps privileges, comment and owner as their own attributes", () => {
    const baseline = email({ comment: "login" }).build();
    const actual = email({ privileges: ["OWNER:USAGE"], owner: "someone" }).build();

    const { findings } = diffSnapshots(baseline, actual, { compareOwners: true });

    expect(findings.map((f) => [f.attribute, f.severity, f.remediation])).toEqual([
      ["privileges", "high", "GRANT USAGE ON DOMAIN public.email TO PUBLIC;"],
      ["comment", "low", "COMMENT ON DOMAIN public.email IS 'login';"],
      ["owner", "low", "ALTER DOMAIN public.email OWNER TO app;"],
    ]);
  });
});

describe("splitLeadingName", () => {
  it("splits quoted and bare names", () => {
    expect(splitLeadingName('"a "" b" text', " ")).toEqual(['"a "" b"', "text"]);
    expect(splitLeadingName("zip character varying(5)", " ")).toEqual([
      "zip",
      "character varying(5)",
    ]);
    expect(splitLeadingName('"x: y": CHECK (true)', ": ")).toEqual(['"x: y"', "CHECK (true)"]);
  });
});

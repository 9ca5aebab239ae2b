import { describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import type { ColumnObject, SnapshotObjects } from "../../shared/snapshot/model.ts";
import { shop } from "./builders.ts";

const OWNER_DEFAULTS = ["OWNER:SELECT", "OWNER:UPDATE", "OWNER:USAGE"];

/** public.orders with a serial-like `number` column owning `sequence`, granted `privileges`. */
function withSequence(
  type: string,
  sequence: string | null,
  privileges: string[] = sequence === null ? [] : OWNER_DEFAULTS,
): SnapshotObjects {
  return shop()
    .column("public.orders", "number", type, {
      nullable: false,
      default: "nextval('public.orders_number_seq'::regclass)",
      sequence,
      sequence_privileges: privileges,
    })
    .build();
}

function findingsOf(baseline: SnapshotObjects, actual: SnapshotObjects) {
  return diffSnapshots(baseline, actual).findings.filter(
    (f) => f.object === "public.orders.number",
  );
}

/** The same objects without the fields snapshots written before them lack. */
function withoutSequenceFields(objects: SnapshotObjects): SnapshotObjects {
  const column: Record<string, ColumnObject> = {};
  for (const [identity, { sequence: _s, sequence_privileges: _p, ...rest }] of Object.entries(
    objects.column,
  )) {
    column[identity] = rest;
  }
  return { ...objects, column };
}

describe("column sequences (serial, OWNED BY)", () => {
  it("reports a sequence left AS integer under a bigint column as medium, says where it stops, and widens it", () => {
    const findings = findingsOf(
      withSequence("bigint", "public.orders_number_seq"),
      withSequence("bigint", "public.orders_number_seq (AS integer)"),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      change: "changed",
      attribute: "sequence",
      severity: "medium",
      expected: "public.orders_number_seq",
      actual: "public.orders_number_seq (AS integer)",
      message:
        "column public.orders.number: its sequence public.orders_number_seq is AS integer MAXVALUE 2147483647, expected AS bigint MAXVALUE 9223372036854775807: nextval fails once it passes 2147483647",
      remediation: "ALTER SEQUENCE public.orders_number_seq AS bigint NO MAXVALUE;",
    });
  });

  it("resets options the migrations leave at their defaults, without RESTART", () => {
    const [finding] = findingsOf(
      withSequence("integer", "public.orders_number_seq"),
      withSequence("integer", "public.orders_number_seq (INCREMENT BY 2 CACHE 10 CYCLE)"),
    );
    expect(finding?.message).toBe(
      "column public.orders.number: its sequence public.orders_number_seq is INCREMENT BY 2 CACHE 10 CYCLE, expected INCREMENT BY 1 CACHE 1 NO CYCLE",
    );
    expect(finding?.remediation).toBe(
      "ALTER SEQUENCE public.orders_number_seq INCREMENT BY 1 CACHE 1 NO CYCLE;",
    );
  });

  it("sets every bound a change of direction moves, since their defaults move with it", () => {
    const [finding] = findingsOf(
      withSequence("integer", "public.orders_number_seq (INCREMENT BY -1 MINVALUE -1000)"),
      withSequence("integer", "public.orders_number_seq"),
    );
    expect(finding?.remediation).toBe(
      "ALTER SEQUENCE public.orders_number_seq START WITH -1 INCREMENT BY -1 MINVALUE -1000 NO MAXVALUE; (fails if the sequence's current value is outside the new bounds: add RESTART WITH a value inside them)",
    );
  });

  it("reports no sequence change when only the column's type makes its AS read differently", () => {
    expect(
      findingsOf(
        withSequence("bigint", "public.orders_number_seq"),
        withSequence("integer", "public.orders_number_seq (AS bigint)"),
      ).map((f) => f.attribute),
    ).toEqual(["type"]);
    expect(
      findingsOf(
        withSequence("bigint", "public.orders_number_seq (AS bigint)"),
        withSequence("bigint", "public.orders_number_seq"),
      ),
    ).toEqual([]);
  });

  it("reports the sequence's type when it did not follow the column's", () => {
    expect(
      findingsOf(
        withSequence("bigint", "public.orders_number_seq"),
        withSequence("integer", "public.orders_number_seq"),
      ).map((f) => [f.attribute, f.severity]),
    ).toEqual([
      ["type", "critical"],
      ["sequence", "medium"],
    ]);
  });

  it("explains a sequence the column owns that no migration gives it, in words", () => {
    const [finding] = findingsOf(
      withSequence("integer", null),
      withSequence("integer", "public.orders_number_seq"),
    );
    expect(finding).toMatchObject({ attribute: "sequence", severity: "medium" });
    expect(finding?.message).toBe(
      "column public.orders.number owns sequence public.orders_number_seq, which no migration makes it own",
    );
    expect(finding?.remediation).toContain(
      "ALTER SEQUENCE public.orders_number_seq OWNED BY NONE; (",
    );
  });

  it("explains a sequence the column no longer owns, and how to own it again", () => {
    const findings = findingsOf(
      withSequence("integer", "public.orders_number_seq (CACHE 5)"),
      withSequence("integer", null),
    );
    expect(findings.map((f) => f.attribute)).toEqual(["sequence"]);
    expect(findings[0]?.message).toBe(
      "column public.orders.number owns no sequence, expected public.orders_number_seq (a serial or OWNED BY sequence)",
    );
    expect(findings[0]?.remediation).toContain(
      "ALTER SEQUENCE public.orders_number_seq OWNED BY public.orders.number;",
    );
  });

  it("renames a sequence that differs by its name alone", () => {
    const [finding] = findingsOf(
      withSequence("integer", "public.orders_number_seq"),
      withSequence("integer", "public.orders_number_seq1"),
    );
    expect(finding?.message).toBe(
      "column public.orders.number: its sequence is public.orders_number_seq1, expected public.orders_number_seq",
    );
    expect(finding?.remediation).toBe(
      "ALTER SEQUENCE public.orders_number_seq1 RENAME TO orders_number_seq;",
    );
  });

  it("lists several owned sequences, quoted names included", () => {
    const [finding] = findingsOf(
      withSequence("integer", 'public."A, b" (CACHE 5), public.z'),
      withSequence("integer", 'public."A, b", public.z'),
    );
    expect(finding?.message).toBe(
      'column public.orders.number: its sequence is public."A, b", public.z, expected public."A, b", public.z',
    );
  });

  it("reports a missing USAGE grant on the sequence as high, says inserts fail, and grants it", () => {
    const findings = findingsOf(
      withSequence("integer", "public.orders_number_seq", [...OWNER_DEFAULTS, "app_writer:USAGE"]),
      withSequence("integer", "public.orders_number_seq", [...OWNER_DEFAULTS, "app_reader:SELECT"]),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      attribute: "sequence_privileges",
      severity: "high",
      message:
        "column public.orders.number: privileges on its sequence public.orders_number_seq differ: missing app_writer:USAGE; not granted by any migration app_reader:SELECT (inserts by app_writer that take the column's default fail: permission denied for sequence)",
      remediation:
        "REVOKE SELECT ON SEQUENCE public.orders_number_seq FROM app_reader; GRANT USAGE ON SEQUENCE public.orders_number_seq TO app_writer;",
    });
  });

  it("compares the sequence's privileges as a set", () => {
    expect(
      findingsOf(
        withSequence("integer", "public.orders_number_seq", [
          "OWNER:USAGE",
          "OWNER:SELECT",
          "OWNER:UPDATE",
        ]),
        withSequence("integer", "public.orders_number_seq"),
      ),
    ).toEqual([]);
  });

  it("leaves the privileges to the sequence finding when one side owns no sequence", () => {
    expect(
      findingsOf(
        withSequence("integer", "public.orders_number_seq"),
        withSequence("integer", null),
      ).map((f) => f.attribute),
    ).toEqual(["sequence"]);
  });

  it("compares nothing about sequences with a snapshot written before the fields existed", () => {
    const current = withSequence("bigint", "public.orders_number_seq (AS integer)", [
      ...OWNER_DEFAULTS,
      "app_writer:USAGE",
    ]);
    const older = withoutSequenceFields(withSequence("bigint", null));
    expect(diffSnapshots(older, current).findings).toEqual([]);
    expect(diffSnapshots(current, older).findings).toEqual([]);
  });

  it("says so in a note when one side's snapshot lacks the fields, and only then", () => {
    const current = withSequence("bigint", null);
    const older = withoutSequenceFields(current);
    const [baselineOlder] = diffSnapshots(older, current).notes;
    expect(baselineOlder).toMatch(
      /^serial and OWNED BY sequences .* not compared: the baseline was written by a pgdrift from before 2026-11-25.*rebuild it/,
    );
    expect(diffSnapshots(current, older).notes).toEqual([
      expect.stringContaining("not compared: the environment's snapshot was written"),
    ]);
    expect(diffSnapshots(older, older).notes).toEqual([
      expect.stringContaining("the baseline and the environment's snapshot were written"),
    ]);
    expect(diffSnapshots(current, current).notes).toEqual([]);
  });

  it("still pairs a renamed column when the baseline predates the fields", () => {
    const baseline = withoutSequenceFields(shop().column("public.orders", "note", "text").build());
    const actual = shop().column("public.orders", "remark", "text").build();
    expect(
      diffSnapshots(baseline, actual).findings.map((f) => [f.object, f.change, f.attribute]),
    ).toEqual([["public.orders.note", "changed", "name"]]);
  });

  it("re-creates the sequence a missing serial column took with it", () => {
    const baseline = withSequence("integer", "public.orders_number_seq (CACHE 5)");
    const [finding] = findingsOf(baseline, shop().build());
    expect(finding?.remediation).toBe(
      "Apply the migration that adds it: CREATE SEQUENCE IF NOT EXISTS public.orders_number_seq AS integer CACHE 5; ALTER TABLE public.orders ADD COLUMN number integer DEFAULT nextval('public.orders_number_seq'::regclass) NOT NULL; ALTER SEQUENCE public.orders_number_seq OWNED BY public.orders.number;",
    );
  });
});

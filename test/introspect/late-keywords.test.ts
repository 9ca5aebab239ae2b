import { describe, expect, it } from "vitest";
import {
  argumentNamesAsOf17,
  deparsedAsOf17,
  functionBodyAsOf17,
  typeNameAsOf17,
} from "../../shared/introspect/deparsed-sql.ts";
import { normalizeViewDefinition } from "../../shared/introspect/view-definition.ts";

/** Text as PostgreSQL 14–16 print it, read as 17 prints it (docs/cross-major.md). */
describe("names that 16 and 17 made keywords, in deparsed text from earlier majors", () => {
  it("quotes them as names, not as the json type after ::, and leaves 17+ text alone", () => {
    const text =
      "SELECT id, json, t.json_table, '{}'::json AS j, system_user FROM app.json_table t";
    expect(deparsedAsOf17(text, 160000)).toBe(
      `SELECT id, "json", t."json_table", '{}'::json AS j, "system_user" FROM app."json_table" t`,
    );
    expect(deparsedAsOf17(text, 170000)).toBe(text);
  });

  it("leaves string literals, quoted names and upper-case SQL/JSON syntax as they are", () => {
    const text = `SELECT 'json' AS a, "json" AS b, JSON_OBJECT('a' : 1) AS c, x IS JSON AS d FROM t`;
    expect(deparsedAsOf17(text, 150000)).toBe(text);
  });

  it("quotes argument names, not argument types", () => {
    expect(argumentNamesAsOf17("json integer, x json, json, json DEFAULT '{}'::json", 160000)).toBe(
      `"json" integer, x json, json, json DEFAULT '{}'::json`,
    );
    expect(argumentNamesAsOf17("OUT json json[], VARIADIC system_user text[]", 150000)).toBe(
      `OUT "json" json[], VARIADIC "system_user" text[]`,
    );
    expect(argumentNamesAsOf17("a numeric(10,2), json app.t", 140000)).toBe(
      `a numeric(10,2), "json" app.t`,
    );
    expect(argumentNamesAsOf17("TABLE(json_value jsonb, n numeric(10,2), json json)", 160000)).toBe(
      `TABLE("json_value" jsonb, n numeric(10,2), "json" json)`,
    );
    expect(argumentNamesAsOf17("json", 160000)).toBe("json");
    expect(argumentNamesAsOf17("json integer", 170000)).toBe("json integer");
  });

  it("drops the bool name of true and false in function bodies on 14, and in view subqueries only", () => {
    expect(functionBodyAsOf17("BEGIN ATOMIC\n SELECT true AS bool;\nEND", 140000)).toBe(
      "BEGIN ATOMIC\n SELECT true;\nEND",
    );
    expect(functionBodyAsOf17("BEGIN ATOMIC\n SELECT true AS bool;\nEND", 150000)).toBe(
      "BEGIN ATOMIC\n SELECT true AS bool;\nEND",
    );
    expect(
      normalizeViewDefinition(" SELECT true AS bool,\n    (SELECT false AS bool) AS f;", 140000),
    ).toBe(` SELECT true AS bool,\n    (SELECT false) AS f`);
  });

  it("leaves the built-in json type bare where it is a type: column lists, RETURNING", () => {
    const text =
      "SELECT t.a, JSON_ARRAY(b RETURNING json) AS j, json FROM json_to_record(x) t(a json, b integer, json json[]) CROSS JOIN XMLTABLE(('/r'::text) PASSING (d) COLUMNS c json PATH ('c'::text)) x";
    expect(deparsedAsOf17(text, 160000)).toBe(
      `SELECT t.a, JSON_ARRAY(b RETURNING json) AS j, "json" FROM json_to_record(x) t(a json, b integer, "json" json[]) CROSS JOIN XMLTABLE(('/r'::text) PASSING (d) COLUMNS c json PATH ('c'::text)) x`,
    );
  });

  it("quotes late keywords in qualified type names only: the built-in json is never qualified", () => {
    expect(typeNameAsOf17("kw.json_value[], json, kw.json_object", 140000)).toBe(
      `kw."json_value"[], json, kw."json_object"`,
    );
    expect(typeNameAsOf17("json_value.t", 160000)).toBe(`"json_value".t`);
    expect(typeNameAsOf17("kw.json_value", 170000)).toBe("kw.json_value");
  });

  it("spells out XMLSERIALIZE's default NO INDENT before 16, as 16 and later print it", () => {
    const text = "(XMLSERIALIZE(CONTENT (x)::xml AS text) <> ''::text)";
    expect(deparsedAsOf17(text, 150000)).toBe(
      "(XMLSERIALIZE(CONTENT (x)::xml AS text NO INDENT) <> ''::text)",
    );
    expect(deparsedAsOf17(text, 160000)).toBe(text);
  });
});

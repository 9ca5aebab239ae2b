import { describe, expect, it } from "vitest";
import {
  argumentNamesAsOf17,
  functionBodyAsOf17,
  lateKeywordsQuoted,
  normalizeViewDefinition,
} from "../../shared/introspect/view-definition.ts";

/** Text as PostgreSQL 14–16 print it, read as 17 prints it (docs/cross-major.md). */
describe("names that 16 and 17 made keywords, in deparsed text from earlier majors", () => {
  it("quotes them as names, not as the json type after ::, and leaves 17+ text alone", () => {
    const text =
      "SELECT id, json, t.json_table, '{}'::json AS j, system_user FROM app.json_table t";
    expect(lateKeywordsQuoted(text, 160000)).toBe(
      `SELECT id, "json", t."json_table", '{}'::json AS j, "system_user" FROM app."json_table" t`,
    );
    expect(lateKeywordsQuoted(text, 170000)).toBe(text);
  });

  it("leaves string literals, quoted names and upper-case SQL/JSON syntax as they are", () => {
    const text = `SELECT 'json' AS a, "json" AS b, JSON_OBJECT('a' : 1) AS c, x IS JSON AS d FROM t`;
    expect(lateKeywordsQuoted(text, 150000)).toBe(text);
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
});

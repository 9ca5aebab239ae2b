import { describe, expect, it } from "vitest";
import { identityParts, lastPart, quoteIdent, quoteLiteral } from "../../shared/diff/identity.ts";

describe("identityParts", () => {
  it("splits on dots outside quotes and keeps quotes", () => {
    expect(identityParts('public."Order Items"."Qty"')).toEqual([
      "public",
      '"Order Items"',
      '"Qty"',
    ]);
    expect(identityParts('"a.b".c')).toEqual(['"a.b"', "c"]);
    expect(identityParts('"say ""hi""".t')).toEqual(['"say ""hi"""', "t"]);
  });

  it("returns the last part as written", () => {
    expect(lastPart('public."Order Items"')).toBe('"Order Items"');
  });
});

describe("quoteIdent", () => {
  it("quotes like quote_ident: upper case, spaces and reserved words, not plain names", () => {
    expect(quoteIdent("orders")).toBe("orders");
    expect(quoteIdent("Orders")).toBe('"Orders"');
    expect(quoteIdent("user")).toBe('"user"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});

describe("quoteIdent as PostgreSQL 17's quote_ident", () => {
  it.each([
    ["orders", "orders"],
    ["_tmp", "_tmp"],
    ["order_items2", "order_items2"],
    ["a$b", '"a$b"'],
    ["price$", '"price$"'],
    ["2fa", '"2fa"'],
    ["Orders", '"Orders"'],
    ["café", '"café"'],
    ["order items", '"order items"'],
    ["a-b", '"a-b"'],
    ["", '""'],
  ])("%s → %s", (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it("quotes reserved, type/function-name and column-name keywords", () => {
    // Reserved.
    for (const word of ["select", "table", "user", "order", "group", "check", "analyze"])
      expect(quoteIdent(word)).toBe(`"${word}"`);
    // Type or function name (may be a function or type, not a column name).
    for (const word of ["authorization", "collation", "join", "left", "similar", "verbose"])
      expect(quoteIdent(word)).toBe(`"${word}"`);
    // Column name (may be a column name, not a function or type).
    for (const word of ["between", "int", "timestamp", "values", "json_table", "merge_action"])
      expect(quoteIdent(word)).toBe(`"${word}"`);
  });

  it("leaves unreserved keywords bare", () => {
    for (const word of ["abort", "name", "data", "key", "type", "version", "status", "comment"])
      expect(quoteIdent(word)).toBe(word);
  });
});

describe("quoteLiteral", () => {
  it("doubles single quotes", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });
});

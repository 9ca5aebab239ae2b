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

describe("quoteLiteral", () => {
  it("doubles single quotes", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });
});

import { describe, expect, it } from "vitest";
import { canonicalize, canonicalJson } from "../../shared/snapshot/canonical.ts";

describe("canonicalize", () => {
  it("sorts keys at every depth and keeps array order", () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    expect(canonicalJson(value)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("drops undefined fields, as JSON does", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it("returns values that are already canonical as they are, without copying", () => {
    const inner = { a: 1, b: [1, 2] };
    const value = { x: inner, y: "s" };
    expect(canonicalize(value)).toBe(value);
  });

  it("copies only what is out of order and shares the rest", () => {
    const sortedChild = { a: 1, b: 2 };
    const value = { z: { d: 1, c: 2 }, a: sortedChild };
    const result = canonicalize(value) as Record<string, unknown>;
    expect(result).not.toBe(value);
    expect(Object.keys(result)).toEqual(["a", "z"]);
    expect(result.a).toBe(sortedChild);
    expect(Object.keys(result.z as object)).toEqual(["c", "d"]);
  });

  it("gives the same text whatever the key order", () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(
      canonicalJson({ b: { d: 3, c: 2 }, a: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});

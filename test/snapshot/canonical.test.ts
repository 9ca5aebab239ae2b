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

  it("copies when an object deep inside an array is out of order or holds undefined", () => {
    const value = { list: [{ a: 1 }, { c: 1, b: 2 }], other: [{ x: undefined, y: 1 }] };
    const result = canonicalize(value) as typeof value;
    expect(result).not.toBe(value);
    expect(JSON.stringify(result)).toBe('{"list":[{"a":1},{"b":2,"c":1}],"other":[{"y":1}]}');
    expect(result.list[0]).toBe(value.list[0]);
  });

  it("leaves values that are not plain objects to JSON, as it always did", () => {
    const when = new Date("2026-11-25T00:00:00.000Z");
    expect(canonicalJson({ b: when, a: 1 })).toBe('{"a":1,"b":"2026-11-25T00:00:00.000Z"}');
    class Point {
      y = 2;
      x = 1;
    }
    expect(canonicalJson(new Point())).toBe('{"x":1,"y":2}');
  });
});

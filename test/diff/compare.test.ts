import { describe, expect, it } from "vitest";
import { diffAttributes, formatValue } from "../../shared/diff/compare.ts";

const SPEC = { vocabulary: ["type", "definition", "tags"], skip: ["name"], sets: ["tags"] };

describe("diffAttributes", () => {
  it("reports one entry per differing vocabulary field and skips identity fields", () => {
    const diffs = diffAttributes({ name: "a", type: "int" }, { name: "b", type: "bigint" }, SPEC);

    expect(diffs).toEqual([{ attribute: "type", expected: "int", actual: "bigint" }]);
  });

  it("gathers differing fields outside the vocabulary into one definition entry", () => {
    const diffs = diffAttributes(
      { relkind: "table", flavor: "x", same: 1 },
      { relkind: "view", flavor: "y", same: 1 },
      SPEC,
    );

    expect(diffs).toEqual([
      {
        attribute: "definition",
        expected: { flavor: "x", relkind: "table" },
        actual: { flavor: "y", relkind: "view" },
      },
    ]);
  });

  it("compares set fields without regard to order", () => {
    expect(diffAttributes({ tags: ["b", "a"] }, { tags: ["a", "b"] }, SPEC)).toEqual([]);
    expect(diffAttributes({ tags: ["a"] }, { tags: ["a", "c"] }, SPEC)).toHaveLength(1);
  });
});

describe("formatValue", () => {
  it("spells values as a person reads them", () => {
    expect(formatValue(null)).toBe("none");
    expect(formatValue([])).toBe("none");
    expect(formatValue(["user_id", "status"])).toBe("(user_id, status)");
    expect(formatValue(false)).toBe("false");
    expect(formatValue({ type: "check" })).toBe("type check");
  });
});

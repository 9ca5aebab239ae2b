import { describe, expect, it } from "vitest";
import { longestIncreasingSubsequence, movedColumns } from "../../shared/diff/position.ts";

describe("longestIncreasingSubsequence", () => {
  it("keeps everything in an increasing sequence", () => {
    expect(longestIncreasingSubsequence([1, 3, 4, 9])).toEqual([0, 1, 2, 3]);
  });

  it("finds the longest increasing run in a shuffled sequence", () => {
    const values = [5, 1, 2, 3, 4];

    const kept = longestIncreasingSubsequence(values);

    expect(kept.map((i) => values[i])).toEqual([1, 2, 3, 4]);
  });

  it("returns nothing for an empty sequence", () => {
    expect(longestIncreasingSubsequence([])).toEqual([]);
  });
});

describe("movedColumns", () => {
  it("ignores gaps in the environment's positions", () => {
    const columns = [
      { name: "a", expected: 1, actual: 1 },
      { name: "b", expected: 2, actual: 3 },
      { name: "c", expected: 3, actual: 5 },
    ];

    expect(movedColumns(columns)).toEqual([]);
  });

  it("returns the column that left its place", () => {
    const columns = [
      { name: "a", expected: 1, actual: 2 },
      { name: "b", expected: 2, actual: 3 },
      { name: "c", expected: 3, actual: 1 },
    ];

    expect(movedColumns(columns).map((c) => c.name)).toEqual(["c"]);
  });
});

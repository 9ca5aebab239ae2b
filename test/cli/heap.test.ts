import { getHeapStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { heapKeeper, keepingHeap } from "../../cli/heap.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";

const MB = 1024 * 1024;

/** A heap whose size the test sets, and a collection that shrinks it to what is "live". */
function fakeHeap(live: number) {
  const state = { used: 0, live, collections: 0 };
  return {
    state,
    options: {
      floorBytes: 100 * MB,
      growth: 1.5,
      heapUsed: () => state.used,
      collect: () => {
        state.collections++;
        state.used = state.live;
      },
    },
  };
}

describe("heapKeeper", () => {
  it("never collects below the floor, however much the heap grew", () => {
    const heap = fakeHeap(10 * MB);
    const keep = heapKeeper(heap.options);
    for (const used of [20, 50, 99]) {
      heap.state.used = used * MB;
      keep();
      keep(true);
    }
    expect(heap.state.collections).toBe(0);
  });

  it("collects past the floor, then only once the heap has grown by the factor again", () => {
    const heap = fakeHeap(120 * MB);
    const keep = heapKeeper(heap.options);
    heap.state.used = 150 * MB;
    keep();
    expect(heap.state.collections).toBe(1);
    expect(heap.state.used).toBe(120 * MB);
    heap.state.used = 170 * MB; // below 1.5 × 120
    keep();
    expect(heap.state.collections).toBe(1);
    heap.state.used = 181 * MB; // past 1.5 × 120
    keep();
    expect(heap.state.collections).toBe(2);
  });

  it("collects when a read is settled whenever the heap is past the floor", () => {
    const heap = fakeHeap(120 * MB);
    const keep = heapKeeper(heap.options);
    heap.state.used = 150 * MB;
    keep();
    heap.state.used = 130 * MB;
    keep();
    expect(heap.state.collections).toBe(1);
    keep(true);
    expect(heap.state.collections).toBe(2);
  });

  it("does nothing when this Node gives no collection", () => {
    const heap = fakeHeap(120 * MB);
    const keep = heapKeeper({ ...heap.options, collect: null });
    heap.state.used = 500 * MB;
    expect(() => {
      keep();
      keep(true);
    }).not.toThrow();
    expect(heap.state.used).toBe(500 * MB);
  });

  it("gets a real collection from this Node by default", () => {
    let garbage: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    expect(garbage.length).toBe(200_000);
    const before = getHeapStatistics().used_heap_size;
    garbage = null;
    heapKeeper({ floorBytes: 0 })(true);
    expect(getHeapStatistics().used_heap_size).toBeLessThan(before - 5 * MB);
  });
});

describe("keepingHeap", () => {
  it("passes each query through and runs the check once its rows are in", async () => {
    const events: string[] = [];
    const client: Queryable = {
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        events.push(`query ${sql} ${JSON.stringify(params ?? null)}`);
        return { rows: [{ sql }] as unknown as R[] };
      },
    };
    const db = keepingHeap(client, () => events.push("keep"));
    const result = await db.query<{ sql: string }>("SELECT $1", [1]);
    expect(result.rows).toEqual([{ sql: "SELECT $1" }]);
    await db.query("COMMIT");
    expect(events).toEqual(["query SELECT $1 [1]", "keep", "query COMMIT null", "keep"]);
  });

  it("passes a failure through without running the check", async () => {
    let kept = 0;
    const failure = new Error("lock timeout");
    const db = keepingHeap({ query: () => Promise.reject(failure) }, () => kept++);
    await expect(db.query("SELECT 1")).rejects.toBe(failure);
    expect(kept).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import type { Queryable } from "../../shared/introspect/queryable.ts";
import { catalogQuery, QueuedReads } from "../../shared/introspect/session.ts";

/** A connection that answers after a tick, logging what it is sent and how many are in flight. */
function fakeConnection(log: string[], failOn?: string) {
  let inFlight = 0;
  let maxInFlight = 0;
  const connection: Queryable = {
    query: async <R>(sql: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`send ${sql}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (sql === failOn) throw Object.assign(new Error(`${sql} broke`), { code: "XX000" });
      return { rows: [{ sql }] as R[] };
    },
  };
  return { connection, maxInFlight: () => maxInFlight };
}

describe("QueuedReads", () => {
  it("sends queries one at a time, in the order asked, the next before the last one's rows are mapped", async () => {
    const log: string[] = [];
    const { connection, maxInFlight } = fakeConnection(log);
    const reads = new QueuedReads(connection);
    const read = (name: string) =>
      reads.start(
        (async () => {
          const rows = await catalogQuery<{ sql: string }>(reads.db, name, name, []);
          log.push(`map ${rows[0]?.sql}`);
        })(),
      );
    await reads.settle(async () => {
      await Promise.all([read("a"), read("b"), read("c")]);
    });
    expect(maxInFlight()).toBe(1);
    // "b" is already on its way when "a"'s rows are mapped: the server is never left idle.
    expect(log).toEqual(["send a", "send b", "map a", "send c", "map b", "map c"]);
  });

  it("sends nothing after a failure and throws the first failure, not what followed from it", async () => {
    const log: string[] = [];
    const { connection } = fakeConnection(log, "b");
    const reads = new QueuedReads(connection);
    const a = reads.start(catalogQuery(reads.db, "step a", "a", []));
    const b = reads.start(catalogQuery(reads.db, "step b", "b", []));
    const c = reads.start(catalogQuery(reads.db, "step c", "c", []));
    const error = await reads
      .settle(async () => {
        await a;
        await c; // awaited before b: its failure is only a consequence of b's
        await b;
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe("reading step b failed: XX000: b broke");
    expect(log).toEqual(["send a", "send b"]);
  });
});

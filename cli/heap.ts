import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Queryable } from "../shared/introspect/queryable.ts";

/**
 * Keeps a large catalog read's memory near what the read holds. Between two full collections
 * V8 lets its heap grow to about four times what survived the last one; reading a 50,000-table
 * database, whose snapshot objects are about 300 MB, that is a heap of 700 MB and more, most
 * of it rows already mapped. Collecting when the heap has grown half again past what the last
 * collection kept (and past a floor that small databases never reach, so they never pay for
 * it) bounds it to about 1.5 times what is held, for a few collections of a second each.
 */
export interface HeapKeeperOptions {
  /** Heap size below which nothing is collected (bytes). */
  readonly floorBytes?: number;
  /** Growth past the last collection's result that triggers one. */
  readonly growth?: number;
  /** Bytes in use on the heap now. */
  readonly heapUsed?: () => number;
  /** A full collection; null when this Node cannot be asked for one. */
  readonly collect?: (() => void) | null;
}

export const HEAP_FLOOR_BYTES = 256 * 1024 * 1024;
const HEAP_GROWTH = 1.5;

let exposedCollector: (() => void) | null | undefined;

/** V8's full collection, exposed once for this process; null if this Node refuses it. */
function fullCollection(): (() => void) | null {
  if (exposedCollector === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const collect: unknown = runInNewContext("gc");
      exposedCollector = typeof collect === "function" ? (collect as () => void) : null;
    } catch {
      exposedCollector = null;
    }
  }
  return exposedCollector;
}

/**
 * A check to run at points where much of what was read is garbage: collects when it pays.
 * Called with `settled` true once a read is over (what it held meanwhile, such as rows and
 * maps for joining them, is garbage then), it collects whenever the heap is past the floor.
 */
export function heapKeeper(options: HeapKeeperOptions = {}): (settled?: boolean) => void {
  const floor = options.floorBytes ?? HEAP_FLOOR_BYTES;
  const growth = options.growth ?? HEAP_GROWTH;
  const heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  let kept = 0;
  return (settled = false) => {
    const used = heapUsed();
    if (used < floor || (!settled && used < kept * growth)) return;
    const collect = options.collect === undefined ? fullCollection() : options.collect;
    if (collect === null) return;
    collect();
    kept = heapUsed();
  };
}

/** The connection, with `keep` run each time a query's rows are in (before they are mapped). */
export function keepingHeap(client: Queryable, keep: (settled?: boolean) => void): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const result = await client.query<R>(sql, params);
      keep();
      return result;
    },
  };
}

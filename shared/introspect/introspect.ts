import type { SnapshotObjects } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

export interface IntrospectOptions {
  /** Schemas to read; absent or empty means every non-system schema. */
  readonly schemas?: readonly string[];
  /** How long one catalog read may wait for a lock (ms). Default 5,000. */
  readonly lockTimeoutMs?: number;
  /** How long one catalog query may run (ms). Default 120,000. */
  readonly statementTimeoutMs?: number;
}

export interface IntrospectResult {
  readonly objects: SnapshotObjects;
  /** `17.6` */
  readonly serverVersion: string;
  /** `170006` */
  readonly serverVersionNum: number;
  readonly database: string;
}

/**
 * Reads the catalog of the database behind `db` in one read-only, repeatable-read
 * transaction. `db` must be a single connection (a `pg.Client`), not a pool.
 */
export async function introspect(_db: Queryable, _options: IntrospectOptions = {}): Promise<IntrospectResult> {
  throw new Error("not implemented yet");
}

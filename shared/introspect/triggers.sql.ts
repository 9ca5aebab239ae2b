import type { TriggerObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

// STUB: to be implemented (issue 4).
export async function readTriggers(
  _db: Queryable,
  _schemas: readonly string[] | null,
  _serverVersionNum: number,
  /** Table, view and materialized view OID → identity. */
  _relations: ReadonlyMap<string, string>,
): Promise<Record<string, TriggerObject>> {
  return {};
}

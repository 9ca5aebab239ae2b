import type { PolicyObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

// STUB: to be implemented (issue 4).
export async function readPolicies(
  _db: Queryable,
  _schemas: readonly string[] | null,
  /** Table OID → identity. */
  _tables: ReadonlyMap<string, string>,
): Promise<Record<string, PolicyObject>> {
  return {};
}

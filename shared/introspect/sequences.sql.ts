import type { SequenceObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

// STUB: to be implemented (issue 4).
export async function readSequences(
  _db: Queryable,
  _schemas: readonly string[] | null,
): Promise<Record<string, SequenceObject>> {
  return {};
}

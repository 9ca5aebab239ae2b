import type { TypeObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

// STUB: to be implemented (issue 4).
export async function readTypes(
  _db: Queryable,
  _schemas: readonly string[] | null,
  _serverVersionNum: number,
): Promise<Record<string, TypeObject>> {
  return {};
}

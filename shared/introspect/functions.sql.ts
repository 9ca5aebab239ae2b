import type { FunctionObject } from "../snapshot/model.ts";
import type { Queryable } from "./queryable.ts";

export interface FunctionsRead {
  readonly functions: Record<string, FunctionObject>;
  readonly procedures: Record<string, FunctionObject>;
}

// STUB: to be implemented (issue 4).
export async function readFunctions(
  _db: Queryable,
  _schemas: readonly string[] | null,
  _serverVersionNum: number,
): Promise<FunctionsRead> {
  return { functions: {}, procedures: {} };
}

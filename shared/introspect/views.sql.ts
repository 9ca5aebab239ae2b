import type { ViewObject } from "../snapshot/model.ts";
import type { ColumnNames } from "./lookups.sql.ts";
import type { Queryable } from "./queryable.ts";

export interface ViewsRead {
  readonly views: Record<string, ViewObject>;
  readonly materializedViews: Record<string, ViewObject>;
  /** View and materialized view OID → identity (triggers and indexes name them). */
  readonly identities: ReadonlyMap<string, string>;
  /** Column names of materialized views, for their indexes' keys. */
  readonly names: ColumnNames;
}

// STUB: to be implemented (issue 4).
export async function readViews(
  _db: Queryable,
  _schemas: readonly string[] | null,
): Promise<ViewsRead> {
  return { views: {}, materializedViews: {}, identities: new Map(), names: new Map() };
}

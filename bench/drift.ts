/** A second snapshot with a few drifts, for timing the diff. */
import type { ColumnObject, SnapshotObjects } from "../shared/snapshot/model.ts";

/**
 * A copy of `objects` (a deep one, as a second snapshot read from its own file would be) with a
 * handful of drifts: a changed column type, a column made nullable, a dropped index, an added
 * column.
 */
export function drifted(objects: SnapshotObjects): { actual: SnapshotObjects; drifts: string[] } {
  const copy = structuredClone(objects) as {
    -readonly [K in keyof SnapshotObjects]: Record<string, SnapshotObjects[K][string]>;
  };
  const drifts: string[] = [];
  const tables = Object.keys(copy.table).sort();
  const pick = (fraction: number) => tables[Math.floor(tables.length * fraction)];
  const typeTable = pick(0.5);
  const typeColumn = typeTable && copy.column[`${typeTable}.quantity`];
  if (typeTable && typeColumn) {
    copy.column[`${typeTable}.quantity`] = { ...typeColumn, type: "text" };
    drifts.push(`type of ${typeTable}.quantity`);
  }
  const nullTable = pick(0.25);
  const nullColumn = nullTable && copy.column[`${nullTable}.code`];
  if (nullTable && nullColumn) {
    copy.column[`${nullTable}.code`] = { ...nullColumn, nullable: true };
    drifts.push(`${nullTable}.code nullable`);
  }
  const indexes = Object.keys(copy.index).sort();
  const dropped = indexes[Math.floor(indexes.length * 0.75)];
  if (dropped) {
    delete copy.index[dropped];
    drifts.push(`index ${dropped} dropped`);
  }
  const addTable = pick(0.9);
  if (addTable) {
    const positions = Object.values(copy.column).filter((c) => c.table === addTable).length;
    const added: ColumnObject = {
      table: addTable,
      name: "hotfix_flag",
      type: "boolean",
      nullable: true,
      default: null,
      identity: null,
      generated: null,
      collation: null,
      position: positions + 1,
      comment: null,
      privileges: [],
    };
    copy.column[`${addTable}.hotfix_flag`] = added;
    drifts.push(`column ${addTable}.hotfix_flag added`);
  }
  return { actual: copy, drifts };
}

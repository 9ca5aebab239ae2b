import type { ColumnObject } from "../../snapshot/model.ts";
import type { AttributeDiff } from "../compare.ts";

/**
 * A column's nullability as the diff sees it: `true`, `false`, or on PostgreSQL 18+ a NOT NULL
 * added NOT VALID and not validated since (`not valid: <constraint>` in the snapshot).
 */

const NOT_VALID = "not valid: ";

/** The constraint of a NOT NULL added NOT VALID and not validated (PostgreSQL 18+), else null. */
export function notValidConstraint(nullable: ColumnObject["nullable"]): string | null {
  return typeof nullable === "string" ? nullable.slice(NOT_VALID.length) : null;
}

/**
 * Nullability as it is compared: `true`, `false` or `not valid`. The NOT VALID constraint's
 * name is left out, as NOT NULL constraint names are on every major: it only words remediations.
 */
export function nullability(nullable: ColumnObject["nullable"]): boolean | "not valid" {
  return typeof nullable === "string" ? "not valid" : nullable;
}

/** `ALTER TABLE t ADD CONSTRAINT n NOT NULL c NOT VALID;` for a column whose NOT NULL is NOT VALID, else "". */
export function addNotValid(name: string, column: ColumnObject): string {
  const constraint = notValidConstraint(column.nullable);
  return constraint === null
    ? ""
    : `ALTER TABLE ${column.table} ADD CONSTRAINT ${constraint} NOT NULL ${name} NOT VALID;`;
}

export function nullableMessage(
  identity: string,
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
): string {
  const spell = (nullable: unknown) =>
    nullable === "not valid" ? "NOT NULL NOT VALID" : nullable ? "nullable" : "NOT NULL";
  const text = `column ${identity} is ${spell(diff.actual)}, expected ${spell(diff.expected)}`;
  const envConstraint = notValidConstraint(env.nullable);
  if (envConstraint !== null) {
    return `${text}: its NOT NULL constraint ${envConstraint} was added NOT VALID and not validated, so existing rows may hold NULL`;
  }
  const baseConstraint = notValidConstraint(base.nullable);
  if (baseConstraint !== null) {
    return `${text}: the migrations add NOT NULL constraint ${baseConstraint} NOT VALID and do not validate it`;
  }
  return text;
}

export function nullableRemediation(
  alter: string,
  name: string,
  base: ColumnObject,
  env: ColumnObject,
): string {
  const expected = nullability(base.nullable);
  const actual = nullability(env.nullable);
  if (expected === true) return `${alter} DROP NOT NULL;`;
  if (expected === "not valid") {
    if (actual === true) return addNotValid(name, base);
    return `Nothing to repair: every row is checked. To match, validate it in a migration too: ALTER TABLE ${base.table} VALIDATE CONSTRAINT ${notValidConstraint(base.nullable)};`;
  }
  const constraint = notValidConstraint(env.nullable);
  if (constraint !== null) {
    return `ALTER TABLE ${env.table} VALIDATE CONSTRAINT ${constraint}; (fails while rows hold NULL: fix those rows first)`;
  }
  return `${alter} SET NOT NULL; (fails while rows hold NULL: fix those rows first)`;
}

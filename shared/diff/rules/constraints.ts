import type { ConstraintObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { lastPart } from "../identity.ts";
import { pairRenames, renameFindings } from "../renames.ts";
import { commentStatement } from "../sql.ts";

const SPEC = {
  vocabulary: [
    "on_delete",
    "on_update",
    "deferrable",
    "validated",
    "columns",
    "references",
    "definition",
    "comment",
  ],
  skip: ["table", "name"],
};

const TYPE_LABEL: Record<ConstraintObject["type"], string> = {
  primary_key: "primary key",
  unique: "unique",
  foreign_key: "foreign key",
  check: "check",
  exclusion: "exclusion",
};

const NOT_ENFORCED = "NOT ENFORCED";

/** False for a NOT ENFORCED constraint (PostgreSQL 18): its definition ends with it. */
export function isEnforced(c: ConstraintObject): boolean {
  return !(c.definition ?? "").endsWith(NOT_ENFORCED);
}

function deferrableClause(c: ConstraintObject): string {
  return c.deferrable === "NOT DEFERRABLE" ? "" : ` ${c.deferrable}`;
}

/** The last element of a key list marked as a period: `a, PERIOD p` / `a, p WITHOUT OVERLAPS`. */
function withPeriod(columns: readonly string[], mark: (last: string) => string): string {
  return columns.map((col, i) => (i === columns.length - 1 ? mark(col) : col)).join(", ");
}

/**
 * The definition of a primary key or unique constraint, as the reader writes it: `WITHOUT
 * OVERLAPS`, `NULLS NOT DISTINCT`, `INCLUDE (…)`, `WITH (…)`, `TABLESPACE t`, each optional,
 * in this order.
 */
const KEY_DEFINITION =
  /^(WITHOUT OVERLAPS ?)?(NULLS NOT DISTINCT ?)?(?:INCLUDE \(((?:[^()"]|"[^"]*")*)\) ?)?(WITH \([^()]*\) ?)?(?:TABLESPACE (\S+))?$/;

function keyClause(c: ConstraintObject, keyword: string): string | null {
  const parsed = KEY_DEFINITION.exec(c.definition ?? "");
  if (parsed === null) return null;
  const [, period, nullsNotDistinct, include, storage, tablespace] = parsed;
  const cols = period
    ? withPeriod(c.columns, (col) => `${col} WITHOUT OVERLAPS`)
    : c.columns.join(", ");
  return [
    `${keyword}${nullsNotDistinct ? " NULLS NOT DISTINCT" : ""} (${cols})`,
    include === undefined ? "" : ` INCLUDE (${include})`,
    storage ? ` ${storage.trim()}` : "",
    tablespace ? ` USING INDEX TABLESPACE ${tablespace}` : "",
    deferrableClause(c),
  ].join("");
}

/**
 * The constraint as `ADD CONSTRAINT … <this>` takes it, from the structured fields; null
 * when they do not say everything.
 */
export function constraintClause(c: ConstraintObject): string | null {
  const notValid = c.validated ? "" : " NOT VALID";
  switch (c.type) {
    case "primary_key":
      return keyClause(c, "PRIMARY KEY");
    case "unique":
      return keyClause(c, "UNIQUE");
    case "foreign_key": {
      // The definition of a foreign key says PERIOD and NOT ENFORCED (PostgreSQL 18), if any.
      const parsed = /^(PERIOD ?)?(NOT ENFORCED)?$/.exec(c.definition ?? "");
      if (c.references === null || parsed === null) return null;
      const [, period, notEnforced] = parsed;
      const ref = c.references;
      const mark = (col: string) => `PERIOD ${col}`;
      const cols = period ? withPeriod(c.columns, mark) : c.columns.join(", ");
      const refCols = period ? withPeriod(ref.columns, mark) : ref.columns.join(", ");
      // A NOT ENFORCED constraint is never validated: NOT VALID would say nothing more.
      const enforcement = notEnforced ? ` ${NOT_ENFORCED}` : notValid;
      const match = ref.match === "SIMPLE" ? "" : ` MATCH ${ref.match}`;
      const onDelete =
        c.on_delete && c.on_delete !== "NO ACTION" ? ` ON DELETE ${c.on_delete}` : "";
      const onUpdate =
        c.on_update && c.on_update !== "NO ACTION" ? ` ON UPDATE ${c.on_update}` : "";
      return `FOREIGN KEY (${cols}) REFERENCES ${ref.table} (${refCols})${match}${onDelete}${onUpdate}${deferrableClause(c)}${enforcement}`;
    }
    case "check":
      if (c.definition === null || !/^CHECK\b/.test(c.definition)) return null;
      // A NOT ENFORCED constraint is never validated: NOT VALID would say nothing more.
      return /NOT VALID$|NOT ENFORCED$/.test(c.definition)
        ? c.definition
        : `${c.definition}${notValid}`;
    case "exclusion":
      // The exclusion definition is deparsed whole, deferrability included.
      return c.definition !== null && /^EXCLUDE\b/.test(c.definition) ? c.definition : null;
  }
}

/** The definitions are the same but for a trailing NOT ENFORCED. */
function sameExceptEnforcement(a: ConstraintObject, b: ConstraintObject): boolean {
  const strip = (d: string | null) => {
    const rest = (d ?? "").replace(/ ?NOT ENFORCED$/, "");
    return rest === "" ? null : rest;
  };
  return strip(a.definition) === strip(b.definition);
}

function recreate(identity: string, base: ConstraintObject): string {
  const name = lastPart(identity);
  const clause = constraintClause(base);
  if (clause === null)
    return `Re-create constraint ${name} as the migration defines it (drop it, then add it again).`;
  return `ALTER TABLE ${base.table} DROP CONSTRAINT ${name}, ADD CONSTRAINT ${name} ${clause};`;
}

/**
 * The attributes that differ. PostgreSQL never validates a NOT ENFORCED constraint, so when
 * enforcement differs, `validated` differs with it: that is the one `definition` finding,
 * not a second one (VALIDATE CONSTRAINT fails on a NOT ENFORCED constraint).
 */
function compare(base: ConstraintObject, env: ConstraintObject): AttributeDiff[] {
  const diffs = diffAttributes(base, env, SPEC);
  if (isEnforced(base) === isEnforced(env)) return diffs;
  return diffs.filter((diff) => diff.attribute !== "validated");
}

function remediation(
  identity: string,
  diff: AttributeDiff,
  base: ConstraintObject,
  env: ConstraintObject,
): string {
  const name = lastPart(identity);
  if (diff.attribute === "comment") {
    return commentStatement(`CONSTRAINT ${name} ON ${base.table}`, diff.expected);
  }
  if (diff.attribute === "definition" && isEnforced(base) !== isEnforced(env)) {
    const verb = isEnforced(base) ? "ENFORCED" : NOT_ENFORCED;
    const check = isEnforced(base) ? " (checks every row: fails while rows violate it)" : "";
    // ALTER CONSTRAINT … [NOT] ENFORCED takes foreign keys only; a check is re-created.
    if (base.type === "foreign_key" && sameExceptEnforcement(base, env)) {
      return `ALTER TABLE ${base.table} ALTER CONSTRAINT ${name} ${verb};${check}`;
    }
    return `${recreate(identity, base)}${check}`;
  }
  if (diff.attribute === "validated" && diff.expected === true) {
    return `ALTER TABLE ${base.table} VALIDATE CONSTRAINT ${lastPart(identity)}; (fails while rows violate it: fix them first)`;
  }
  return recreate(identity, base);
}

export function constraintRule(ctx: RuleContext): DraftFinding[] {
  const presence = ctx.presence("constraint");
  const { pairs, missing, unexpected } = pairRenames(presence.missing, presence.unexpected);
  const findings: DraftFinding[] = [];
  for (const [identity, c] of missing) {
    const clause = constraintClause(c);
    findings.push({
      kind: "constraint",
      object: identity,
      change: "missing",
      table: c.table,
      expected: c,
      actual: null,
      message: `constraint ${identity} (${TYPE_LABEL[c.type]}) is missing`,
      remediation:
        clause === null
          ? "Apply the migration that adds it."
          : `Apply the migration that adds it: ALTER TABLE ${c.table} ADD CONSTRAINT ${lastPart(identity)} ${clause}; (fails while rows violate it)`,
    });
  }
  for (const [identity, c] of unexpected) {
    findings.push({
      kind: "constraint",
      object: identity,
      change: "unexpected",
      table: c.table,
      expected: null,
      actual: c,
      message: `constraint ${identity} (${TYPE_LABEL[c.type]}) exists but no migration creates it`,
      remediation: `Find out why it was added; add it to a migration if it belongs, otherwise: ALTER TABLE ${c.table} DROP CONSTRAINT ${lastPart(identity)};`,
    });
  }
  findings.push(
    ...renameFindings(
      "constraint",
      pairs,
      (identity, actualIdentity, c) =>
        `ALTER TABLE ${c.table} RENAME CONSTRAINT ${lastPart(actualIdentity)} TO ${lastPart(identity)};`,
    ),
  );
  findings.push(
    ...changedFindings("constraint", presence.both, compare, (identity, diff, base, env) => ({
      message: changedMessage("constraint", identity, diff),
      remediation: remediation(identity, diff, base, env),
    })),
  );
  return findings;
}

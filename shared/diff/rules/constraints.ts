import type { ConstraintObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { lastPart } from "../identity.ts";
import { pairRenames, renameFindings } from "../renames.ts";

const SPEC = {
  vocabulary: [
    "on_delete",
    "on_update",
    "deferrable",
    "validated",
    "columns",
    "references",
    "definition",
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

function deferrableClause(c: ConstraintObject): string {
  return c.deferrable === "NOT DEFERRABLE" ? "" : ` ${c.deferrable}`;
}

/**
 * The constraint as `ADD CONSTRAINT … <this>` takes it, from the structured fields; null
 * when they do not say everything (e.g. a unique constraint with index options).
 */
export function constraintClause(c: ConstraintObject): string | null {
  const cols = c.columns.join(", ");
  const notValid = c.validated ? "" : " NOT VALID";
  switch (c.type) {
    case "primary_key":
      return c.definition === null ? `PRIMARY KEY (${cols})${deferrableClause(c)}` : null;
    case "unique":
      return c.definition === null ? `UNIQUE (${cols})${deferrableClause(c)}` : null;
    case "foreign_key": {
      if (c.definition !== null || c.references === null) return null;
      const ref = c.references;
      const match = ref.match === "SIMPLE" ? "" : ` MATCH ${ref.match}`;
      const onDelete =
        c.on_delete && c.on_delete !== "NO ACTION" ? ` ON DELETE ${c.on_delete}` : "";
      const onUpdate =
        c.on_update && c.on_update !== "NO ACTION" ? ` ON UPDATE ${c.on_update}` : "";
      return `FOREIGN KEY (${cols}) REFERENCES ${ref.table} (${ref.columns.join(", ")})${match}${onDelete}${onUpdate}${deferrableClause(c)}${notValid}`;
    }
    case "check":
      if (c.definition === null || !/^CHECK\b/.test(c.definition)) return null;
      return /NOT VALID$/.test(c.definition) ? c.definition : `${c.definition}${notValid}`;
    case "exclusion":
      // The exclusion definition is deparsed whole, deferrability included.
      return c.definition !== null && /^EXCLUDE\b/.test(c.definition) ? c.definition : null;
  }
}

function recreate(identity: string, base: ConstraintObject): string {
  const name = lastPart(identity);
  const clause = constraintClause(base);
  if (clause === null)
    return `Re-create constraint ${name} as the migration defines it (drop it, then add it again).`;
  return `ALTER TABLE ${base.table} DROP CONSTRAINT ${name}, ADD CONSTRAINT ${name} ${clause};`;
}

function remediation(identity: string, diff: AttributeDiff, base: ConstraintObject): string {
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
    ...changedFindings(
      "constraint",
      presence.both,
      (base, env) => diffAttributes(base, env, SPEC),
      (identity, diff, base) => ({
        message: changedMessage("constraint", identity, diff),
        remediation: remediation(identity, diff, base),
      }),
    ),
  );
  return findings;
}

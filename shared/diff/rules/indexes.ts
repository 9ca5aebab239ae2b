import type { IndexObject, SnapshotObjects } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { lastPart } from "../identity.ts";
import { pairRenames, renameFindings } from "../renames.ts";
import { commentStatement } from "../sql.ts";

const SPEC = {
  vocabulary: [
    "columns",
    "predicate",
    "method",
    "unique",
    "include",
    "valid",
    "definition",
    "comment",
  ],
  skip: ["name"],
};

/**
 * `CREATE UNIQUE INDEX CONCURRENTLY … ON … USING btree (…) INCLUDE (…) NULLS NOT DISTINCT
 * WITH (…) TABLESPACE … WHERE …;` — `definition` holds the storage clauses as written here.
 */
export function createIndexStatement(identity: string, index: IndexObject): string {
  const parts = [
    `CREATE ${index.unique === false ? "" : "UNIQUE "}INDEX CONCURRENTLY ${lastPart(identity)}`,
    `ON ${index.table} USING ${index.method} (${index.columns.join(", ")})`,
  ];
  if (index.include.length > 0) parts.push(`INCLUDE (${index.include.join(", ")})`);
  if (index.unique === "nulls not distinct") parts.push("NULLS NOT DISTINCT");
  if (index.definition !== null) parts.push(index.definition);
  if (index.predicate !== null) parts.push(`WHERE ${index.predicate}`);
  return `${parts.join(" ")};`;
}

/** The constraint an index implements (a primary key, unique or exclusion constraint of the same name), if any. */
function backingConstraint(
  objects: SnapshotObjects,
  identity: string,
  index: IndexObject,
): string | null {
  const constraint = `${index.table}.${lastPart(identity)}`;
  return Object.hasOwn(objects.constraint, constraint) ? constraint : null;
}

function message(identity: string, diff: AttributeDiff): string {
  if (diff.attribute === "valid") {
    return diff.actual === false
      ? `index ${identity} is invalid (a CREATE INDEX CONCURRENTLY failed or is still running): queries do not use it`
      : `index ${identity} is valid, expected invalid`;
  }
  return changedMessage("index", identity, diff);
}

function remediation(
  ctx: RuleContext,
  identity: string,
  diff: AttributeDiff,
  base: IndexObject,
): string {
  if (diff.attribute === "comment") return commentStatement(`INDEX ${identity}`, diff.expected);
  const constraint = backingConstraint(ctx.baseline, identity, base);
  if (constraint !== null)
    return `Re-create constraint ${constraint} as the migration defines it; its index follows.`;
  if (diff.attribute === "valid" && diff.expected === true)
    return `REINDEX INDEX CONCURRENTLY ${identity};`;
  return `DROP INDEX CONCURRENTLY ${identity}; ${createIndexStatement(identity, base)}`;
}

export function indexRule(ctx: RuleContext): DraftFinding[] {
  const presence = ctx.presence("index");
  const { pairs, missing, unexpected } = pairRenames(presence.missing, presence.unexpected);
  const findings: DraftFinding[] = [];
  for (const [identity, index] of missing) {
    const constraint = backingConstraint(ctx.baseline, identity, index);
    findings.push({
      kind: "index",
      object: identity,
      change: "missing",
      table: index.table,
      expected: index,
      actual: null,
      message: `index ${identity} on ${index.table} is missing`,
      remediation:
        constraint === null
          ? `Apply the migration that creates it: ${createIndexStatement(identity, index)}`
          : `It implements constraint ${constraint}: apply the migration that adds the constraint.`,
    });
  }
  for (const [identity, index] of unexpected) {
    const unique = index.unique !== false;
    findings.push({
      kind: "index",
      object: identity,
      change: "unexpected",
      table: index.table,
      expected: null,
      actual: index,
      message: unique
        ? `unique index ${identity} on ${index.table} exists but no migration creates it: it rejects rows the migrations allow`
        : `index ${identity} exists but no migration creates it`,
      remediation: `DROP INDEX CONCURRENTLY ${identity}; — or add it to a migration if a query needs it (pg_stat_user_indexes.idx_scan shows whether it is used)`,
    });
  }
  findings.push(
    ...renameFindings(
      "index",
      pairs,
      (identity, actualIdentity) =>
        `ALTER INDEX ${actualIdentity} RENAME TO ${lastPart(identity)};`,
    ),
  );
  findings.push(
    ...changedFindings(
      "index",
      presence.both,
      (base, env) => diffAttributes(base, env, SPEC),
      (identity, diff, base) => ({
        message: message(identity, diff),
        remediation: remediation(ctx, identity, diff, base),
      }),
    ),
  );
  return findings;
}

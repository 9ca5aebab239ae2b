import type { ColumnObject, TableObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { lastPart } from "../identity.ts";
import { movedColumns, type PlacedColumn } from "../position.ts";
import { pairRenames, renameFindings } from "../renames.ts";
import { breaksInserts } from "../severity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";
import {
  addNotValid,
  nullability,
  nullableMessage,
  nullableRemediation,
} from "./column-nullability.ts";
import {
  createOwnedSequences,
  optionChanges,
  ownOwnedSequences,
  sequenceMessage,
  sequencePrivilegesMessage,
  sequencePrivilegesRemediation,
  sequenceRemediation,
  withSequenceTypes,
} from "./column-sequences.ts";

const SPEC = {
  vocabulary: [
    "type",
    "nullable",
    "default",
    "identity",
    "generated",
    "collation",
    "comment",
    "privileges",
    "sequence",
    "sequence_privileges",
  ],
  skip: ["table", "name", "position"],
  sets: ["privileges", "sequence_privileges"],
};

/** The fields a snapshot written before they existed lacks (ColumnObject). */
const LATER_FIELDS = ["sequence", "sequence_privileges"] as const;

function comparable(column: ColumnObject): object {
  return typeof column.nullable === "string"
    ? { ...column, nullable: nullability(column.nullable) }
    : column;
}

/**
 * Nearly every pair: both snapshots current, the same sequence (or none), the same type. Such
 * a pair is compared as it is (no allocation here: this runs for every column of a snapshot).
 */
function isPlainPair(base: ColumnObject, env: ColumnObject): boolean {
  return (
    base.sequence === env.sequence &&
    base.type === env.type &&
    base.sequence !== undefined &&
    env.sequence !== undefined &&
    base.sequence_privileges !== undefined &&
    env.sequence_privileges !== undefined
  );
}

/**
 * Both columns as compared. A field one side lacks (its snapshot was written before the field
 * existed) says nothing about that side, so it is compared on neither: an older baseline does
 * not report every serial column's sequence until it is rebuilt. Privileges on the column's
 * sequence are compared only when both sides own one: otherwise the `sequence` finding says so,
 * and another listing the owner's defaults as missing or extra would add nothing. `sequence`
 * leaves AS out where a sequence has its column's type, so where the columns' types differ it
 * is compared with every sequence's type spelled out (withSequenceTypes).
 */
function comparablePair(base: ColumnObject, env: ColumnObject): [object, object] {
  if (isPlainPair(base, env)) return [comparable(base), comparable(env)];
  const skipped: string[] = LATER_FIELDS.filter(
    (field) => base[field] === undefined || env[field] === undefined,
  );
  if (!base.sequence || !env.sequence) skipped.push("sequence_privileges");
  let typed = false;
  if (!skipped.includes("sequence") && (base.sequence !== env.sequence || base.type !== env.type)) {
    if (withSequenceTypes(base) !== withSequenceTypes(env)) typed = base.type !== env.type;
    else if (base.sequence !== env.sequence) skipped.push("sequence");
  }
  if (skipped.length === 0 && !typed) return [comparable(base), comparable(env)];
  const known = (column: ColumnObject) => {
    const copy: Record<string, unknown> = { ...comparable(column) };
    for (const field of skipped) delete copy[field];
    if (typed) copy.sequence = withSequenceTypes(column);
    return copy;
  };
  return [known(base), known(env)];
}

/**
 * The column's definition as `ADD COLUMN` takes it: `status character varying(50) DEFAULT 'pending'::… NOT NULL`.
 * A NOT VALID NOT NULL cannot be written inline: see addNotValid.
 */
export function columnDefinition(name: string, column: ColumnObject): string {
  const parts = [name, column.type];
  if (column.collation !== null) parts.push(`COLLATE ${column.collation}`);
  if (column.generated !== null) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  else if (column.identity !== null) {
    const { kind, options } = splitIdentity(column.identity);
    parts.push(`GENERATED ${kind.toUpperCase()} AS IDENTITY${options ? ` (${options})` : ""}`);
  } else if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.nullable === false) parts.push("NOT NULL");
  return parts.join(" ");
}

function message(
  identity: string,
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
): string {
  if (diff.attribute === "nullable") return nullableMessage(identity, diff, base, env);
  if (diff.attribute === "sequence") return sequenceMessage(identity, diff, base, env);
  if (diff.attribute === "sequence_privileges") {
    return sequencePrivilegesMessage(identity, diff, env);
  }
  return changedMessage("column", identity, diff);
}

/** `by default (START WITH 1000 INCREMENT BY 10)` → its kind and its sequence's options. */
export function splitIdentity(identity: string): { kind: string; options: string } {
  const open = identity.indexOf(" (");
  return open < 0
    ? { kind: identity, options: "" }
    : { kind: identity.slice(0, open), options: identity.slice(open + 2, -1) };
}

/**
 * An identity column whose generation is the same on both sides and only its sequence's
 * options differ: sequence parameters, medium by policy (evidence `sequenceOptions`).
 */
function markSequenceOptions(finding: DraftFinding): DraftFinding {
  if (finding.attribute !== "identity" || finding.expected === null || finding.actual === null)
    return finding;
  const same =
    splitIdentity(String(finding.expected)).kind === splitIdentity(String(finding.actual)).kind;
  return same ? { ...finding, evidence: { sequenceOptions: true } } : finding;
}

function identityRemediation(
  alter: string,
  expected: unknown,
  actual: unknown,
  type: string,
): string {
  if (expected === null) return `${alter} DROP IDENTITY;`;
  const want = splitIdentity(String(expected));
  const generation = want.kind.toUpperCase();
  if (actual === null) {
    const options = want.options ? ` (${want.options})` : "";
    return `${alter} DROP DEFAULT, ADD GENERATED ${generation} AS IDENTITY${options}; (then set the sequence past the highest value)`;
  }
  const have = splitIdentity(String(actual));
  const options = optionChanges(want.options, have.options, type);
  const changes = [
    ...(want.kind === have.kind ? [] : [`SET GENERATED ${generation}`]),
    ...options.clauses.map((option) => `SET ${option}`),
  ];
  return `${alter} ${changes.join(" ")};${options.note}`;
}

function generatedRemediation(
  alter: string,
  name: string,
  base: ColumnObject,
  actual: unknown,
): string {
  if (base.generated === null) return `${alter} DROP EXPRESSION;`;
  if (actual === null) {
    return `A column cannot become generated in place: re-create it as the migration does (${columnDefinition(name, base)}).`;
  }
  return `${alter} SET EXPRESSION AS (${base.generated}); (PostgreSQL 17 and later; before that, re-create the column)`;
}

function remediation(
  table: string,
  name: string,
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
  owner?: string,
): string {
  const alter = `ALTER TABLE ${table} ALTER COLUMN ${name}`;
  switch (diff.attribute) {
    case "type":
      return `${alter} TYPE ${base.type}; (rewrites the table; fails if stored values do not fit, add USING … then)`;
    case "nullable":
      return nullableRemediation(alter, name, base, env);
    case "default":
      return diff.expected === null
        ? `${alter} DROP DEFAULT;`
        : `${alter} SET DEFAULT ${String(diff.expected)};`;
    case "identity":
      return identityRemediation(alter, diff.expected, diff.actual, base.type);
    case "generated":
      return generatedRemediation(alter, name, base, diff.actual);
    case "collation":
      return `${alter} TYPE ${base.type} COLLATE ${base.collation ?? '"default"'};`;
    case "comment":
      return commentStatement(`COLUMN ${table}.${name}`, diff.expected);
    case "privileges":
      return statementsOr(
        privilegeStatements(`TABLE ${table}`, diff.expected, diff.actual, {
          column: name,
          ...(owner ? { owner } : {}),
        }),
        "Grant and revoke the column's privileges as the migrations do.",
      );
    case "sequence":
      return sequenceRemediation(table, name, diff, base, env);
    case "sequence_privileges":
      return sequencePrivilegesRemediation(diff, env, owner);
    default:
      return "Align the column with the migrations.";
  }
}

/**
 * What a rename is judged by (all but the name): privileges as sets, since ACL order is not
 * drift; a snapshot written before the sequence fields existed reads as owning none.
 */
function renameShape(column: ColumnObject): object {
  return {
    ...comparable(column),
    privileges: [...new Set(column.privileges)].sort(),
    sequence: column.sequence ?? null,
    sequence_privileges: [...new Set(column.sequence_privileges ?? [])].sort(),
  };
}

function positionFindings(
  both: ReadonlyArray<readonly [string, ColumnObject, ColumnObject]>,
): DraftFinding[] {
  // Only tables where some position differs can hold a moved column.
  const shifted = new Set<string>();
  for (const [, base, env] of both) if (base.position !== env.position) shifted.add(base.table);
  if (shifted.size === 0) return [];
  const byTable = new Map<string, Array<PlacedColumn & { identity: string }>>();
  for (const [identity, base, env] of both) {
    if (!shifted.has(base.table)) continue;
    const list = byTable.get(base.table) ?? [];
    list.push({ identity, name: base.name, expected: base.position, actual: env.position });
    byTable.set(base.table, list);
  }
  const findings: DraftFinding[] = [];
  for (const [table, columns] of byTable) {
    for (const moved of movedColumns(columns) as Array<PlacedColumn & { identity: string }>) {
      findings.push({
        kind: "column",
        object: moved.identity,
        change: "changed",
        attribute: "position",
        table,
        expected: moved.expected,
        actual: moved.actual,
        message: `column ${moved.identity}: position is ${moved.actual}, expected ${moved.expected} (moved relative to the other columns)`,
        remediation:
          "Column order only changes by rebuilding the table; it matters only to SELECT * and to COPY or INSERT without a column list.",
      });
    }
  }
  return findings;
}

export function columnRule(ctx: RuleContext): DraftFinding[] {
  const presence = ctx.presence("column");
  const { pairs, missing, unexpected } = pairRenames(
    presence.missing,
    presence.unexpected,
    renameShape,
  );
  const tables: Readonly<Record<string, TableObject>> = ctx.actual.table;
  const findings: DraftFinding[] = [];
  for (const [identity, column] of missing) {
    const name = lastPart(identity);
    findings.push({
      kind: "column",
      object: identity,
      change: "missing",
      table: column.table,
      expected: column,
      actual: null,
      message: `column ${identity} is missing`,
      remediation:
        `Apply the migration that adds it: ${createOwnedSequences(column)}ALTER TABLE ${column.table} ADD COLUMN ${columnDefinition(name, column)};` +
        (addNotValid(name, column) === "" ? "" : ` ${addNotValid(name, column)}`) +
        ownOwnedSequences(name, column) +
        // A NOT VALID NOT NULL leaves existing rows unchecked: no backfill needed first.
        (breaksInserts(column) && column.nullable === false
          ? " (on a table with rows, this needs a default or a backfill first)"
          : ""),
    });
  }
  for (const [identity, column] of unexpected) {
    const name = lastPart(identity);
    const blocking = breaksInserts(column);
    findings.push({
      kind: "column",
      object: identity,
      change: "unexpected",
      table: column.table,
      expected: null,
      actual: column,
      message: blocking
        ? `column ${identity} exists but no migration creates it, and it is NOT NULL without a default: inserts that do not name it fail`
        : `column ${identity} exists but no migration creates it`,
      remediation:
        `Add it to a migration if it is used, or drop it once nothing reads it: ALTER TABLE ${column.table} DROP COLUMN ${name};` +
        (blocking
          ? ` Until then, ALTER TABLE ${column.table} ALTER COLUMN ${name} DROP NOT NULL; lets inserts through.`
          : ""),
    });
  }
  findings.push(
    ...renameFindings(
      "column",
      pairs,
      (identity, actualIdentity, column) =>
        `ALTER TABLE ${column.table} RENAME COLUMN ${lastPart(actualIdentity)} TO ${lastPart(identity)};`,
    ),
  );
  findings.push(
    ...changedFindings(
      "column",
      presence.both,
      (base, env) => {
        if (isPlainPair(base, env)) return diffAttributes(comparable(base), comparable(env), SPEC);
        const [expected, actual] = comparablePair(base, env);
        return diffAttributes(expected, actual, SPEC);
      },
      (identity, diff, base, env) => ({
        message: message(identity, diff, base, env),
        remediation: remediation(
          base.table,
          lastPart(identity),
          diff,
          base,
          env,
          tables[env.table]?.owner,
        ),
      }),
    ).map(markSequenceOptions),
  );
  // Renamed columns are left out: they kept their position (a rename requires it), and a
  // name finding says all there is to say about them.
  findings.push(...positionFindings(presence.both));
  return findings;
}

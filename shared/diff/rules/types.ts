import type { TypeObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes, type FieldSpec } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent, quoteLiteral } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: ["labels", "attributes", "definition", "privileges", "comment", "owner"],
    skip: compareOwners ? ["schema", "name"] : ["schema", "name", "owner"],
    sets: ["privileges"],
  };
}

/**
 * Splits text that starts with a name written as quote_ident writes it (`zip …`,
 * `"Zip Code" …`) into the name, as written, and the rest after `separator`.
 */
export function splitLeadingName(text: string, separator: string): [string, string] {
  let end = 0;
  if (text.startsWith('"')) {
    end = 1;
    while (end < text.length) {
      if (text[end] === '"') {
        if (text[end + 1] === '"') end += 2;
        else break;
      } else end += 1;
    }
    end += 1;
  } else {
    const at = text.indexOf(separator);
    end = at < 0 ? text.length : at;
  }
  const rest = text.slice(end);
  return [
    text.slice(0, end),
    rest.startsWith(separator) ? rest.slice(separator.length) : rest.trimStart(),
  ];
}

const ARTICLE: Record<string, string> = {
  enum: "an enum",
  composite: "a composite type",
  range: "a range type",
  base: "a base type",
};

/** CREATE TYPE as the baseline defines it. */
export function createTypeStatement(identity: string, type: TypeObject): string {
  switch (type.type) {
    case "enum":
      return `CREATE TYPE ${identity} AS ENUM (${(type.labels ?? []).map(quoteLiteral).join(", ")});`;
    case "composite":
      return `CREATE TYPE ${identity} AS (${(type.attributes ?? []).join(", ")});`;
    case "range":
      return `CREATE TYPE ${identity} AS RANGE (${type.definition ?? ""});`;
    default:
      return `CREATE TYPE ${identity} (${type.definition ?? ""});`;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Whether the elements both lists hold come in the same order in each. */
function sameCommonOrder(a: readonly string[], b: readonly string[]): boolean {
  const inB = new Set(b);
  const inA = new Set(a);
  const left = a.filter((x) => inB.has(x));
  const right = b.filter((x) => inA.has(x));
  return left.every((x, i) => x === right[i]);
}

const quoted = (labels: readonly string[]) => labels.map(quoteLiteral).join(", ");
const labelWord = (labels: readonly string[]) => (labels.length > 1 ? "labels" : "label");

function labelsMessage(identity: string, expected: string[], actual: string[]): string {
  const missing = expected.filter((l) => !actual.includes(l));
  const extra = actual.filter((l) => !expected.includes(l));
  const parts = [
    ...(missing.length > 0
      ? [`${labelWord(missing)} ${quoted(missing)} ${missing.length > 1 ? "are" : "is"} missing`]
      : []),
    ...(extra.length > 0
      ? [
          `${labelWord(extra)} ${quoted(extra)} ${extra.length > 1 ? "are" : "is"} not in the migrations`,
        ]
      : []),
    ...(sameCommonOrder(expected, actual) ? [] : ["the labels are in another order"]),
  ];
  return `type ${identity}: ${parts.join("; ")} (labels are ${quoted(actual) || "none"}, expected ${quoted(expected) || "none"})`;
}

/** After ADD VALUE statements: a comment, so the remediation still runs as pasted. */
const ADD_VALUE_NOTE =
  "-- commit before anything uses the new label: a label added in a transaction cannot be used in that transaction";

/** ADD VALUE for missing labels (placed next to their baseline neighbours), RENAME VALUE for a renamed one. */
function labelsRemediation(identity: string, expected: string[], actual: string[]): string {
  const missing = expected.filter((l) => !actual.includes(l));
  const extra = actual.filter((l) => !expected.includes(l));
  if (missing.length === 1 && extra.length === 1 && expected.length === actual.length) {
    const [label = ""] = missing;
    const [old = ""] = extra;
    if (expected.indexOf(label) === actual.indexOf(old))
      return `ALTER TYPE ${identity} RENAME VALUE ${quoteLiteral(old)} TO ${quoteLiteral(label)};`;
  }
  if (extra.length > 0 || !sameCommonOrder(expected, actual)) {
    return `A label cannot be removed or moved in place: create the type as the migration does under a new name (CREATE TYPE … AS ENUM (${quoted(expected)})), convert each column that uses it (ALTER TABLE … ALTER COLUMN … TYPE new_type USING column::text::new_type), drop the old type and rename the new one.`;
  }
  const statements = expected.flatMap((label, i) => {
    if (actual.includes(label)) return [];
    const previous = expected[i - 1];
    const next = expected.slice(i + 1).find((l) => actual.includes(l));
    const where =
      previous !== undefined
        ? ` AFTER ${quoteLiteral(previous)}`
        : next !== undefined
          ? ` BEFORE ${quoteLiteral(next)}`
          : "";
    return [`ALTER TYPE ${identity} ADD VALUE ${quoteLiteral(label)}${where};`];
  });
  // Runs in a transaction block since PostgreSQL 12, but the label is unusable until commit:
  // a script that adds a label and then uses it (a default, an UPDATE) fails in one transaction.
  return statements.length > 0
    ? `${statements.join(" ")} ${ADD_VALUE_NOTE}`
    : "Re-create the type as the migration does.";
}

interface Attribute {
  readonly name: string;
  /** Type and collation: `character varying(50) COLLATE "C"`. */
  readonly definition: string;
}

function attributes(value: unknown): Attribute[] {
  return strings(value).map((text) => {
    const [name, definition] = splitLeadingName(text, " ");
    return { name, definition };
  });
}

/** What differs between two attribute lists, by name. */
function attributeChanges(expected: Attribute[], actual: Attribute[]) {
  const have = new Map(actual.map((a) => [a.name, a]));
  const want = new Map(expected.map((a) => [a.name, a]));
  const missing = expected.filter((a) => !have.has(a.name));
  const extra = actual.filter((a) => !want.has(a.name));
  const altered = expected.filter((a) => {
    const other = have.get(a.name);
    return other !== undefined && other.definition !== a.definition;
  });
  // After dropping the extra ones and adding the missing ones at the end, is the order right?
  const after = [
    ...actual.filter((a) => want.has(a.name)).map((a) => a.name),
    ...missing.map((a) => a.name),
  ];
  const ordered = after.every((name, i) => name === expected[i]?.name);
  return { missing, extra, altered, ordered, have };
}

function attributesMessage(identity: string, expectedValue: unknown, actualValue: unknown): string {
  const expected = attributes(expectedValue);
  const actual = attributes(actualValue);
  const { missing, extra, altered, have } = attributeChanges(expected, actual);
  const parts = [
    ...missing.map((a) => `attribute ${a.name} is missing`),
    ...altered.map(
      (a) => `attribute ${a.name} is ${have.get(a.name)?.definition}, expected ${a.definition}`,
    ),
    ...extra.map((a) => `attribute ${a.name} is not in the migrations`),
    ...(sameCommonOrder(
      expected.map((a) => a.name),
      actual.map((a) => a.name),
    )
      ? []
      : ["attributes are in another order"]),
  ];
  return `type ${identity}: ${parts.join("; ")}`;
}

function attributesRemediation(identity: string, expectedValue: unknown, actualValue: unknown) {
  const { missing, extra, altered, ordered } = attributeChanges(
    attributes(expectedValue),
    attributes(actualValue),
  );
  const actions = [
    ...extra.map((a) => `DROP ATTRIBUTE ${a.name}`),
    ...missing.map((a) => `ADD ATTRIBUTE ${a.name} ${a.definition}`),
    ...altered.map((a) => `ALTER ATTRIBUTE ${a.name} TYPE ${a.definition}`),
  ];
  const notes = [
    "add CASCADE when typed tables use the type",
    ...(altered.length > 0
      ? ["an attribute's type cannot change while a table column uses the type: re-create it then"]
      : []),
  ];
  const statement =
    actions.length > 0 ? `ALTER TYPE ${identity} ${actions.join(", ")}; (${notes.join("; ")})` : "";
  const order = ordered
    ? ""
    : "Attributes cannot be reordered in place: re-create the type as the migration does and convert the columns that use it.";
  return [statement, order].filter((s) => s !== "").join(" ");
}

/** Objects of different kinds (an enum against a composite type) differ as one `definition`. */
function compare(base: TypeObject, env: TypeObject, fields: FieldSpec): AttributeDiff[] {
  if (base.type === env.type) return diffAttributes(base, env, fields);
  const shape = (t: TypeObject) => ({
    attributes: t.attributes,
    definition: t.definition,
    labels: t.labels,
    type: t.type,
  });
  return [{ attribute: "definition", expected: shape(base), actual: shape(env) }];
}

function message(identity: string, diff: AttributeDiff, base: TypeObject, env: TypeObject) {
  switch (diff.attribute) {
    case "labels":
      return labelsMessage(identity, strings(diff.expected), strings(diff.actual));
    case "attributes":
      return attributesMessage(identity, diff.expected, diff.actual);
    case "definition":
      if (base.type !== env.type)
        return `type ${identity} is ${ARTICLE[env.type] ?? env.type}, expected ${ARTICLE[base.type] ?? base.type}`;
      return changedMessage("type", identity, diff);
    default:
      return changedMessage("type", identity, diff);
  }
}

function remediation(identity: string, diff: AttributeDiff, base: TypeObject, env: TypeObject) {
  switch (diff.attribute) {
    case "labels":
      return labelsRemediation(identity, strings(diff.expected), strings(diff.actual));
    case "attributes":
      return attributesRemediation(identity, diff.expected, diff.actual);
    case "comment":
      return commentStatement(`TYPE ${identity}`, diff.expected);
    case "owner":
      return `ALTER TYPE ${identity} OWNER TO ${quoteIdent(String(diff.expected))};`;
    case "privileges":
      return statementsOr(
        privilegeStatements(`TYPE ${identity}`, diff.expected, diff.actual, { owner: env.owner }),
        "Grant and revoke privileges on the type as the migrations do.",
      );
    default:
      return `This cannot be altered in place: create the type under a new name as the migration defines it, convert the columns that use it, drop the old type and rename the new one. The migration's type: ${createTypeStatement(identity, base)}`;
  }
}

export function typeRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("type");
  const findings: DraftFinding[] = [];
  for (const [identity, type] of missing) {
    findings.push({
      kind: "type",
      object: identity,
      change: "missing",
      expected: type,
      actual: null,
      message: `type ${identity} (${type.type}) is missing`,
      remediation: `Apply the migration that creates it: ${createTypeStatement(identity, type)}`,
    });
  }
  for (const [identity, type] of unexpected) {
    findings.push({
      kind: "type",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: type,
      message: `type ${identity} (${type.type}) exists but no migration creates it`,
      remediation: `Add it to a migration if it is needed, or drop it: DROP TYPE ${identity}; (refuses while a column or function uses it).`,
    });
  }
  const typeSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      "type",
      both,
      (base, env) => compare(base, env, typeSpec),
      (identity, diff, base, env) => ({
        message: message(identity, diff, base, env),
        remediation: remediation(identity, diff, base, env),
      }),
    ),
  );
  return findings;
}

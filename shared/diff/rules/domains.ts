import type { DomainObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes, type FieldSpec } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";
import { splitLeadingName } from "./types.ts";

/** DESIGN's domain vocabulary is `definition`: base type, default, NOT NULL, collation and constraints group under it. */
function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: ["definition", "privileges", "comment", "owner"],
    skip: compareOwners ? ["schema", "name"] : ["schema", "name", "owner"],
    sets: ["privileges"],
  };
}

/** `CREATE DOMAIN … AS … [COLLATE …] [DEFAULT …] [NOT NULL] [CONSTRAINT … CHECK (…)]…;` */
export function createDomainStatement(identity: string, domain: DomainObject): string {
  const parts = [`CREATE DOMAIN ${identity} AS ${domain.data_type}`];
  if (domain.collation !== null) parts.push(`COLLATE ${domain.collation}`);
  if (domain.default !== null) parts.push(`DEFAULT ${domain.default}`);
  if (!domain.nullable) parts.push("NOT NULL");
  const notValid: string[] = [];
  for (const [name, definition] of constraintMap(domain.constraints)) {
    // NOT VALID is not accepted in CREATE DOMAIN: such constraints are added afterwards.
    if (definition.endsWith(" NOT VALID")) notValid.push(addConstraint(identity, name, definition));
    else parts.push(`CONSTRAINT ${name} ${definition}`);
  }
  return [`${parts.join(" ")};`, ...notValid].join(" ");
}

function addConstraint(identity: string, name: string, definition: string): string {
  return `ALTER DOMAIN ${identity} ADD CONSTRAINT ${name} ${definition};`;
}

/** `name: CHECK (…)` entries → name (as quote_ident writes it) → definition. */
function constraintMap(entries: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of Array.isArray(entries) ? entries : []) {
    const [name, definition] = splitLeadingName(String(entry), ": ");
    map.set(name, definition);
  }
  return map;
}

type Fields = Partial<Record<keyof DomainObject, unknown>>;

/** The fields grouped under `definition` (only the differing ones are present). */
function fields(value: unknown): Fields {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Fields)
    : {};
}

const show = (value: unknown) => (value === null || value === undefined ? "none" : String(value));

function definitionParts(expected: Fields, actual: Fields): string[] {
  const parts: string[] = [];
  if ("data_type" in expected)
    parts.push(`base type is ${show(actual.data_type)}, expected ${show(expected.data_type)}`);
  if ("nullable" in expected)
    parts.push(
      expected.nullable === false
        ? "NOT NULL is missing"
        : "NOT NULL is set but not in the migrations",
    );
  if ("default" in expected)
    parts.push(`default is ${show(actual.default)}, expected ${show(expected.default)}`);
  if ("collation" in expected)
    parts.push(`collation is ${show(actual.collation)}, expected ${show(expected.collation)}`);
  if ("constraints" in expected) {
    const want = constraintMap(expected.constraints);
    const have = constraintMap(actual.constraints);
    for (const [name, definition] of want) {
      const other = have.get(name);
      if (other === undefined) parts.push(`constraint ${name} is missing`);
      else if (other !== definition)
        parts.push(`constraint ${name} is ${other}, expected ${definition}`);
    }
    for (const name of have.keys())
      if (!want.has(name)) parts.push(`constraint ${name} is not in the migrations`);
  }
  return parts;
}

function definitionStatements(identity: string, expected: Fields, actual: Fields): string[] {
  const alter = `ALTER DOMAIN ${identity}`;
  const statements: string[] = [];
  if ("nullable" in expected)
    statements.push(`${alter} ${expected.nullable === false ? "SET" : "DROP"} NOT NULL;`);
  if ("default" in expected) {
    statements.push(
      expected.default === null
        ? `${alter} DROP DEFAULT;`
        : `${alter} SET DEFAULT ${show(expected.default)};`,
    );
  }
  if ("constraints" in expected) {
    const want = constraintMap(expected.constraints);
    const have = constraintMap(actual.constraints);
    for (const [name, definition] of have) {
      const wanted = want.get(name);
      if (wanted === definition) continue;
      // Only the validation differs: validating is enough.
      if (wanted !== undefined && definition === `${wanted} NOT VALID`)
        statements.push(`${alter} VALIDATE CONSTRAINT ${name};`);
      else statements.push(`${alter} DROP CONSTRAINT ${name};`);
    }
    for (const [name, definition] of want) {
      const had = have.get(name);
      if (had !== definition && had !== `${definition} NOT VALID`)
        statements.push(addConstraint(identity, name, definition));
    }
  }
  return statements;
}

function remediation(identity: string, diff: AttributeDiff, base: DomainObject, env: DomainObject) {
  switch (diff.attribute) {
    case "comment":
      return commentStatement(`DOMAIN ${identity}`, diff.expected);
    case "owner":
      return `ALTER DOMAIN ${identity} OWNER TO ${quoteIdent(String(diff.expected))};`;
    case "privileges":
      return statementsOr(
        privilegeStatements(`DOMAIN ${identity}`, diff.expected, diff.actual, {
          owner: env.owner,
        }),
        "Grant and revoke privileges on the domain as the migrations do.",
      );
    default: {
      const expected = fields(diff.expected);
      const actual = fields(diff.actual);
      if ("data_type" in expected || "collation" in expected) {
        return `A domain's base type and collation cannot be altered: create the domain under a new name as the migration defines it, move the columns to it, drop the old domain and rename the new one. The migration's domain: ${createDomainStatement(identity, base)}`;
      }
      return statementsOr(
        definitionStatements(identity, expected, actual),
        "Align the domain with the migrations.",
      );
    }
  }
}

function message(identity: string, diff: AttributeDiff): string {
  if (diff.attribute !== "definition") return changedMessage("domain", identity, diff);
  const parts = definitionParts(fields(diff.expected), fields(diff.actual));
  return parts.length > 0
    ? `domain ${identity}: ${parts.join("; ")}`
    : changedMessage("domain", identity, diff);
}

export function domainRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("domain");
  const findings: DraftFinding[] = [];
  for (const [identity, domain] of missing) {
    findings.push({
      kind: "domain",
      object: identity,
      change: "missing",
      expected: domain,
      actual: null,
      message: `domain ${identity} is missing`,
      remediation: `Apply the migration that creates it: ${createDomainStatement(identity, domain)}`,
    });
  }
  for (const [identity, domain] of unexpected) {
    findings.push({
      kind: "domain",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: domain,
      message: `domain ${identity} exists but no migration creates it`,
      remediation: `Add it to a migration if it is needed, or drop it: DROP DOMAIN ${identity}; (refuses while a column or function uses it).`,
    });
  }
  const domainSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      "domain",
      both,
      (base, env) => diffAttributes(base, env, domainSpec),
      (identity, diff, base, env) => ({
        message: message(identity, diff),
        remediation: remediation(identity, diff, base, env),
      }),
    ),
  );
  return findings;
}

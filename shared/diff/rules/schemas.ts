import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes, type FieldSpec } from "../compare.ts";
import { type DraftFinding, foldedEvidence, foldedPhrase, type RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: ["owner", "comment", "privileges"],
    skip: compareOwners ? ["name"] : ["name", "owner"],
    sets: ["privileges"],
  };
}

function remediation(identity: string, diff: AttributeDiff, owner: string): string {
  switch (diff.attribute) {
    case "comment":
      return commentStatement(`SCHEMA ${identity}`, diff.expected);
    case "owner":
      return `ALTER SCHEMA ${identity} OWNER TO ${quoteIdent(String(diff.expected))};`;
    case "privileges":
      return statementsOr(
        privilegeStatements(`SCHEMA ${identity}`, diff.expected, diff.actual, { owner }),
        "Grant and revoke privileges on the schema as the migrations do.",
      );
    default:
      return "Align the schema with the migrations.";
  }
}

export function schemaRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("schema");
  const findings: DraftFinding[] = [];
  for (const [identity, schema] of missing) {
    const counts = ctx.folded("schema", identity, "missing") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: "schema",
      object: identity,
      change: "missing",
      expected: schema,
      actual: null,
      message: `schema ${identity} is missing${phrase ? `, with its ${phrase}` : ""}`,
      remediation: `Apply the migrations that create schema ${identity} and the objects in it (CREATE SCHEMA ${identity};).`,
      evidence: foldedEvidence(counts),
    });
  }
  for (const [identity, schema] of unexpected) {
    const counts = ctx.folded("schema", identity, "unexpected") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: "schema",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: schema,
      message: `schema ${identity} exists but no migration creates it${phrase ? ` (it holds ${phrase})` : ""}`,
      remediation: `Add it to a migration if it is needed, or drop it once it is unused: DROP SCHEMA ${identity}; (refuses while it holds objects).`,
      evidence: foldedEvidence(counts),
    });
  }
  const schemaSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      "schema",
      both,
      (base, env) => diffAttributes(base, env, schemaSpec),
      (identity, diff, _base, env) => ({
        message: changedMessage("schema", identity, diff),
        remediation: remediation(identity, diff, env.owner),
      }),
    ),
  );
  return findings;
}

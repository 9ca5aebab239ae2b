import type { SequenceObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes, type FieldSpec } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent, quoteLiteral } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

const VOCABULARY = [
  "data_type",
  "increment",
  "start",
  "min_value",
  "max_value",
  "cache",
  "cycle",
  "privileges",
  "comment",
  "owner",
];

function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: VOCABULARY,
    skip: compareOwners ? ["schema", "name"] : ["schema", "name", "owner"],
    sets: ["privileges"],
  };
}

/** `CREATE SEQUENCE … AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE … START WITH 1 CACHE 1 NO CYCLE;` */
export function createSequenceStatement(identity: string, sequence: SequenceObject): string {
  return (
    `CREATE SEQUENCE ${identity} AS ${sequence.data_type} INCREMENT BY ${sequence.increment}` +
    ` MINVALUE ${sequence.min_value} MAXVALUE ${sequence.max_value} START WITH ${sequence.start}` +
    ` CACHE ${sequence.cache} ${sequence.cycle ? "CYCLE" : "NO CYCLE"};`
  );
}

/** The ALTER SEQUENCE clause that sets one parameter back to the baseline's value. */
const CLAUSES: Record<string, (value: string) => string> = {
  data_type: (value) => `AS ${value}`,
  increment: (value) => `INCREMENT BY ${value}`,
  start: (value) => `START WITH ${value}`,
  min_value: (value) => `MINVALUE ${value}`,
  max_value: (value) => `MAXVALUE ${value}`,
  cache: (value) => `CACHE ${value}`,
  cycle: (value) => (value === "true" ? "CYCLE" : "NO CYCLE"),
};

const WORDS: Record<string, string> = {
  data_type: "data type",
  increment: "increment",
  start: "start value",
  min_value: "minimum value",
  max_value: "maximum value",
  cache: "cache size",
};

function message(identity: string, diff: AttributeDiff): string {
  if (diff.attribute === "cycle") {
    return diff.actual === true
      ? `sequence ${identity} cycles (wraps around at its limit), expected NO CYCLE`
      : `sequence ${identity} does not cycle (fails at its limit), expected CYCLE`;
  }
  const word = WORDS[diff.attribute];
  if (word !== undefined) {
    return `sequence ${identity}: ${word} is ${String(diff.actual)}, expected ${String(diff.expected)}`;
  }
  return changedMessage("sequence", identity, diff);
}

function remediation(identity: string, diff: AttributeDiff, env: SequenceObject): string {
  const clause = CLAUSES[diff.attribute];
  if (clause !== undefined) {
    const statement = `ALTER SEQUENCE ${identity} ${clause(String(diff.expected))};`;
    return diff.attribute === "start"
      ? `${statement} (sets the value RESTART uses; the current value is not changed)`
      : statement;
  }
  switch (diff.attribute) {
    case "comment":
      return commentStatement(`SEQUENCE ${identity}`, diff.expected);
    case "owner":
      return `ALTER SEQUENCE ${identity} OWNER TO ${quoteIdent(String(diff.expected))};`;
    case "privileges":
      return statementsOr(
        privilegeStatements(`SEQUENCE ${identity}`, diff.expected, diff.actual, {
          owner: env.owner,
        }),
        "Grant and revoke privileges on the sequence as the migrations do.",
      );
    default:
      return "Align the sequence with the migrations.";
  }
}

export function sequenceRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("sequence");
  const findings: DraftFinding[] = [];
  for (const [identity, sequence] of missing) {
    findings.push({
      kind: "sequence",
      object: identity,
      change: "missing",
      expected: sequence,
      actual: null,
      message: `sequence ${identity} is missing: nextval(${quoteLiteral(identity)}) fails`,
      remediation: `Apply the migration that creates it: ${createSequenceStatement(identity, sequence)}`,
    });
  }
  for (const [identity, sequence] of unexpected) {
    findings.push({
      kind: "sequence",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: sequence,
      message: `sequence ${identity} exists but no migration creates it`,
      remediation: `Find out who created it and whether a default or an application uses it; add it to a migration if it is needed, or drop it: DROP SEQUENCE ${identity};`,
    });
  }
  const sequenceSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      "sequence",
      both,
      (base, env) => diffAttributes(base, env, sequenceSpec),
      (identity, diff, _base, env) => ({
        message: message(identity, diff),
        remediation: remediation(identity, diff, env),
      }),
    ),
  );
  return findings;
}

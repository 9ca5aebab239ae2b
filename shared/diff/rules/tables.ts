import type { TableObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import {
  type AttributeDiff,
  changedMessage,
  diffAttributes,
  type FieldSpec,
  setMinus,
} from "../compare.ts";
import { type DraftFinding, foldedEvidence, foldedPhrase, type RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

const VOCABULARY = [
  "persistence",
  "rls_enabled",
  "rls_forced",
  "privileges",
  "comment",
  "owner",
  "partition_key",
  "partition_bound",
  "replica_identity",
  "options",
];

function spec(compareOwners: boolean): FieldSpec {
  return {
    vocabulary: VOCABULARY,
    skip: compareOwners ? ["schema", "name"] : ["schema", "name", "owner"],
    sets: ["privileges", "options"],
  };
}

/** What is compared: the parent of a partition is part of its bound (`PARTITION OF public.events FOR VALUES …`). */
function comparable(table: TableObject): Omit<TableObject, "partition_of"> {
  const { partition_of, ...rest } = table;
  const bound =
    partition_of === null
      ? rest.partition_bound
      : `PARTITION OF ${partition_of} ${rest.partition_bound ?? ""}`.trim();
  return { ...rest, partition_bound: bound };
}

const ON_OFF = (value: unknown) => (value === true ? "enabled" : "disabled");

function message(identity: string, diff: AttributeDiff): string {
  switch (diff.attribute) {
    case "rls_enabled":
      return `table ${identity}: row-level security is ${ON_OFF(diff.actual)}, expected ${ON_OFF(diff.expected)}`;
    case "rls_forced":
      return `table ${identity}: forced row-level security (applies to the owner too) is ${ON_OFF(diff.actual)}, expected ${ON_OFF(diff.expected)}`;
    default:
      return changedMessage("table", identity, diff);
  }
}

function optionKey(option: string): string {
  return option.split("=")[0] ?? option;
}

function optionsStatements(identity: string, expected: unknown, actual: unknown): string[] {
  const want = Array.isArray(expected) ? expected.map(String) : [];
  const have = Array.isArray(actual) ? actual.map(String) : [];
  const set = setMinus(want, have);
  const wantedKeys = new Set(want.map(optionKey));
  const reset = setMinus(have, want)
    .map(optionKey)
    .filter((k) => !wantedKeys.has(k));
  return [
    ...(set.length > 0 ? [`ALTER TABLE ${identity} SET (${set.join(", ")});`] : []),
    ...(reset.length > 0 ? [`ALTER TABLE ${identity} RESET (${reset.join(", ")});`] : []),
  ];
}

function replicaIdentityClause(value: string): string {
  return value.startsWith("index ")
    ? `USING INDEX ${quoteIdent(value.slice(6))}`
    : value.toUpperCase();
}

function remediation(
  identity: string,
  diff: AttributeDiff,
  base: TableObject,
  env: TableObject,
): string {
  const alter = `ALTER TABLE ${identity}`;
  switch (diff.attribute) {
    case "rls_enabled":
      return `${alter} ${diff.expected ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY;`;
    case "rls_forced":
      return `${alter} ${diff.expected ? "FORCE" : "NO FORCE"} ROW LEVEL SECURITY;`;
    case "persistence":
      return diff.expected === "unlogged" || diff.expected === "permanent"
        ? `${alter} SET ${diff.expected === "unlogged" ? "UNLOGGED" : "LOGGED"}; (rewrites the table)`
        : "Re-create the table as the migrations do.";
    case "replica_identity":
      return `${alter} REPLICA IDENTITY ${replicaIdentityClause(String(diff.expected))};`;
    case "comment":
      return commentStatement(`TABLE ${identity}`, diff.expected);
    case "owner":
      return `${alter} OWNER TO ${quoteIdent(String(diff.expected))};`;
    case "options":
      return statementsOr(
        optionsStatements(identity, diff.expected, diff.actual),
        "Set the storage options the migrations set.",
      );
    case "privileges":
      return statementsOr(
        privilegeStatements(`TABLE ${identity}`, diff.expected, diff.actual, { owner: env.owner }),
        "Grant and revoke privileges on the table as the migrations do.",
      );
    case "partition_key":
      return `A partition key cannot be altered: re-create the table partitioned by ${base.partition_key ?? "nothing"} as the migration does, and move the rows.`;
    case "partition_bound":
      return [
        ...(env.partition_of
          ? [`ALTER TABLE ${env.partition_of} DETACH PARTITION ${identity};`]
          : []),
        ...(base.partition_of
          ? [
              `ALTER TABLE ${base.partition_of} ATTACH PARTITION ${identity} ${base.partition_bound ?? ""};`.replace(
                " ;",
                ";",
              ),
            ]
          : []),
      ].join(" ");
    default:
      return "A table and a partitioned table cannot be converted in place: re-create it as the migration does.";
  }
}

export function tableRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("table");
  const findings: DraftFinding[] = [];
  for (const [identity, table] of missing) {
    const counts = ctx.folded("table", identity, "missing") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: "table",
      object: identity,
      change: "missing",
      expected: table,
      actual: null,
      message: `table ${identity} is missing${phrase ? `, with its ${phrase}` : ""}`,
      remediation: `Apply the migration that creates ${identity}.`,
      evidence: foldedEvidence(counts),
    });
  }
  for (const [identity, table] of unexpected) {
    const counts = ctx.folded("table", identity, "unexpected") ?? {};
    const phrase = foldedPhrase(counts);
    findings.push({
      kind: "table",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: table,
      message: `table ${identity} exists but no migration creates it${phrase ? ` (${phrase})` : ""}`,
      remediation: `Find out who created it; add it to a migration if it is needed, or drop it once you are sure it holds nothing needed: DROP TABLE ${identity};`,
      evidence: foldedEvidence(counts),
    });
  }
  const tableSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      "table",
      both,
      (base, env) => diffAttributes(comparable(base), comparable(env), tableSpec),
      (identity, diff, base, env) => ({
        message: message(identity, diff),
        remediation: remediation(identity, diff, base, env),
      }),
    ),
  );
  return findings;
}

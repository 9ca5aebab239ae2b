import type { FunctionObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes, type FieldSpec } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { commentStatement, privilegeStatements, statementsOr } from "../sql.ts";

type RoutineKind = "function" | "procedure";

const VOCABULARY = [
  "definition",
  "security_definer",
  "volatility",
  "privileges",
  "comment",
  "owner",
];

function spec(compareOwners: boolean): FieldSpec {
  const skip = ["schema", "name", "arguments"];
  return {
    vocabulary: VOCABULARY,
    skip: compareOwners ? skip : [...skip, "owner"],
    sets: ["privileges"],
  };
}

/**
 * The parts of a routine's definition, as the reader lays it out: the argument list and
 * result (`(a bigint) RETURNS integer`), one line of attributes (` LANGUAGE sql STRICT …`),
 * one line per setting (` SET search_path = …`), then the body.
 */
export interface DefinitionParts {
  readonly header: string;
  readonly attributes: string;
  readonly settings: readonly string[];
  readonly body: string;
}

export function definitionParts(definition: string): DefinitionParts | null {
  const at = definition.indexOf("\n LANGUAGE ");
  if (at < 0) return null;
  const lines = definition.slice(at + 1).split("\n");
  const attributes = (lines.shift() ?? "").trim();
  const settings: string[] = [];
  while (lines[0]?.startsWith(" SET ")) settings.push((lines.shift() ?? "").trim());
  return { header: definition.slice(0, at), attributes, settings, body: lines.join("\n") };
}

function routineName(routine: FunctionObject): string {
  return `${quoteIdent(routine.schema)}.${quoteIdent(routine.name)}`;
}

function keyword(kind: RoutineKind): string {
  return kind === "function" ? "FUNCTION" : "PROCEDURE";
}

/** `CREATE [OR REPLACE] FUNCTION public.f(a bigint) RETURNS … IMMUTABLE SECURITY DEFINER … ;` */
export function createRoutineStatement(
  kind: RoutineKind,
  routine: FunctionObject,
  orReplace: boolean,
): string {
  const create = `CREATE ${orReplace ? "OR REPLACE " : ""}${keyword(kind)} ${routineName(routine)}`;
  const extra = [
    ...(kind === "function" ? [routine.volatility.toUpperCase()] : []),
    ...(routine.security_definer ? ["SECURITY DEFINER"] : []),
  ];
  const parts = definitionParts(routine.definition);
  if (parts === null) return `${create}${routine.definition};`;
  const lines = [
    parts.header,
    ` ${[parts.attributes, ...extra].join(" ")}`,
    ...parts.settings.map((setting) => ` ${setting}`),
    parts.body,
  ];
  return `${create}${lines.join("\n")};`;
}

const PART_NAMES: Record<keyof DefinitionParts, string> = {
  header: "arguments and result",
  attributes: "attributes",
  settings: "settings",
  body: "body",
};

/** The parts of two definitions that differ, in layout order. */
function differingParts(expected: string, actual: string): Array<keyof DefinitionParts> | null {
  const want = definitionParts(expected);
  const have = definitionParts(actual);
  if (want === null || have === null) return null;
  return (Object.keys(PART_NAMES) as Array<keyof DefinitionParts>).filter(
    (part) => JSON.stringify(want[part]) !== JSON.stringify(have[part]),
  );
}

function show(value: string | readonly string[]): string {
  const text = typeof value === "string" ? value : value.join("; ");
  return text === "" ? "none" : text;
}

function definitionMessage(kind: RoutineKind, identity: string, diff: AttributeDiff): string {
  const expected = String(diff.expected);
  const actual = String(diff.actual);
  const parts = differingParts(expected, actual);
  if (parts === null || parts.length === 0) return `${kind} ${identity}: definition differs`;
  const want = definitionParts(expected) as DefinitionParts;
  const have = definitionParts(actual) as DefinitionParts;
  const details = parts.map((part) =>
    part === "body"
      ? "body differs"
      : `${PART_NAMES[part]} are ${show(have[part])}, expected ${show(want[part])}`,
  );
  return `${kind} ${identity}: ${details.join("; ")}`;
}

function message(kind: RoutineKind, identity: string, diff: AttributeDiff): string {
  switch (diff.attribute) {
    case "definition":
      return definitionMessage(kind, identity, diff);
    case "security_definer":
      return `${kind} ${identity} runs as ${diff.actual ? "SECURITY DEFINER (with its owner's privileges)" : "SECURITY INVOKER"}, expected ${diff.expected ? "SECURITY DEFINER" : "SECURITY INVOKER"}`;
    default:
      return changedMessage(kind, identity, diff);
  }
}

function remediation(
  kind: RoutineKind,
  identity: string,
  diff: AttributeDiff,
  base: FunctionObject,
  env: FunctionObject,
): string {
  const target = `${keyword(kind)} ${identity}`;
  switch (diff.attribute) {
    case "definition": {
      const parts = differingParts(String(diff.expected), String(diff.actual));
      if (parts?.includes("header")) {
        return `CREATE OR REPLACE cannot change argument names, defaults or the result type: DROP ${target}; ${createRoutineStatement(kind, base, false)} (then re-grant its privileges and re-create what depended on it)`;
      }
      return createRoutineStatement(kind, base, true);
    }
    case "security_definer":
      return `ALTER ${target} ${diff.expected ? "SECURITY DEFINER" : "SECURITY INVOKER"};`;
    case "volatility":
      return `ALTER ${target} ${String(diff.expected).toUpperCase()};`;
    case "privileges":
      return statementsOr(
        privilegeStatements(target, diff.expected, diff.actual, { owner: env.owner }),
        `Grant and revoke EXECUTE on the ${kind} as the migrations do.`,
      );
    case "comment":
      return commentStatement(target, diff.expected);
    case "owner":
      return `ALTER ${target} OWNER TO ${quoteIdent(String(diff.expected))};`;
    default:
      return `Re-create the ${kind} as the migration defines it.`;
  }
}

function routineRule(kind: RoutineKind, ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence(kind);
  const findings: DraftFinding[] = [];
  for (const [identity, routine] of missing) {
    findings.push({
      kind,
      object: identity,
      change: "missing",
      expected: routine,
      actual: null,
      message: `${kind} ${identity} is missing`,
      remediation: `Apply the migration that creates it: ${createRoutineStatement(kind, routine, false)}`,
    });
  }
  for (const [identity, routine] of unexpected) {
    findings.push({
      kind,
      object: identity,
      change: "unexpected",
      expected: null,
      actual: routine,
      message: `${kind} ${identity} exists but no migration creates it`,
      remediation: `Find out who created it; add it to a migration if it is needed, or drop it once nothing calls it: DROP ${keyword(kind)} ${identity};`,
    });
  }
  const fieldSpec = spec(ctx.compareOwners);
  findings.push(
    ...changedFindings(
      kind,
      both,
      (base, env) => diffAttributes(base, env, fieldSpec),
      (identity, diff, base, env) => ({
        message: message(kind, identity, diff),
        remediation: remediation(kind, identity, diff, base, env),
      }),
    ),
  );
  return findings;
}

export function functionRule(ctx: RuleContext): DraftFinding[] {
  return routineRule("function", ctx);
}

export function procedureRule(ctx: RuleContext): DraftFinding[] {
  return routineRule("procedure", ctx);
}

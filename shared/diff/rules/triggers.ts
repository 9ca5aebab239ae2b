import type { TriggerObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { pairRenames, renameFindings } from "../renames.ts";
import { commentStatement } from "../sql.ts";

const SPEC = { vocabulary: ["definition", "enabled", "comment"], skip: ["name", "table"] };

/** `CREATE [CONSTRAINT] TRIGGER name BEFORE INSERT ON public.t …;` from the stored definition. */
export function createTriggerStatement(trigger: TriggerObject): string {
  const name = quoteIdent(trigger.name);
  const constraint = trigger.definition.startsWith("CONSTRAINT ");
  const rest = constraint ? trigger.definition.slice("CONSTRAINT ".length) : trigger.definition;
  return `CREATE ${constraint ? "CONSTRAINT " : ""}TRIGGER ${name} ${rest};`;
}

const ENABLE_CLAUSE: Record<string, string> = {
  enabled: "ENABLE TRIGGER",
  disabled: "DISABLE TRIGGER",
  replica: "ENABLE REPLICA TRIGGER",
  always: "ENABLE ALWAYS TRIGGER",
};

const ENABLED_MEANING: Record<string, string> = {
  enabled: "enabled",
  disabled: "disabled (it never fires)",
  replica: "enabled only for replication (it does not fire for ordinary sessions)",
  always: "enabled always (it fires for replication sessions too)",
};

function enableStatement(trigger: TriggerObject, state: string): string {
  return `ALTER TABLE ${trigger.table} ${ENABLE_CLAUSE[state] ?? "ENABLE TRIGGER"} ${quoteIdent(trigger.name)};`;
}

function message(identity: string, diff: AttributeDiff): string {
  if (diff.attribute === "enabled") {
    const actual = String(diff.actual);
    return `trigger ${identity} is ${ENABLED_MEANING[actual] ?? actual}, expected ${String(diff.expected)}`;
  }
  return changedMessage("trigger", identity, diff);
}

function remediation(diff: AttributeDiff, base: TriggerObject): string {
  const on = `${quoteIdent(base.name)} ON ${base.table}`;
  switch (diff.attribute) {
    case "enabled":
      return enableStatement(base, String(diff.expected));
    case "comment":
      return commentStatement(`TRIGGER ${on}`, diff.expected);
    default: {
      const enable = base.enabled === "enabled" ? "" : ` ${enableStatement(base, base.enabled)}`;
      return `DROP TRIGGER ${on}; ${createTriggerStatement(base)}${enable}`;
    }
  }
}

export function triggerRule(ctx: RuleContext): DraftFinding[] {
  const presence = ctx.presence("trigger");
  // A trigger with another name but the same table and definition was renamed.
  const { pairs, missing, unexpected } = pairRenames(presence.missing, presence.unexpected);
  const findings: DraftFinding[] = [];
  for (const [identity, trigger] of missing) {
    const enable =
      trigger.enabled === "enabled" ? "" : ` ${enableStatement(trigger, trigger.enabled)}`;
    findings.push({
      kind: "trigger",
      object: identity,
      change: "missing",
      table: trigger.table,
      expected: trigger,
      actual: null,
      message: `trigger ${identity} on ${trigger.table} is missing: what it does on ${trigger.table} no longer happens`,
      remediation: `Apply the migration that creates it: ${createTriggerStatement(trigger)}${enable}`,
    });
  }
  for (const [identity, trigger] of unexpected) {
    findings.push({
      kind: "trigger",
      object: identity,
      change: "unexpected",
      table: trigger.table,
      expected: null,
      actual: trigger,
      message: `trigger ${identity} on ${trigger.table} exists but no migration creates it`,
      remediation: `Find out who created it and what it does; add it to a migration if it is needed, or drop it: DROP TRIGGER ${quoteIdent(trigger.name)} ON ${trigger.table};`,
    });
  }
  findings.push(
    ...renameFindings(
      "trigger",
      pairs,
      (_identity, _actualIdentity, trigger, renamed) =>
        `ALTER TRIGGER ${quoteIdent(renamed.name)} ON ${trigger.table} RENAME TO ${quoteIdent(trigger.name)};`,
    ),
  );
  findings.push(
    ...changedFindings(
      "trigger",
      presence.both,
      (base, env) => diffAttributes(base, env, SPEC),
      (identity, diff, base) => ({
        message: message(identity, diff),
        remediation: remediation(diff, base),
      }),
    ),
  );
  return findings;
}

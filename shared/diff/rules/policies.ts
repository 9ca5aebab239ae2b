import type { PolicyObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent } from "../identity.ts";
import { pairRenames, renameFindings } from "../renames.ts";
import { commentStatement } from "../sql.ts";

/** command, permissive, roles, using and with_check are grouped under `definition`. */
const SPEC = { vocabulary: ["comment"], skip: ["name", "table"], sets: ["roles"] };

type PolicyField = "command" | "permissive" | "roles" | "using" | "with_check";

/** How each field of a policy's definition is named in messages, in the order they are listed. */
const FIELD_NAMES: Record<PolicyField, string> = {
  command: "command",
  permissive: "mode",
  roles: "roles",
  using: "USING",
  with_check: "WITH CHECK",
};

function roleList(roles: readonly string[]): string {
  return roles.length === 0 ? "PUBLIC" : roles.join(", ");
}

function fieldText(field: PolicyField, value: unknown): string {
  switch (field) {
    case "permissive":
      return value === false ? "RESTRICTIVE" : "PERMISSIVE";
    case "roles":
      return roleList(Array.isArray(value) ? value.map(String) : []);
    case "using":
    case "with_check":
      return value === null || value === undefined ? "none" : `(${String(value)})`;
    default:
      return String(value);
  }
}

/** `CREATE POLICY name ON t AS RESTRICTIVE FOR UPDATE TO a, b USING (…) WITH CHECK (…);` */
export function createPolicyStatement(policy: PolicyObject): string {
  const parts = [`CREATE POLICY ${quoteIdent(policy.name)} ON ${policy.table}`];
  parts.push(`AS ${policy.permissive ? "PERMISSIVE" : "RESTRICTIVE"}`);
  parts.push(`FOR ${policy.command}`);
  parts.push(`TO ${roleList(policy.roles)}`);
  if (policy.using !== null) parts.push(`USING (${policy.using})`);
  if (policy.with_check !== null) parts.push(`WITH CHECK (${policy.with_check})`);
  return `${parts.join(" ")};`;
}

/** The fields of a grouped `definition` diff (its values are objects of the differing fields). */
function differingFields(diff: AttributeDiff): PolicyField[] {
  const fields = Object.keys((diff.expected ?? {}) as object);
  return (Object.keys(FIELD_NAMES) as PolicyField[]).filter((field) => fields.includes(field));
}

function fieldValue(values: unknown, field: PolicyField): unknown {
  return (values as Record<string, unknown> | null)?.[field] ?? null;
}

function message(identity: string, diff: AttributeDiff): string {
  if (diff.attribute !== "definition") return changedMessage("policy", identity, diff);
  const details = differingFields(diff).map(
    (field) =>
      `${FIELD_NAMES[field]} is ${fieldText(field, fieldValue(diff.actual, field))}, expected ${fieldText(field, fieldValue(diff.expected, field))}`,
  );
  return `policy ${identity}: ${details.join("; ")}`;
}

function remediation(diff: AttributeDiff, base: PolicyObject): string {
  const on = `${quoteIdent(base.name)} ON ${base.table}`;
  if (diff.attribute === "comment") return commentStatement(`POLICY ${on}`, diff.expected);
  const fields = differingFields(diff);
  // ALTER POLICY changes roles and expressions, but not the command or the mode, and cannot
  // remove an expression: those need the policy re-created.
  const recreate =
    fields.includes("command") ||
    fields.includes("permissive") ||
    (fields.includes("using") && base.using === null) ||
    (fields.includes("with_check") && base.with_check === null);
  if (recreate) return `DROP POLICY ${on}; ${createPolicyStatement(base)}`;
  const clauses: string[] = [];
  if (fields.includes("roles")) clauses.push(`TO ${roleList(base.roles)}`);
  if (fields.includes("using")) clauses.push(`USING (${base.using})`);
  if (fields.includes("with_check")) clauses.push(`WITH CHECK (${base.with_check})`);
  return `ALTER POLICY ${on} ${clauses.join(" ")};`;
}

export function policyRule(ctx: RuleContext): DraftFinding[] {
  const presence = ctx.presence("policy");
  // A policy with another name but the same table and definition was renamed.
  const { pairs, missing, unexpected } = pairRenames(
    presence.missing,
    presence.unexpected,
    (policy) => ({ ...policy, roles: [...policy.roles].sort() }),
  );
  const findings: DraftFinding[] = [];
  for (const [identity, policy] of missing) {
    findings.push({
      kind: "policy",
      object: identity,
      change: "missing",
      table: policy.table,
      expected: policy,
      actual: null,
      message: `policy ${identity} on ${policy.table} is missing: ${policy.permissive ? "rows it grants are no longer visible to its roles" : "rows it filters out are no longer filtered"}`,
      remediation: `Apply the migration that creates it: ${createPolicyStatement(policy)}`,
    });
  }
  for (const [identity, policy] of unexpected) {
    findings.push({
      kind: "policy",
      object: identity,
      change: "unexpected",
      table: policy.table,
      expected: null,
      actual: policy,
      message: `policy ${identity} on ${policy.table} exists but no migration creates it: ${policy.permissive ? "it may expose rows to its roles" : "it may hide rows"}`,
      remediation: `Find out who created it; add it to a migration if it is needed, or drop it: DROP POLICY ${quoteIdent(policy.name)} ON ${policy.table};`,
    });
  }
  findings.push(
    ...renameFindings(
      "policy",
      pairs,
      (_identity, _actualIdentity, policy, renamed) =>
        `ALTER POLICY ${quoteIdent(renamed.name)} ON ${policy.table} RENAME TO ${quoteIdent(policy.name)};`,
    ),
  );
  findings.push(
    ...changedFindings(
      "policy",
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

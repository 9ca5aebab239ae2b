import type { ExtensionObject } from "../../snapshot/model.ts";
import { changedFindings } from "../changed.ts";
import { type AttributeDiff, changedMessage, diffAttributes } from "../compare.ts";
import type { DraftFinding, RuleContext } from "../context.ts";
import { quoteIdent, quoteLiteral } from "../identity.ts";

function remediation(identity: string, diff: AttributeDiff): string {
  switch (diff.attribute) {
    case "version":
      return `ALTER EXTENSION ${identity} UPDATE TO ${quoteLiteral(String(diff.expected))}; (the server must ship that version)`;
    case "schema":
      return `ALTER EXTENSION ${identity} SET SCHEMA ${quoteIdent(String(diff.expected))};`;
    default:
      return "Re-create the extension as the migrations do.";
  }
}

function createStatement(identity: string, extension: ExtensionObject): string {
  return `CREATE EXTENSION IF NOT EXISTS ${identity} WITH SCHEMA ${quoteIdent(extension.schema)} VERSION ${quoteLiteral(extension.version)};`;
}

export function extensionRule(ctx: RuleContext): DraftFinding[] {
  const { missing, unexpected, both } = ctx.presence("extension");
  const findings: DraftFinding[] = [];
  for (const [identity, extension] of missing) {
    findings.push({
      kind: "extension",
      object: identity,
      change: "missing",
      expected: extension,
      actual: null,
      message: `extension ${identity} is missing`,
      remediation: `Apply the migration that creates it: ${createStatement(identity, extension)}`,
    });
  }
  for (const [identity, extension] of unexpected) {
    findings.push({
      kind: "extension",
      object: identity,
      change: "unexpected",
      expected: null,
      actual: extension,
      message: `extension ${identity} exists but no migration creates it`,
      remediation: `Add it to a migration if something uses it, or: DROP EXTENSION ${identity}; (refuses while objects depend on it).`,
    });
  }
  findings.push(
    ...changedFindings(
      "extension",
      both,
      (base, env) =>
        diffAttributes(base, env, { vocabulary: ["version", "schema"], skip: ["name"] }),
      (identity, diff) => ({
        message: changedMessage("extension", identity, diff),
        remediation: remediation(identity, diff),
      }),
    ),
  );
  // Each major ships its own versions (btree_gist 1.6 on 14, 1.7 on 16 and 17, 1.8 on 18):
  // across majors a version difference is the servers', said as such (and info, by policy).
  const majors = ctx.majors;
  if (majors === undefined || majors.baseline === majors.environment) return findings;
  return findings.map((finding) =>
    finding.change === "changed" && finding.attribute === "version"
      ? {
          ...finding,
          message: `${finding.message} (baseline built on PostgreSQL ${majors.baseline}, environment runs ${majors.environment}: each major ships its own extension versions)`,
          evidence: { majorsDiffer: true, ...majors },
        }
      : finding,
  );
}

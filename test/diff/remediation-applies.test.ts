import { beforeAll, describe, expect, it } from "vitest";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import type { Finding } from "../../shared/diff/finding.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import { createTestDatabase } from "../support/db.ts";
import { FIXTURE_CASES, readCase } from "./fixture-cases.ts";

/**
 * A remediation that is SQL alone (statements, optionally followed by a `--` comment: no prose
 * around them) must run as pasted on the environment and make its finding go away. Each diff
 * fixture's environment gets its SQL-only remediations, is read again, and is compared with the
 * baseline once more: none of those findings may remain, and none may appear.
 */
const SQL_ONLY = /^(ALTER|CREATE|DROP|COMMENT|GRANT|REVOKE|REFRESH)\b.*;( --[^\n]*)?$/s;
const PROSE_MARKERS = /; \(|; — | — or /;

function sqlOnly(finding: Finding): string | undefined {
  const text = finding.remediation;
  if (text === undefined || !SQL_ONLY.test(text) || PROSE_MARKERS.test(text)) return undefined;
  return text;
}

interface Outcome {
  readonly name: string;
  readonly applied: string[];
  readonly failed: string[];
  readonly remaining: string[];
}

async function remediate(name: string): Promise<Outcome> {
  const { before, after, options } = await readCase(name);
  const baselineDb = await createTestDatabase("rem_before", before);
  const environmentDb = await createTestDatabase("rem_after", after);
  try {
    const scope = options.schemas === undefined ? {} : { schemas: options.schemas };
    const diffOptions = { compareOwners: options.compareOwners ?? false };
    const baseline = (await introspect(baselineDb.client, scope)).objects;
    const environment = (await introspect(environmentDb.client, scope)).objects;
    const findings = diffSnapshots(baseline, environment, diffOptions).findings;
    const applied: string[] = [];
    const failed: string[] = [];
    const label = (f: Finding) => `${f.kind} ${f.object} ${f.change} ${f.attribute ?? ""}`.trim();
    for (const finding of findings) {
      const sql = sqlOnly(finding);
      if (sql === undefined) continue;
      try {
        await environmentDb.client.query(sql);
        applied.push(label(finding));
      } catch (error) {
        failed.push(`${label(finding)}: ${sql} => ${(error as Error).message}`);
      }
    }
    const again = diffSnapshots(
      baseline,
      (await introspect(environmentDb.client, scope)).objects,
      diffOptions,
    ).findings.map(label);
    const reported = new Set(findings.map(label));
    const remaining = again.filter((f) => applied.includes(f) || !reported.has(f));
    return { name, applied, failed, remaining };
  } finally {
    await environmentDb.drop();
    await baselineDb.drop();
  }
}

describe("remediation SQL fixes what it reports", () => {
  const outcomes: Outcome[] = [];
  beforeAll(async () => {
    for (const name of FIXTURE_CASES) outcomes.push(await remediate(name));
  }, 300_000);

  it("has SQL-only remediations to run in many fixtures", () => {
    const withSql = outcomes.filter((o) => o.applied.length + o.failed.length > 0);
    // 16 of the 51 fixtures when this was written: the rest report prose (apply a migration).
    expect(withSql.length).toBeGreaterThanOrEqual(15);
  });

  it("runs every SQL-only remediation as pasted", () => {
    expect(outcomes.flatMap((o) => o.failed.map((f) => `${o.name}: ${f}`))).toEqual([]);
  });

  it("leaves none of the remediated findings, and makes no new one", () => {
    expect(outcomes.flatMap((o) => o.remaining.map((f) => `${o.name}: ${f}`))).toEqual([]);
  });
});

import type { AttributeDiff } from "./compare.ts";
import type { DraftFinding } from "./context.ts";
import type { FindingKind } from "./finding.ts";

/** What a rule says about one differing attribute of an object present on both sides. */
export interface ChangedText {
  readonly message: string;
  readonly remediation?: string;
}

/**
 * One `changed` finding per differing attribute of each object present on both sides: the
 * loop every rule shares. `compare` lists the differing attributes of a pair; `describe`
 * words one of them. Objects with a `table` carry it into their findings.
 */
export function changedFindings<T>(
  kind: FindingKind,
  both: ReadonlyArray<readonly [string, T, T]>,
  compare: (base: T, env: T) => readonly AttributeDiff[],
  describe: (identity: string, diff: AttributeDiff, base: T, env: T) => ChangedText,
): DraftFinding[] {
  const findings: DraftFinding[] = [];
  for (const [identity, base, env] of both) {
    for (const diff of compare(base, env)) {
      const table = (base as { table?: unknown }).table;
      const { message, remediation } = describe(identity, diff, base, env);
      findings.push({
        kind,
        object: identity,
        change: "changed",
        attribute: diff.attribute,
        ...(typeof table === "string" ? { table } : {}),
        expected: diff.expected,
        actual: diff.actual,
        message,
        ...(remediation === undefined ? {} : { remediation }),
      });
    }
  }
  return findings;
}

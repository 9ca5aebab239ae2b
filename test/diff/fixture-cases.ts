import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import type { Finding } from "../../shared/diff/finding.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { unsortedKeyPaths } from "../support/unsorted-keys.ts";

/**
 * One folder per diff case under test/fixtures/diff/<case>/: `before.sql` builds the baseline
 * database, `after.sql` the environment, `expected.json` lists the findings diffSnapshots
 * gives (kind, object, change, attribute, severity), in its order. An optional
 * `options.json` may set `schemas` (introspection scope) and `compareOwners`.
 * A new case is a new folder, not new test code.
 */
const ROOT = fileURLToPath(new URL("../fixtures/diff/", import.meta.url));

export const FIXTURE_CASES = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

interface CaseOptions {
  readonly schemas?: readonly string[];
  readonly compareOwners?: boolean;
}

export type FindingSummary = Pick<Finding, "kind" | "object" | "change" | "attribute" | "severity">;

function summarize(finding: Finding): FindingSummary {
  const { kind, object, change, attribute, severity } = finding;
  return { kind, object, change, ...(attribute === undefined ? {} : { attribute }), severity };
}

export async function readCase(name: string) {
  const dir = join(ROOT, name);
  const optionsFile = join(dir, "options.json");
  const [before, after, expected, options] = await Promise.all([
    readFile(join(dir, "before.sql"), "utf8"),
    readFile(join(dir, "after.sql"), "utf8"),
    readFile(join(dir, "expected.json"), "utf8").then(
      (text) => JSON.parse(text) as FindingSummary[],
    ),
    existsSync(optionsFile)
      ? readFile(optionsFile, "utf8").then((text) => JSON.parse(text) as CaseOptions)
      : Promise.resolve<CaseOptions>({}),
  ]);
  return { before, after, expected, options };
}

/** A fresh database made from SQL text, and how to drop it. */
export interface CaseDatabase {
  readonly client: Queryable;
  drop(): Promise<void>;
}

/**
 * Runs one case: builds both sides, introspects and diffs them; returns what was expected and
 * found, and where either side's objects were not built with their keys in sorted order
 * (introspect() declares them canonical as built: this is the check that they are).
 */
export async function runFixtureCase(
  name: string,
  createDatabase: (prefix: string, sql: string) => Promise<CaseDatabase>,
): Promise<{ expected: FindingSummary[]; found: FindingSummary[]; unsorted: string[] }> {
  const { before, after, expected, options } = await readCase(name);
  const baselineDb = await createDatabase("diff_before", before);
  try {
    const actualDb = await createDatabase("diff_after", after);
    try {
      const scope = options.schemas === undefined ? {} : { schemas: options.schemas };
      const baseline = await introspect(baselineDb.client, scope);
      const actual = await introspect(actualDb.client, scope);
      const { findings } = diffSnapshots(baseline.objects, actual.objects, {
        compareOwners: options.compareOwners ?? false,
      });
      const unsorted = (side: string, objects: SnapshotObjects) =>
        Object.entries(objects).flatMap(([kind, record]) =>
          unsortedKeyPaths(record, `${side}:${kind}`),
        );
      return {
        expected,
        found: findings.map(summarize),
        unsorted: [...unsorted("before", baseline.objects), ...unsorted("after", actual.objects)],
      };
    } finally {
      await actualDb.drop();
    }
  } finally {
    await baselineDb.drop();
  }
}

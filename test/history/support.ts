import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { readMigrations } from "../../shared/baseline/sources/index.ts";
import type { Migration, MigrationFormat } from "../../shared/baseline/sources/source.ts";
import type { DraftFinding } from "../../shared/diff/context.ts";
import { findHistoryTable } from "../../shared/history/find.ts";
import { readHistory } from "../../shared/history/read.ts";
import type { FindHistoryOptions, HistoryEntry } from "../../shared/history/types.ts";
import type { Queryable } from "../../shared/introspect/queryable.ts";

const folders: string[] = [];

/** A migrations folder with these files (paths relative to it), read as `format`. */
export async function repository(
  format: MigrationFormat,
  files: Record<string, string>,
): Promise<{ dir: string; migrations: readonly Migration[] }> {
  const dir = await mkdtemp(join(tmpdir(), "pgdrift-history-"));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const { migrations } = await readMigrations(dir, format);
  return { dir, migrations };
}

export async function removeRepositories(): Promise<void> {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** The history of `format` in the database, found as the audit finds it. */
export async function history(
  db: Queryable,
  format: MigrationFormat,
  options: FindHistoryOptions = {},
): Promise<HistoryEntry[]> {
  const table = await findHistoryTable(db, format, options);
  expect(table).not.toBeNull();
  return readHistory(db, table as NonNullable<typeof table>, format);
}

/** The findings in the shape expected.json uses: `[object, change, attribute?]`. */
export function summary(findings: readonly DraftFinding[]): string[][] {
  return findings.map((f) => [f.object, f.change, ...(f.attribute ? [f.attribute] : [])]);
}

/** The error a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

export const NOW = new Date("2026-01-20T00:00:00Z");

import { MigrationSourceError } from "../errors.ts";
import { compareBytes, listFolder, readMigrationFile } from "./files.ts";
import type { Migration, MigrationSource, ReadOptions } from "./source.ts";

const EXTENSION = ".sql";

/**
 * Lines that split a file into up and down sections for a migration tool. Applied as plain SQL,
 * the down section would run right after the up one and undo it, and the baseline would be
 * wrong without any error: such a file is refused instead.
 */
const SECTION_MARKERS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^--\s*migrate:(?:up|down)\b/im,
    "dbmate (-- migrate:up / -- migrate:down): use --format dbmate",
  ],
  [
    /^--\s*\+migrate\s+(?:up|down)\b/im,
    "sql-migrate (-- +migrate Up / Down), which pgdrift does not read",
  ],
  [/^--\s*\+goose\s+(?:up|down)\b/im, "goose (-- +goose Up / Down), which pgdrift does not read"],
  [
    /^--[\s-]*(?:up|down)\s+migration\b/im,
    "node-pg-migrate (-- Up Migration / -- Down Migration): use --format node-pg-migrate",
  ],
];

/**
 * Plain SQL: every `*.sql` file at the top of the folder, in byte order of the file names
 * (`001_init.sql` before `002_users.sql`; `10_x.sql` before `9_y.sql`, so pad numbers).
 * Sub-folders and other files are ignored, and the log says which.
 */
export const plainSqlSource: MigrationSource = {
  format: "sql",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const entries = await listFolder(dir);
    const files = entries
      .filter((entry) => entry.type === "file" && entry.name.endsWith(EXTENSION))
      .sort((a, b) => compareBytes(a.name, b.name));
    const ignored = entries
      .filter((entry) => !files.includes(entry))
      .map((entry) => (entry.type === "folder" ? `${entry.name}/` : entry.name))
      .sort(compareBytes);
    if (ignored.length > 0) {
      options.log?.(
        `ignored ${ignored.length} ${ignored.length === 1 ? "entry" : "entries"} in ${dir} (not a top-level ${EXTENSION} file): ${ignored.join(", ")}`,
      );
    }
    if (files.length === 0) {
      throw new MigrationSourceError(
        dir,
        `no migrations found in ${dir} (looked for *${EXTENSION})`,
      );
    }
    const migrations: Migration[] = [];
    for (const entry of files) {
      const { checksum, sql } = await readMigrationFile(entry.path);
      for (const [marker, tool] of SECTION_MARKERS) {
        const line = lineOf(sql, marker);
        if (line !== undefined) {
          throw new MigrationSourceError(
            entry.path,
            `${entry.path} line ${line}: an up/down section marker of ${tool}; as plain SQL its down section would be applied too`,
          );
        }
      }
      const version = entry.name.slice(0, -EXTENSION.length);
      migrations.push({
        file: entry.name,
        kind: "versioned",
        version,
        description: version,
        checksum,
        toolChecksum: null,
        timestamp: null,
        sql,
      });
    }
    return migrations;
  },
};

/** The 1-based line where `pattern` first matches, if it does. */
function lineOf(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  if (match === null) return undefined;
  let line = 1;
  for (let i = 0; i < match.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

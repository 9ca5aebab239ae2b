import { MigrationSourceError } from "../errors.ts";
import { compareBytes, listFolder, readMigrationFile } from "./files.ts";
import type { Migration, MigrationSource, ReadOptions } from "./source.ts";

const EXTENSION = ".sql";

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

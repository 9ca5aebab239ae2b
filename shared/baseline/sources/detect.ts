import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MigrationSourceError } from "../errors.ts";
import { type FolderEntry, listFolder, listTree } from "./files.ts";
import { classifyFlywayName } from "./flyway-names.ts";
import type { MigrationFormat } from "./source.ts";

/**
 * `--format auto`: recognises a folder by what only one tool writes.
 *
 * - prisma: `migration_lock.toml`, or a sub-folder holding `migration.sql`;
 * - flyway: a `V<version>__<description>.sql`, `B<version>__<description>.sql` or
 *   `R__<description>.sql` file, in the folder
 *   or a sub-folder (Flyway scans sub-folders);
 * - golang-migrate: a `<version>_<name>.up.sql` or `.down.sql` file;
 * - dbmate: a `<version>…sql` file with a `-- migrate:up` line;
 * - node-pg-migrate: a `<timestamp>_<name>.sql` file with a `-- Up Migration` marker, or a
 *   `<timestamp>_<name>.js`/`.ts` migration;
 * - sql: none of these, and `.sql` files at the top of the folder (applied in file-name order).
 *
 * Two tools' marks in one folder are ambiguous: the error names the files that showed each, and
 * asks for `--format`. A folder with none of them and no `.sql` file is not a migrations folder.
 */

const LOOKED_FOR =
  "Flyway V<version>__<description>.sql, golang-migrate <version>_<name>.up.sql, dbmate files with -- migrate:up, Prisma <timestamp>_<name>/migration.sql, node-pg-migrate <timestamp>_<name>.sql with -- Up Migration, or plain *.sql files";

const DBMATE_UP = /^--\s*migrate:up(\s|$)/m;
const NODE_PG_MIGRATE_UP = /^\s*--[\s-]*up\s+migration/im;

/** The file's text, without the byte-order mark editors on Windows put first. */
async function text(entry: FolderEntry): Promise<string> {
  const content = await readFile(entry.path, "utf8").catch(() => "");
  return content.startsWith("\uFEFF") ? content.slice(1) : content;
}

/** The format of `dir`; throws `MigrationSourceError` when it is ambiguous or unrecognisable. */
export async function detectFormat(dir: string): Promise<MigrationFormat> {
  const top = await listFolder(dir);
  const files = top.filter((entry) => entry.type === "file");
  const evidence = new Map<MigrationFormat, string>();
  const note = (format: MigrationFormat, why: string) => {
    if (!evidence.has(format)) evidence.set(format, why);
  };

  if (files.some((entry) => entry.name === "migration_lock.toml")) {
    note("prisma", "migration_lock.toml");
  }
  for (const folder of top.filter((entry) => entry.type === "folder")) {
    if (evidence.has("prisma")) break;
    const inside = await listFolder(folder.path).catch(() => []);
    if (inside.some((entry) => entry.name === "migration.sql" && entry.type === "file")) {
      note("prisma", `${folder.name}/migration.sql`);
    }
  }
  const flyway = (await listTree(dir)).find((file) => {
    const type = classifyFlywayName(file.name).type;
    return type === "versioned" || type === "repeatable" || type === "baseline";
  });
  if (flyway) note("flyway", flyway.relative);
  for (const entry of files) {
    if (/^\d+_.*\.(?:up|down)\.sql$/.test(entry.name)) note("golang-migrate", entry.name);
    else if (/^\d+_.*\.(?:js|cjs|mjs|ts|cts|mts)$/.test(entry.name)) {
      note("node-pg-migrate", entry.name);
    } else if (/^\d+.*\.sql$/.test(entry.name)) {
      const content = await text(entry);
      if (DBMATE_UP.test(content)) note("dbmate", `${entry.name} (-- migrate:up)`);
      if (/^\d+_/.test(entry.name) && NODE_PG_MIGRATE_UP.test(content)) {
        note("node-pg-migrate", `${entry.name} (-- Up Migration)`);
      }
    }
  }

  if (evidence.size > 1) {
    const found = [...evidence].map(([format, why]) => `${format} (${why})`).join(", ");
    throw new MigrationSourceError(
      dir,
      `cannot tell which migration tool ${dir} belongs to: it holds files of ${found}; name the format with --format`,
    );
  }
  const [format] = evidence.keys();
  if (format) return format;
  if (files.some((entry) => entry.name.endsWith(".sql"))) return "sql";
  // A project folder given for its migrations folder (Prisma's prisma/ beside migrations/).
  const inner = top.find(
    (entry) => entry.type === "folder" && /^(db_)?migrations?$/i.test(entry.name),
  );
  const hint = inner ? `; did you mean --migrations ${join(dir, inner.name)}?` : "";
  throw new MigrationSourceError(
    dir,
    `no migrations found in ${dir} (looked for ${LOOKED_FOR})${hint}`,
  );
}

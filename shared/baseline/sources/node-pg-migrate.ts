import { MigrationSourceError } from "../errors.ts";
import {
  checkUniqueVersions,
  listFolder,
  logIgnored,
  noMigrations,
  readMigrationFile,
} from "./files.ts";
import type { Migration, MigrationSource, ReadOptions } from "./source.ts";
import { versionTimestamp } from "./timestamps.ts";

/**
 * node-pg-migrate, SQL migrations: `<timestamp>_<name>.sql` at the top of the folder (files
 * starting with `.` are skipped, as node-pg-migrate's default ignore pattern does), ordered by
 * the numeric prefix (13 digits: epoch milliseconds; 17 digits: `YYYYMMDDhhmmssSSS` UTC) then
 * by name. A migration is known by its file name without the extension (`pgmigrations.name`).
 * The up SQL runs from the `-- Up Migration` marker to the `-- Down Migration` marker (the
 * whole file when there is no up marker), in a transaction. JavaScript or TypeScript migrations
 * are code: pgdrift cannot apply them without running it, and refuses the folder.
 */

const NAME = /^(\d+)_(.*)\.sql$/;
const CODE = /\.(?:js|cjs|mjs|ts|cts|mts)$/;
const NAMING = "<timestamp>_<name>.sql";

/** node-pg-migrate's sqlMigration.ts markers. */
const UP = /^\s*--[\s-]*up\s+migration/im;
const DOWN = /^\s*--[\s-]*down\s+migration/im;

/** The up SQL of a node-pg-migrate SQL file, as its `getActions` cuts it. */
export function nodePgMigrateUp(text: string): {
  readonly sql: string;
  readonly downIncluded: boolean;
} {
  const up = text.search(UP);
  const down = text.search(DOWN);
  if (up < 0) return { sql: text, downIncluded: down >= 0 };
  const end = down < up ? text.length : down;
  // what precedes the marker is not applied; its line breaks stay, so lines keep their numbers
  const blank = text.slice(0, up).replace(/[^\n]/g, "");
  return { sql: blank + text.slice(up, end), downIncluded: false };
}

/** node-pg-migrate's `getNumericPrefix`: the prefix as a number of milliseconds. */
function orderKey(prefix: string): number {
  const timestamp = versionTimestamp(prefix, { epochMillis: true });
  if (prefix.length === 17 && timestamp !== null) return Date.parse(timestamp);
  return Number(prefix);
}

function compareNames(a: string, b: string): number {
  return a.localeCompare(b, undefined, {
    usage: "sort",
    numeric: true,
    sensitivity: "variant",
    ignorePunctuation: true,
  });
}

export const nodePgMigrateSource: MigrationSource = {
  format: "node-pg-migrate",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const entries = (await listFolder(dir)).filter((entry) => !entry.name.startsWith("."));
    const code = entries.find((entry) => entry.type === "file" && CODE.test(entry.name));
    if (code) {
      throw new MigrationSourceError(
        code.path,
        `migration ${code.name} is JavaScript/TypeScript: pgdrift applies SQL and cannot run it; write it as a SQL migration (node-pg-migrate create --migration-file-language sql) or build the baseline from a folder of SQL files`,
      );
    }
    const files: { name: string; path: string; prefix: string; description: string }[] = [];
    const ignored: string[] = [];
    for (const entry of entries) {
      const match = entry.type === "file" ? NAME.exec(entry.name) : null;
      if (match)
        files.push({
          name: entry.name,
          path: entry.path,
          prefix: match[1] ?? "",
          description: match[2] ?? "",
        });
      else if (entry.type === "file" && entry.name.endsWith(".sql")) {
        throw new MigrationSourceError(
          entry.path,
          `invalid node-pg-migrate migration name ${entry.name}: expected ${NAMING} (node-pg-migrate orders migrations by that number)`,
        );
      } else ignored.push(entry.type === "folder" ? `${entry.name}/` : entry.name);
    }
    logIgnored(options, dir, ignored, `not a ${NAMING} file`);
    if (files.length === 0) throw noMigrations(dir, NAMING);
    files.sort((a, b) => orderKey(a.prefix) - orderKey(b.prefix) || compareNames(a.name, b.name));
    const named = files.map((file) => ({
      file: file.name,
      version: file.name.slice(0, -".sql".length),
    }));
    checkUniqueVersions(dir, named);

    const migrations: Migration[] = [];
    for (const file of files) {
      const { checksum, sql } = await readMigrationFile(file.path);
      const up = nodePgMigrateUp(sql);
      if (up.downIncluded) {
        options.log?.(
          `${file.name} has a -- Down Migration marker but no -- Up Migration marker: node-pg-migrate applies the whole file, down section included, and so does pgdrift`,
        );
      }
      migrations.push({
        file: file.name,
        kind: "versioned",
        version: file.name.slice(0, -".sql".length),
        description: file.description,
        checksum,
        toolChecksum: null,
        timestamp: versionTimestamp(file.prefix, { epochMillis: true }),
        sql: up.sql,
      });
    }
    return migrations;
  },
};

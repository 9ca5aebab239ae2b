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
 * golang-migrate: `<version>_<name>.up.sql` at the top of the folder (its file source does not
 * descend into sub-folders), the version an unsigned 64-bit integer, applied in numeric order;
 * `.down.sql` files are ignored. Its `schema_migrations` table stores the version as a bigint
 * and no checksum. A file each migration: golang-migrate sends it as one query, in no
 * transaction of its own (the server runs a multi-statement query as one implicit
 * transaction), which is what applying it in a transaction reproduces.
 */

/** golang-migrate's source/parse.go: `^([0-9]+)_(.*)\.(down|up)\.(.*)$`. */
const NAME = /^(\d+)_(.*)\.(down|up)\.sql$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const NAMING = "<version>_<name>.up.sql, the version an unsigned integer";

export const golangMigrateSource: MigrationSource = {
  format: "golang-migrate",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const entries = await listFolder(dir);
    const ups: { name: string; path: string; version: bigint; description: string }[] = [];
    const ignored: string[] = [];
    for (const entry of entries) {
      const match = entry.type === "file" ? NAME.exec(entry.name) : null;
      if (!match) {
        if (entry.type === "file" && /^\d+[^.]*\.sql$/.test(entry.name)) {
          throw new MigrationSourceError(
            entry.path,
            `invalid golang-migrate migration name ${entry.name}: expected ${NAMING} (and its .down.sql)`,
          );
        }
        ignored.push(entry.type === "folder" ? `${entry.name}/` : entry.name);
        continue;
      }
      const [, digits = "", description = "", direction] = match;
      const version = BigInt(digits);
      if (version > MAX_UINT64) {
        throw new MigrationSourceError(
          entry.path,
          `invalid golang-migrate migration name ${entry.name}: version ${digits} does not fit an unsigned 64-bit integer`,
        );
      }
      if (direction === "up")
        ups.push({ name: entry.name, path: entry.path, version, description });
    }
    logIgnored(options, dir, ignored, `not a ${NAMING} file`);
    if (ups.length === 0) throw noMigrations(dir, NAMING);
    ups.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    checkUniqueVersions(
      dir,
      ups.map((up) => ({ file: up.name, version: String(up.version) })),
    );

    const migrations: Migration[] = [];
    for (const up of ups) {
      const { checksum, sql } = await readMigrationFile(up.path);
      const version = String(up.version);
      migrations.push({
        file: up.name,
        kind: "versioned",
        version,
        description: up.description,
        checksum,
        toolChecksum: null,
        timestamp: versionTimestamp(version),
        sql,
      });
    }
    return migrations;
  },
};

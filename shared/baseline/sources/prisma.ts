import { createHash } from "node:crypto";
import { MigrationSourceError } from "../errors.ts";
import { compareBytes, listFolder, logIgnored, noMigrations, readMigrationFile } from "./files.ts";
import type { Migration, MigrationSource, ReadOptions } from "./source.ts";
import { versionTimestamp } from "./timestamps.ts";

/**
 * Prisma Migrate: the `prisma/migrations` folder holds one folder per migration,
 * `<timestamp>_<name>/migration.sql`, applied in folder-name order; `migration_lock.toml` is
 * ignored. The migration is known by its folder name (`_prisma_migrations.migration_name`).
 *
 * The checksum Prisma stores is the sha256 of the script as read (lowercase hex): bytes as they
 * are, CRLF, byte order mark and trailing spaces included — Prisma does not normalize when it
 * writes it, only when it compares (see `prismaChecksumMatches`).
 */

const NAMING = "<timestamp>_<name>/migration.sql folders";
const SCRIPT = "migration.sql";

/**
 * Whether a stored checksum matches a script as Prisma decides it (prisma-engines
 * `script_matches_checksum`): the script as is, with CRLF turned into LF, or with LF turned
 * into CRLF; old rows may hold hex without zero padding (prisma-engines issue 1887).
 * `script` is the file's text, byte order mark included.
 */
export function prismaChecksumMatches(script: string, stored: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant, "utf8").digest();
    const hex =
      stored.length !== 0 && stored.length !== 64
        ? [...digest].map((byte) => byte.toString(16)).join("")
        : digest.toString("hex");
    return hex === stored;
  });
}

export const prismaSource: MigrationSource = {
  format: "prisma",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const entries = await listFolder(dir);
    const folders = entries
      .filter((entry) => entry.type === "folder" && !entry.name.startsWith("."))
      .sort((a, b) => compareBytes(a.name, b.name));
    logIgnored(
      options,
      dir,
      entries
        .filter((entry) => !folders.includes(entry) && entry.name !== "migration_lock.toml")
        .map((entry) => entry.name),
      `not a migration folder`,
    );
    if (folders.length === 0) throw noMigrations(dir, NAMING);

    const migrations: Migration[] = [];
    for (const folder of folders) {
      const inside = await listFolder(folder.path);
      const script = inside.find((entry) => entry.name === SCRIPT);
      if (script?.type !== "file") {
        throw new MigrationSourceError(
          folder.path,
          `Prisma migration folder ${folder.name} has no ${SCRIPT}: every folder in ${dir} is a migration (${NAMING})`,
        );
      }
      const { checksum, sql } = await readMigrationFile(script.path);
      const bytesHex = checksum.slice("sha256:".length);
      const prefix = /^(\d+)_/.exec(folder.name)?.[1];
      migrations.push({
        file: `${folder.name}/${SCRIPT}`,
        kind: "versioned",
        version: folder.name,
        description: folder.name.replace(/^\d+_/, ""),
        checksum,
        // the script Prisma hashes is the file's text; for UTF-8 files, its bytes
        toolChecksum: bytesHex,
        timestamp: prefix === undefined ? null : versionTimestamp(prefix),
        sql,
      });
    }
    return migrations;
  },
};

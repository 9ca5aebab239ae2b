import { MigrationSourceError } from "../errors.ts";
import {
  checkUniqueVersions,
  compareBytes,
  lineAt,
  listFolder,
  logIgnored,
  noMigrations,
  readMigrationFile,
} from "./files.ts";
import type { Migration, MigrationSource, ReadOptions } from "./source.ts";
import { versionTimestamp } from "./timestamps.ts";

/**
 * dbmate: `<version>_<name>.sql` at the top of the folder (`^(\d+).*\.sql$`, the version its
 * leading digits, kept as written: dbmate stores it as text), in file-name order. Each file has
 * a `-- migrate:up` section and usually a `-- migrate:down` one; only the up section is
 * applied, in a transaction unless its directive says `transaction:false`. dbmate stores no
 * checksum.
 */

const NAME = /^(\d+)(.*)\.sql$/;
const NAMING = "<version>_<name>.sql with a -- migrate:up section";

/** dbmate's pkg/dbmate/migration.go directives. */
const UP = /^--\s*migrate:up(\s*$|\s+\S+.*$)/m;
const DOWN = /^--\s*migrate:down(\s*$|\s+\S+.*$)/m;

export interface DbmateSections {
  /** The text applied: the file up to the down directive (only comments precede the up one). */
  readonly up: string;
  readonly transaction: boolean;
}

/** Splits a dbmate file as dbmate does; throws naming the file and line. */
export function dbmateSections(text: string, path: string, file: string): DbmateSections {
  const up = UP.exec(text);
  if (!up) {
    throw new MigrationSourceError(
      path,
      `migration ${file}: no -- migrate:up section (dbmate requires each migration to define an up block with '-- migrate:up')`,
    );
  }
  const down = DOWN.exec(text);
  if (down && down.index < up.index) {
    throw new MigrationSourceError(
      path,
      `migration ${file} line ${lineAt(text, down.index)}: -- migrate:down comes before -- migrate:up (dbmate requires '-- migrate:up' to appear before '-- migrate:down')`,
    );
  }
  const before = text.slice(0, up.index).split("\n");
  const statementLine = before.findIndex((line) => !/^\s*$/.test(line) && !/^\s*--/.test(line));
  if (statementLine !== -1) {
    throw new MigrationSourceError(
      path,
      `migration ${file} line ${statementLine + 1}: SQL before -- migrate:up (dbmate does not support statements preceding the '-- migrate:up' block)`,
    );
  }
  const end = down ? down.index : text.length;
  const body = text.slice(up.index + up[0].length, end);
  const hasSql = body.split("\n").some((line) => !/^\s*$/.test(line) && !/^\s*--/.test(line));
  if (!hasSql) {
    throw new MigrationSourceError(
      path,
      `migration ${file} line ${lineAt(text, up.index)}: the -- migrate:up section is empty: dbmate would apply nothing and still record the version`,
    );
  }
  const options = new Map(
    (up[1] ?? "")
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split(":"))
      .filter((pair): pair is [string, string] => pair.length === 2),
  );
  return { up: text.slice(0, end), transaction: options.get("transaction") !== "false" };
}

export const dbmateSource: MigrationSource = {
  format: "dbmate",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const entries = await listFolder(dir);
    const files = entries
      .filter((entry) => entry.type === "file" && NAME.test(entry.name))
      .sort((a, b) => compareBytes(a.name, b.name));
    logIgnored(
      options,
      dir,
      entries
        .filter((entry) => !files.includes(entry))
        .map((entry) => (entry.type === "folder" ? `${entry.name}/` : entry.name)),
      `not a ${NAMING} file`,
    );
    if (files.length === 0) throw noMigrations(dir, NAMING);
    checkUniqueVersions(
      dir,
      files.map((entry) => ({ file: entry.name, version: NAME.exec(entry.name)?.[1] ?? "" })),
    );

    const migrations: Migration[] = [];
    for (const entry of files) {
      const [, version = "", rest = ""] = NAME.exec(entry.name) ?? [];
      const { checksum, sql } = await readMigrationFile(entry.path);
      const sections = dbmateSections(sql, entry.path, entry.name);
      migrations.push({
        file: entry.name,
        kind: "versioned",
        version,
        description: rest.replace(/^_/, ""),
        checksum,
        toolChecksum: null,
        timestamp: versionTimestamp(version),
        sql: sections.up,
        ...(sections.transaction ? {} : { transaction: false }),
      });
    }
    return migrations;
  },
};

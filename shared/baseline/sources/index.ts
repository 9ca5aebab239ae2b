import { MigrationSourceError } from "../errors.ts";
import { plainSqlSource } from "./plain-sql.ts";
import {
  MIGRATION_FORMATS,
  type MigrationFormat,
  type MigrationFormatOption,
  type MigrationSet,
  type MigrationSource,
  type ReadOptions,
} from "./source.ts";

export type {
  Migration,
  MigrationFormat,
  MigrationFormatOption,
  MigrationSet,
  MigrationSource,
  ReadOptions,
} from "./source.ts";
export { MIGRATION_FORMATS } from "./source.ts";

const SOURCES: Partial<Record<MigrationFormat, MigrationSource>> = {
  sql: plainSqlSource,
};

/** Formats that can be read today (plus `auto`). */
export function supportedFormats(): MigrationFormat[] {
  return MIGRATION_FORMATS.filter((format) => SOURCES[format] !== undefined);
}

export function isMigrationFormatOption(value: string): value is MigrationFormatOption {
  return value === "auto" || (MIGRATION_FORMATS as readonly string[]).includes(value);
}

/** `auto` recognises the folder's layout; with only plain SQL supported, it means `sql`. */
function resolveFormat(format: MigrationFormatOption): MigrationFormat {
  return format === "auto" ? "sql" : format;
}

/** Reads a migrations folder as `format` (default `auto`): the files in apply order. */
export async function readMigrations(
  dir: string,
  format: MigrationFormatOption = "auto",
  options: ReadOptions = {},
): Promise<MigrationSet> {
  if (!isMigrationFormatOption(format)) {
    throw new MigrationSourceError(
      dir,
      `unknown migration format "${format}": use one of auto, ${MIGRATION_FORMATS.join(", ")}`,
    );
  }
  const resolved = resolveFormat(format);
  const source = SOURCES[resolved];
  if (!source) {
    throw new MigrationSourceError(
      dir,
      `migration format "${resolved}" is not supported yet (supported: auto, ${supportedFormats().join(", ")}); read ${dir} as plain SQL with --format sql if its files can be applied in file-name order`,
    );
  }
  const migrations = await source.read(dir, options);
  return { dir, format: resolved, migrations };
}

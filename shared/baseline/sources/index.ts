import { MigrationSourceError } from "../errors.ts";
import { dbmateSource } from "./dbmate.ts";
import { detectFormat } from "./detect.ts";
import { flywaySource } from "./flyway.ts";
import { golangMigrateSource } from "./golang-migrate.ts";
import { nodePgMigrateSource } from "./node-pg-migrate.ts";
import { plainSqlSource } from "./plain-sql.ts";
import { prismaSource } from "./prisma.ts";
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
  MigrationScript,
  MigrationSet,
  MigrationSource,
  ReadOptions,
  SessionSetup,
} from "./source.ts";
export { MIGRATION_FORMATS } from "./source.ts";

const SOURCES: Record<MigrationFormat, MigrationSource> = {
  sql: plainSqlSource,
  flyway: flywaySource,
  "golang-migrate": golangMigrateSource,
  dbmate: dbmateSource,
  prisma: prismaSource,
  "node-pg-migrate": nodePgMigrateSource,
};

export function isMigrationFormatOption(value: string): value is MigrationFormatOption {
  return value === "auto" || (MIGRATION_FORMATS as readonly string[]).includes(value);
}

/** Reads a migrations folder as `format` (default `auto`): the migrations in apply order. */
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
  const resolved = format === "auto" ? await detectFormat(dir) : format;
  if (format === "auto") options.log?.(`recognised ${dir} as ${resolved} migrations`);
  const source = SOURCES[resolved];
  if (source.readFolder) {
    const { migrations, setup } = await source.readFolder(dir, options);
    return { dir, format: resolved, migrations, ...(setup ? { setup } : {}) };
  }
  const migrations = await source.read(dir, options);
  return { dir, format: resolved, migrations };
}

import type { MigrationRecord } from "../../snapshot/model.ts";

/** Folder layouts pgdrift knows by name; only `sql` can be read so far. */
export const MIGRATION_FORMATS = [
  "sql",
  "flyway",
  "golang-migrate",
  "dbmate",
  "prisma",
  "node-pg-migrate",
] as const;

export type MigrationFormat = (typeof MIGRATION_FORMATS)[number];

/** What `--format` accepts: a format, or `auto` to recognise the folder. */
export type MigrationFormatOption = MigrationFormat | "auto";

/** One migration file, read and ready to apply. */
export interface Migration extends MigrationRecord {
  /** The file's text (UTF-8, byte order mark removed), exactly as it is sent to the server. */
  readonly sql: string;
}

export interface ReadOptions {
  /** Progress and notes (ignored files, …). */
  readonly log?: (message: string) => void;
}

/**
 * A reader for one folder layout. It lists and orders the migrations the way the tool that
 * owns the format applies them; it never interprets the SQL.
 */
export interface MigrationSource {
  readonly format: MigrationFormat;
  /** The migrations of `dir` in apply order; throws `MigrationSourceError` naming the path. */
  read(dir: string, options?: ReadOptions): Promise<Migration[]>;
}

/** A folder read as one format. */
export interface MigrationSet {
  readonly dir: string;
  readonly format: MigrationFormat;
  readonly migrations: readonly Migration[];
}

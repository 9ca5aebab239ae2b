import type { MigrationRecord } from "../../snapshot/model.ts";

/** Folder layouts pgdrift knows by name. */
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

/** A script the tool runs around a migration (a Flyway SQL callback), applied like a migration. */
export interface MigrationScript {
  /** Path relative to the migrations folder, with `/` separators. */
  readonly file: string;
  /** The text sent to the server (placeholders replaced, byte order mark removed). */
  readonly sql: string;
  /** False when the tool runs it outside a transaction; absent means in one. */
  readonly transaction?: boolean;
}

/**
 * One migration, read and ready to apply. `file`, `version` and `checksum` (ours: `sha256:` of
 * the bytes on disk) are what the snapshot records; the rest is what the tool itself knows.
 */
export interface Migration extends MigrationRecord, MigrationScript {
  /** `versioned` for most; `repeatable` for Flyway `R__` files (known by description). */
  readonly kind: "versioned" | "repeatable";
  /** The description or name the tool shows (Flyway: underscores read as spaces). */
  readonly description: string;
  /**
   * The checksum the tool stores in its history table, or null when it stores none:
   * Flyway: signed 32-bit CRC32 (a number); Prisma: sha256 hex (a string).
   */
  readonly toolChecksum: number | string | null;
  /** When the version is a timestamp (`YYYYMMDDhhmmss`, …): that instant, ISO 8601 UTC. */
  readonly timestamp: string | null;
  /** Scripts the tool runs just before this migration (Flyway callbacks), in order. */
  readonly before?: readonly MigrationScript[];
  /** Scripts the tool runs just after it, in order. */
  readonly after?: readonly MigrationScript[];
  /**
   * Recorded in the baseline, not applied by the build: a Flyway versioned migration at or below
   * the latest baseline migration's (`B…`) version. `flyway migrate` starts a fresh database from
   * the baseline migration; databases migrated before it existed have these in their history.
   */
  readonly recordOnly?: true;
}

export interface ReadOptions {
  /** Progress and notes (ignored files, …). */
  readonly log?: (message: string) => void;
  /**
   * Flyway placeholders, by name without `${` `}`: the user's (`flyway.placeholders.*`), and
   * values for Flyway's own that pgdrift cannot know (`flyway:user`, `flyway:database`) or that
   * differ from the defaults (`flyway:defaultSchema` = Flyway's default schema, else public;
   * `flyway:table` = flyway_schema_history, `flyway:workingDirectory` = the current directory).
   * A given `flyway:defaultSchema` is also the default schema (see `SessionSetup`).
   */
  readonly placeholders?: Readonly<Record<string, string>>;
  /** Flyway's `placeholderReplacement`; default true. */
  readonly placeholderReplacement?: boolean;
  /** The clock for `${flyway:timestamp}`; default now. */
  readonly now?: Date;
  /**
   * Flyway: the configuration file to read (`flyway.conf` or `flyway.toml`); absent: the one in
   * the migrations folder or the nearest folder above it, up to the repository's root.
   */
  readonly flywayConfig?: string;
}

/**
 * What the tool does to the session before migrating (Flyway: `createSchemas`, `defaultSchema`).
 */
export interface SessionSetup {
  /** Schemas the tool creates first when they do not exist, in order. */
  readonly createSchemas: readonly string[];
  /**
   * The schema the tool puts first in `search_path` before each migration (the server's
   * `search_path` following it), or null to leave `search_path` alone.
   */
  readonly defaultSchema: string | null;
  /** Where the settings come from, for the log: `flyway.conf`'s path, `--placeholder …`. */
  readonly from: string;
}

/**
 * A reader for one folder layout. It lists and orders the migrations the way the tool that
 * owns the format applies them; it never interprets the SQL beyond the tool's own markers.
 */
export interface MigrationSource {
  readonly format: MigrationFormat;
  /** The migrations of `dir` in apply order; throws `MigrationSourceError` naming the path. */
  read(dir: string, options?: ReadOptions): Promise<Migration[]>;
  /** The migrations and the session setup, for a tool that prepares the session (Flyway). */
  readFolder?(
    dir: string,
    options?: ReadOptions,
  ): Promise<{ migrations: Migration[]; setup: SessionSetup | null }>;
}

/** A folder read as one format. */
export interface MigrationSet {
  readonly dir: string;
  readonly format: MigrationFormat;
  readonly migrations: readonly Migration[];
  /** What the tool does to the session before migrating; absent: nothing. */
  readonly setup?: SessionSetup;
}

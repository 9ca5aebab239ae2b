import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Queryable } from "../introspect/queryable.ts";
import { applyScript } from "./apply.ts";
import { MigrationError, MigrationSourceError } from "./errors.ts";
import { checkMigrations } from "./plan.ts";
import { splitSql } from "./sql-split.ts";

/**
 * Setup files (`baseline build --setup FILE`, `migrations.setup` in the config): SQL that
 * stands for what the platform provides before any migration runs — roles, schemas, tables
 * (`auth.users`), functions (`auth.uid()`), extensions in a schema — run on the scratch
 * database after it is created and before the first migration.
 *
 * - Each file is applied like a migration file (its own transaction; statement by statement
 *   when it needs to be, e.g. `CREATE INDEX CONCURRENTLY`; missing roles created NOLOGIN).
 * - What it creates is part of the baseline's schema (the environments have those objects too),
 *   but the file is not a migration: it is not in `source.migrations` and never compared with
 *   a history table.
 * - Roles it creates are dropped with the scratch database on a `--scratch-url` server, as
 *   roles created for migrations are (only roles whose names the file's text holds, so a role
 *   another session created meanwhile is left alone).
 */

export interface SetupFile {
  /** The path as given: the name in messages. */
  readonly file: string;
  readonly sql: string;
  /** `sha256:` + hex digest of the file's bytes. */
  readonly checksum: string;
  /** Statements in the file, as the migration splitter counts them. */
  readonly statements: number;
}

const SETUP_HINT =
  "hint: this is a setup file (--setup, or migrations.setup in the config), run before the migrations, not a migration";

function reasonOf(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a folder, not a SQL file";
  return cause instanceof Error ? cause.message : String(cause);
}

/** A migration's error told as the setup file's, ending with the hint that it is one. */
function setupError(error: unknown, file: string): unknown {
  if (!(error instanceof MigrationError)) return error;
  const prefix = `migration ${file}`;
  const body = error.message.startsWith(prefix)
    ? `setup file ${file}${error.message.slice(prefix.length)}`
    : `setup file ${file}: ${error.message}`;
  return new MigrationError(file, `${body} — ${SETUP_HINT}`, {
    ...(error.line === undefined ? {} : { line: error.line }),
    ...(error.sqlstate === undefined ? {} : { sqlstate: error.sqlstate }),
    cause: error.cause ?? error,
  });
}

/**
 * Reads the setup files, in order, before any database is started: a file that cannot be
 * read, or holds a psql meta-command, is one error naming it. `origin` says where the list
 * came from (`--setup`, `migrations.setup in pgdrift.config.json`).
 */
export async function readSetupFiles(
  paths: readonly string[],
  origin = "--setup",
): Promise<SetupFile[]> {
  const files: SetupFile[] = [];
  for (const file of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      throw new MigrationSourceError(
        file,
        `cannot read setup file ${file} (${origin}): ${reasonOf(cause)}`,
        { cause },
      );
    }
    const sql = bytes.toString("utf8");
    try {
      checkMigrations([{ file, sql }]);
    } catch (error) {
      throw setupError(error, file);
    }
    files.push({
      file,
      sql,
      checksum: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
      statements: splitSql(sql).statements.length,
    });
  }
  return files;
}

async function roleNames(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query("SELECT rolname FROM pg_catalog.pg_roles");
  return new Set(rows.map((row) => String((row as { rolname: unknown }).rolname)));
}

export interface RunSetupOptions {
  readonly log?: (message: string) => void;
  /** Called with each role the setup created, so the scratch database's disposal drops it. */
  readonly adoptRole?: (role: string) => void;
}

/**
 * Runs the setup files in order, each as a migration file is applied. Throws `MigrationError`
 * naming the setup file, line and SQLSTATE, with a hint that it is the setup file.
 */
export async function runSetupFiles(
  db: Queryable,
  files: readonly SetupFile[],
  options: RunSetupOptions = {},
): Promise<void> {
  const log = options.log ?? (() => undefined);
  const adopt = options.adoptRole ?? (() => undefined);
  for (const setup of files) {
    const before = await roleNames(db);
    try {
      await applyScript(db, { file: setup.file, sql: setup.sql }, { log, onRoleCreated: adopt });
    } catch (error) {
      throw setupError(error, setup.file);
    } finally {
      const after = await roleNames(db).catch(() => new Set<string>());
      const text = setup.sql.toLowerCase();
      for (const role of after) {
        if (!before.has(role) && text.includes(role.toLowerCase())) adopt(role);
      }
    }
    const count = `${setup.statements} statement${setup.statements === 1 ? "" : "s"}`;
    log(`ran setup file ${setup.file} (${count}) before the migrations`);
  }
}

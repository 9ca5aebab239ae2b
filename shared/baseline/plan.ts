import { MigrationError } from "./errors.ts";
import { type SqlStatement, splitSql } from "./sql-split.ts";

/**
 * What a migration script will be, decided before any database starts: its statements, whether
 * it manages its own transactions, and what can never apply (psql meta-commands, another
 * database). See apply.ts for how a plan is run.
 */

/** A script to run: a migration, or one its tool runs around it. */
export interface SqlScript {
  /** The name in messages: the path relative to the migrations folder. */
  readonly file: string;
  readonly sql: string;
  /**
   * False when the tool runs the script outside a transaction (dbmate `transaction:false`,
   * Flyway `executeInTransaction=false`): it is applied statement by statement, as `psql -f`.
   */
  readonly transaction?: boolean;
}

/** What `applyMigrations` needs of a migration. */
export interface SqlMigration extends SqlScript {
  /** Scripts the tool runs just before it (Flyway callbacks), in order. */
  readonly before?: readonly SqlScript[];
  /** Scripts the tool runs just after it, in order. */
  readonly after?: readonly SqlScript[];
}

export interface Plan {
  readonly file: string;
  readonly sql: string;
  readonly statements: readonly SqlStatement[];
  /** The file begins or ends transactions itself. */
  readonly ownTransactions: boolean;
  /** The tool runs it outside a transaction. */
  readonly noTransaction: boolean;
}

export interface MigrationPlan {
  readonly before: readonly Plan[];
  readonly main: Plan;
  readonly after: readonly Plan[];
}

/** `begin` / `end` when the statement starts or ends the session's transaction, else null. */
export function transactionEffect(words: readonly string[]): "begin" | "end" | null {
  const [first, second] = words;
  if (first === "begin" || (first === "start" && second === "transaction")) return "begin";
  if (first === "commit" || first === "end" || first === "abort") {
    return second === "prepared" ? null : "end";
  }
  if (first === "rollback") return second === "to" || second === "prepared" ? null : "end";
  if (first === "prepare" && second === "transaction") return "end";
  return null;
}

function metaCommandHelp(command: string): string {
  if (command === "\\.") {
    return "COPY … FROM stdin data is a psql feature; load the rows with INSERT statements";
  }
  return "pgdrift sends SQL to the server, it is not psql; do what the command does in SQL or remove it";
}

/**
 * pg_dump 17.6, 16.10, 15.14 and later frame a plain dump with `\restrict KEY` and
 * `\unrestrict KEY`, which only stop psql from running other meta-commands from the dump:
 * nothing to do for a script sent as SQL.
 */
const DUMP_FRAME = new Set(["\\restrict", "\\unrestrict"]);

export function plan(migration: SqlScript): Plan {
  const { statements, metaCommands } = splitSql(migration.sql);
  const meta = metaCommands.find((m) => !DUMP_FRAME.has(m.command));
  if (meta) {
    throw new MigrationError(
      migration.file,
      `migration ${migration.file} line ${meta.line}: psql meta-command ${meta.command} is not supported: ${metaCommandHelp(meta.command)}`,
      { line: meta.line },
    );
  }
  const database = statements.find(
    (s) => (s.words[0] === "create" || s.words[0] === "drop") && s.words[1] === "database",
  );
  if (database) {
    throw new MigrationError(
      migration.file,
      `migration ${migration.file} line ${database.line}: ${database.words[0]?.toUpperCase()} DATABASE is not applied: the baseline is the schema built in one scratch database, and another database would be neither read nor removed; remove the statement from the migrations`,
      { line: database.line },
    );
  }
  // The dump's frame lines become comments in what is sent (same lines, so errors keep theirs).
  let sql = migration.sql;
  for (const frame of metaCommands.filter((m) => DUMP_FRAME.has(m.command)).reverse()) {
    sql = `${sql.slice(0, frame.offset)}-- ${sql.slice(frame.offset)}`;
  }
  return {
    file: migration.file,
    sql,
    statements,
    ownTransactions: statements.some((statement) => transactionEffect(statement.words) !== null),
    noTransaction: migration.transaction === false,
  };
}

export function planMigration(migration: SqlMigration): MigrationPlan {
  return {
    before: (migration.before ?? []).map(plan),
    main: plan(migration),
    after: (migration.after ?? []).map(plan),
  };
}

/**
 * Refuses, before any database is started, what can never apply: psql meta-commands.
 * Throws the `MigrationError` of the first offending file.
 */
export function checkMigrations(migrations: readonly SqlMigration[]): void {
  for (const migration of migrations) planMigration(migration);
}

import { type ServerErrorFields, serverErrorFields } from "../introspect/errors.ts";
import type { Queryable } from "../introspect/queryable.ts";
import { EngineError, MigrationError } from "./errors.ts";
import {
  type Plan,
  plan,
  planMigration,
  type SqlMigration,
  type SqlScript,
  transactionEffect,
} from "./plan.ts";
import { displayIdent, type SearchPathSetting } from "./session.ts";
import { quoteIdent } from "./sql-quote.ts";
import { lineAtPosition, type SqlStatement } from "./sql-split.ts";

/**
 * Applies migration files to a scratch database the way a careful operator would with psql:
 *
 * - each file in its own transaction: `BEGIN`, the file's text as one simple-protocol query,
 *   `COMMIT`; the server parses the file, so a statement is never mangled by a client split;
 * - a file holding a statement that cannot run in a transaction block (`CREATE INDEX
 *   CONCURRENTLY`, `VACUUM`, …), or one that uses an enum value it just added, is rolled back
 *   and run statement by statement without a transaction, as `psql -f` (without `-1`) does;
 * - a file with its own `BEGIN` / `COMMIT` runs statement by statement from the start, so its
 *   transactions are the ones it asks for;
 * - a file its tool runs outside a transaction (`transaction: false`: dbmate
 *   `transaction:false`, Flyway `executeInTransaction=false`) runs statement by statement too;
 * - scripts the tool runs around a migration (`before` / `after`: Flyway callbacks) run just
 *   before and after it, each applied like a file;
 * - a role the migrations name but nobody created (`GRANT … TO app_reader`) is created
 *   `NOLOGIN` and the work retried: environments have their roles, a scratch database does not.
 */

export interface ApplyOptions {
  readonly log?: (message: string) => void;
  /**
   * Called as soon as a missing role has been created, before anything else can fail, so the
   * caller can drop it afterwards (roles belong to the server, not to the scratch database).
   */
  readonly onRoleCreated?: (role: string) => void;
  /** At most this many missing roles are created; default 100. */
  readonly maxCreatedRoles?: number;
  /**
   * Set before each migration (before its callbacks), once `schema` exists: the tool's default
   * schema first in `search_path` (Flyway `defaultSchema`; see session.ts).
   */
  readonly searchPath?: SearchPathSetting;
  /** Schemas the tool created before the migrations, so an error creating one again can say so. */
  readonly createdSchemas?: readonly string[];
}

export interface ApplyResult {
  readonly applied: number;
  /** Roles created because a migration named them, in creation order. */
  readonly createdRoles: readonly string[];
}

interface Context {
  readonly log: (message: string) => void;
  readonly onRoleCreated: (role: string) => void;
  readonly maxCreatedRoles: number;
  readonly createdRoles: string[];
  /** Every role a retry was made for, so a role that stays missing cannot loop. */
  readonly attemptedRoles: Set<string>;
}

const DEFAULT_MAX_CREATED_ROLES = 100;

/** SQLSTATEs after which a file is re-run statement by statement, outside a transaction. */
const NEEDS_NO_TRANSACTION = new Set([
  "25001" /* active_sql_transaction: cannot run inside a transaction block */,
  "55P04" /* unsafe_new_enum_value_usage: ADD VALUE must commit before the value is used */,
]);

const NO_TRANSACTION_MESSAGE =
  /cannot run inside a transaction block|cannot be executed within a pipeline/;

const MISSING_ROLE = /^role "(.*)" does not exist$/s;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** `42P01 relation "users" does not exist — DETAIL: … — HINT: …` */
function describeServerError(fields: ServerErrorFields): string {
  let text = fields.code ? `${fields.code} ${oneLine(fields.message)}` : oneLine(fields.message);
  if (fields.detail) text += ` — DETAIL: ${oneLine(fields.detail)}`;
  if (fields.hint) text += ` — HINT: ${oneLine(fields.hint)}`;
  return text;
}

function migrationError(
  file: string,
  line: number | undefined,
  fields: ServerErrorFields,
  cause: unknown,
  note?: string,
): MigrationError {
  const where = line === undefined ? `migration ${file}` : `migration ${file} line ${line}`;
  const text = `${where}: ${describeServerError(fields)}${note ? ` — ${note}` : ""}`;
  return new MigrationError(file, text, {
    ...(line === undefined ? {} : { line }),
    ...(fields.code ? { sqlstate: fields.code } : {}),
    cause,
  });
}

/** The session ended under us: operator intervention (57P0x) or a connection exception (08xxx). */
function isSessionLost(fields: ServerErrorFields): boolean {
  return /^(?:57P0|08)/.test(fields.code ?? "");
}

/** The server's error fields; a dropped connection or session is an engine failure. */
function fieldsOf(error: unknown, file: string): ServerErrorFields {
  const fields = serverErrorFields(error);
  if (fields && !isSessionLost(fields)) return fields;
  const message = error instanceof Error ? error.message : String(error);
  throw new EngineError(
    "scratch_connection_lost",
    `lost the scratch database while applying ${file}: ${oneLine(message)}`,
    { cause: error },
  );
}

function positionOf(fields: ServerErrorFields): number | undefined {
  const position = fields.position === undefined ? Number.NaN : Number(fields.position);
  return Number.isInteger(position) && position > 0 ? position : undefined;
}

/** The line of the file a statement-level error points at. */
function lineInStatement(statement: SqlStatement, fields: ServerErrorFields): number {
  const position = positionOf(fields);
  return position === undefined
    ? statement.line
    : statement.line + lineAtPosition(statement.text, position) - 1;
}

function missingRole(fields: ServerErrorFields): string | undefined {
  if (fields.code !== "42704") return undefined;
  return MISSING_ROLE.exec(fields.message)?.[1];
}

function needsNoTransaction(fields: ServerErrorFields): boolean {
  return (
    (fields.code !== undefined && NEEDS_NO_TRANSACTION.has(fields.code)) ||
    NO_TRANSACTION_MESSAGE.test(fields.message)
  );
}

async function rollback(db: Queryable): Promise<void> {
  await db.query("ROLLBACK").catch(() => undefined);
}

/**
 * Creates a role a migration named. Returns why it could not, or undefined when the role now
 * exists (created here, or by someone else in the meantime).
 */
async function createRole(db: Queryable, role: string, ctx: Context): Promise<string | undefined> {
  if (ctx.attemptedRoles.has(role)) {
    return "the role was created NOLOGIN, and the migration still cannot find it";
  }
  ctx.attemptedRoles.add(role);
  if (ctx.createdRoles.length >= ctx.maxCreatedRoles) {
    return `pgdrift creates missing roles, but stopped after ${ctx.maxCreatedRoles}; create the roles in a first migration`;
  }
  try {
    await db.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
  } catch (error) {
    const fields = serverErrorFields(error);
    if (fields?.code === "42710" /* duplicate_object: created meanwhile */) return undefined;
    const why = fields ? describeServerError(fields) : String(error);
    return `pgdrift could not create the missing role NOLOGIN (${why}); create it on the scratch server or give the user CREATEROLE`;
  }
  ctx.createdRoles.push(role);
  ctx.onRoleCreated(role);
  ctx.log(`created missing role ${quoteIdent(role)} (NOLOGIN)`);
  return undefined;
}

/**
 * Runs the file's statements one query each. Outside the file's own transactions each
 * statement commits by itself, as under `psql -f`.
 */
async function applyStatements(db: Queryable, plan: Plan, ctx: Context): Promise<void> {
  let transactionStart = -1;
  for (let i = 0; i < plan.statements.length; i++) {
    const statement = plan.statements[i] as SqlStatement;
    try {
      await db.query(statement.text);
    } catch (error) {
      const fields = fieldsOf(error, plan.file);
      if (transactionStart >= 0) await rollback(db);
      const line = lineInStatement(statement, fields);
      const role = missingRole(fields);
      if (role === undefined) throw migrationError(plan.file, line, fields, error);
      const problem = await createRole(db, role, ctx);
      if (problem !== undefined) throw migrationError(plan.file, line, fields, error, problem);
      // retry the statement, or the file's transaction it was part of
      i = (transactionStart >= 0 ? transactionStart : i) - 1;
      transactionStart = -1;
    }
    const effect = transactionEffect(statement.words);
    if (effect === "begin") transactionStart = i;
    else if (effect === "end") transactionStart = -1;
  }
}

/**
 * The error of a file that failed as one query, with the line it happened on: from the
 * server's position when it gives one; otherwise the file is replayed statement by statement
 * in a transaction that is rolled back, to find the statement that fails.
 */
async function locateFailure(
  db: Queryable,
  plan: Plan,
  error: unknown,
  fields: ServerErrorFields,
  note?: string,
): Promise<MigrationError> {
  const position = positionOf(fields);
  if (position !== undefined) {
    return migrationError(plan.file, lineAtPosition(plan.sql, position), fields, error, note);
  }
  await db.query("BEGIN");
  try {
    for (const statement of plan.statements) {
      try {
        await db.query(statement.text);
      } catch (replayError) {
        const replayed = fieldsOf(replayError, plan.file);
        if (replayed.code !== fields.code) break;
        return migrationError(
          plan.file,
          lineInStatement(statement, replayed),
          replayed,
          replayError,
          note,
        );
      }
    }
  } finally {
    await rollback(db);
  }
  return migrationError(plan.file, undefined, fields, error, note);
}

async function applyFile(db: Queryable, plan: Plan, ctx: Context): Promise<void> {
  if (plan.statements.length === 0) {
    ctx.log(`${plan.file}: no statements`);
    return;
  }
  if (plan.noTransaction) {
    ctx.log(`${plan.file} runs outside a transaction: applying it statement by statement`);
    await applyStatements(db, plan, ctx);
    return;
  }
  if (plan.ownTransactions) {
    ctx.log(`${plan.file} manages its own transactions: applying it statement by statement`);
    await applyStatements(db, plan, ctx);
    return;
  }
  for (;;) {
    let atCommit = false;
    try {
      await db.query("BEGIN");
      await db.query(plan.sql);
      atCommit = true;
      await db.query("COMMIT");
      return;
    } catch (error) {
      await rollback(db);
      const fields = fieldsOf(error, plan.file);
      if (atCommit) {
        throw migrationError(`${plan.file}`, undefined, fields, error, "raised at COMMIT");
      }
      const role = missingRole(fields);
      if (role !== undefined) {
        const problem = await createRole(db, role, ctx);
        if (problem === undefined) continue;
        throw await locateFailure(db, plan, error, fields, problem);
      }
      if (needsNoTransaction(fields)) {
        ctx.log(
          `${plan.file} cannot run in a transaction (${fields.code ?? "?"} ${oneLine(fields.message)}): applying it statement by statement`,
        );
        await applyStatements(db, plan, ctx);
        return;
      }
      throw await locateFailure(db, plan, error, fields);
    }
  }
}

async function startApplying(db: Queryable, options: ApplyOptions): Promise<Context> {
  // English server messages, so a missing role can be recognised; refused unless superuser
  await db.query("SET lc_messages TO 'C'").catch(() => undefined);
  return {
    log: options.log ?? (() => undefined),
    onRoleCreated: options.onRoleCreated ?? (() => undefined),
    maxCreatedRoles: options.maxCreatedRoles ?? DEFAULT_MAX_CREATED_ROLES,
    createdRoles: [],
    attemptedRoles: new Set(),
  };
}

/**
 * Applies one script that is not a migration (a setup file: see setup.ts) as a migration file
 * is applied, without the hints meant for migrations. Throws `MigrationError` as
 * `applyMigrations` does.
 */
export async function applyScript(
  db: Queryable,
  script: SqlScript,
  options: Pick<ApplyOptions, "log" | "onRoleCreated" | "maxCreatedRoles"> = {},
): Promise<ApplyResult> {
  const ctx = await startApplying(db, options);
  await applyFile(db, plan(script), ctx);
  return { applied: 1, createdRoles: [...ctx.createdRoles] };
}

/**
 * Applies migrations in order on one connection (a `pg.Client`: the session matters).
 * Throws `MigrationError` naming the file, line and server error of the first failure;
 * everything before it stays applied.
 */
export async function applyMigrations(
  db: Queryable,
  migrations: readonly SqlMigration[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const plans = migrations.map(planMigration);
  const ctx = await startApplying(db, options);
  try {
    for (const [index, current] of plans.entries()) {
      if (options.searchPath) await setSearchPath(db, options.searchPath, current.main.file);
      for (const script of current.before) {
        ctx.log(`running ${script.file} before ${current.main.file}`);
        await applyFile(db, script, ctx);
      }
      ctx.log(`applying ${current.main.file} (${index + 1}/${plans.length})`);
      await applyFile(db, current.main, ctx);
      for (const script of current.after) {
        ctx.log(`running ${script.file} after ${current.main.file}`);
        await applyFile(db, script, ctx);
      }
    }
  } catch (error) {
    throw withHint(error, options);
  }
  return { applied: plans.length, createdRoles: [...ctx.createdRoles] };
}

/** The tool's `search_path`, as it sets it before each migration (only once the schema exists). */
async function setSearchPath(
  db: Queryable,
  setting: SearchPathSetting,
  file: string,
): Promise<void> {
  try {
    await db.query(
      "SELECT pg_catalog.set_config('search_path', $1, false) FROM pg_catalog.pg_namespace WHERE nspname = $2",
      [setting.path, setting.schema],
    );
  } catch (error) {
    const fields = fieldsOf(error, file);
    throw new MigrationError(
      file,
      `setting search_path to ${setting.path} before migration ${file}: ${describeServerError(fields)}`,
      { ...(fields.code ? { sqlstate: fields.code } : {}), cause: error },
    );
  }
}

/**
 * What to do about a failure the server's words leave open, by SQLSTATE: a schema or
 * `search_path` the tool sets, an extension the scratch server lacks. Null when none applies.
 */
export function applyHint(
  sqlstate: string | undefined,
  message: string,
  options: Pick<ApplyOptions, "searchPath" | "createdSchemas"> = {},
): string | null {
  if (sqlstate === "42P01" || sqlstate === "3F000") {
    return options.searchPath
      ? `hint: search_path was ${options.searchPath.path} (Flyway's default schema); check flyway.defaultSchema and flyway.schemas, or that an earlier migration creates it`
      : "hint: the migrations may expect a schema or search_path their tool sets (Flyway: flyway.defaultSchema or flyway.schemas in a flyway.conf beside the migrations), or objects their platform creates before any migration (stub them in a setup file: --setup FILE, or migrations.setup in the config)";
  }
  if ((sqlstate === "0A000" || sqlstate === "58P01") && /extension/i.test(message)) {
    return "hint: the scratch server does not have this extension: build on a server that has it with --scratch-url URL";
  }
  if (sqlstate === "0A000") {
    return "hint: this PostgreSQL does not support it: build with --pg-version (or --scratch-url) of the major the migrations run on";
  }
  if (sqlstate === "42P06" && (options.createdSchemas?.length ?? 0) > 0) {
    const created = (options.createdSchemas ?? []).map(displayIdent).join(", ");
    return `hint: pgdrift created ${created} before the migrations, as Flyway does (createSchemas defaults to true): set flyway.createSchemas=false if your Flyway does not create them`;
  }
  return null;
}

function withHint(error: unknown, options: ApplyOptions): unknown {
  if (!(error instanceof MigrationError)) return error;
  const hint = applyHint(error.sqlstate, error.message, options);
  if (hint === null) return error;
  return new MigrationError(error.file, `${error.message} — ${hint}`, {
    ...(error.line === undefined ? {} : { line: error.line }),
    ...(error.sqlstate === undefined ? {} : { sqlstate: error.sqlstate }),
    cause: error.cause,
  });
}

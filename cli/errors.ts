import { EngineError, MigrationError, MigrationSourceError } from "../shared/baseline/errors.ts";
import { ConfigError } from "../shared/config/errors.ts";
import { IntrospectionError } from "../shared/introspect/errors.ts";
import { SnapshotFormatError } from "../shared/snapshot/snapshot.ts";

/** A user error: bad input, a missing file, an unreachable database. Shown as one line, exit 2. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 2;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Errors whose message is written for the user (names the file, flag or server): no stack. */
const USER_ERRORS = [
  CliError,
  ConfigError,
  SnapshotFormatError,
  EngineError,
  MigrationSourceError,
  IntrospectionError,
] as const;

/**
 * Errors of the S3 baseline store, known by name: importing its class here would load the
 * store (and its schema library) into every command, `snapshot` included.
 */
const USER_ERROR_NAMES: ReadonlySet<string> = new Set(["BaselineStoreError"]);

/** The one line printed for a failure: `pgdrift: <what failed, where, what to do>`. */
export function errorLine(error: unknown, debug = false): string {
  if (error instanceof MigrationError) {
    const where = error.line !== undefined ? `${error.file} line ${error.line}` : error.file;
    const message = error.message.includes(error.file)
      ? error.message
      : `migration ${where}: ${error.message}`;
    return `pgdrift: ${oneLine(message)}`;
  }
  if (
    USER_ERRORS.some((kind) => error instanceof kind) ||
    (error instanceof Error && USER_ERROR_NAMES.has(error.name))
  )
    return `pgdrift: ${oneLine((error as Error).message)}`;
  if (debug && error instanceof Error && error.stack)
    return `pgdrift: internal error: ${error.stack}`;
  const message = error instanceof Error ? error.message : String(error);
  return `pgdrift: internal error: ${oneLine(message)} (set PGDRIFT_DEBUG=1 for the stack trace, and please report it)`;
}

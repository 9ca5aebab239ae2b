/** The scratch PostgreSQL (embedded or a given server) could not be started or used. */
export class EngineError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngineError";
    this.code = code;
  }
}

/** A migration failed to apply: names the file, the line and the server's error. */
export class MigrationError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly sqlstate: string | undefined;
  constructor(
    file: string,
    message: string,
    options: { line?: number; sqlstate?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MigrationError";
    this.file = file;
    this.line = options.line;
    this.sqlstate = options.sqlstate;
  }
}

/** The migrations folder cannot be read as the requested format. */
export class MigrationSourceError extends Error {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MigrationSourceError";
    this.path = path;
  }
}

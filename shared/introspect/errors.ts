/** A database error as the server reported it (psql style: SQLSTATE, message, detail, hint). */
export interface ServerErrorFields {
  readonly code?: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
}

export function serverErrorFields(error: unknown): ServerErrorFields | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code !== "string" || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  return {
    code: e.code,
    message: typeof e.message === "string" ? e.message : String(error),
    ...(typeof e.detail === "string" ? { detail: e.detail } : {}),
    ...(typeof e.hint === "string" ? { hint: e.hint } : {}),
    ...(typeof e.position === "string" ? { position: e.position } : {}),
  };
}

/** `ERROR 42P01: relation "x" does not exist (DETAIL: … HINT: …)` */
export function formatServerError(fields: ServerErrorFields): string {
  let text = fields.code ? `${fields.code}: ${fields.message}` : fields.message;
  if (fields.detail) text += ` — DETAIL: ${fields.detail}`;
  if (fields.hint) text += ` — HINT: ${fields.hint}`;
  return text;
}

/** Introspection could not finish; no partial snapshot is ever returned. */
export class IntrospectionError extends Error {
  readonly step: string;
  readonly sqlstate: string | undefined;
  /** After a lock timeout: the relations another session held exclusively. */
  readonly lockedObjects: readonly string[];
  constructor(
    step: string,
    message: string,
    options?: { cause?: unknown; sqlstate?: string; lockedObjects?: readonly string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "IntrospectionError";
    this.step = step;
    this.sqlstate = options?.sqlstate;
    this.lockedObjects = options?.lockedObjects ?? [];
  }
}

/**
 * The deparse functions read the latest catalog, not the transaction's snapshot: an object
 * dropped by another session after the snapshot was taken deparses as NULL. That is
 * concurrent DDL, never an empty definition: the read is retried (introspect recognises
 * "with OID … does not exist"), never returned as a partial snapshot.
 */
export function relationVanished(step: string, relid: string, what: string): IntrospectionError {
  return new IntrospectionError(
    step,
    `reading ${step} failed: relation with OID ${relid} does not exist any more (${what} was dropped or altered while it was read)`,
  );
}

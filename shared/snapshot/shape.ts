import { type MigrationRecord, OBJECT_KINDS, SNAPSHOT_FORMAT, type Snapshot } from "./model.ts";

/**
 * The shape check of a `pgdrift.snapshot/v1` file, by hand rather than with a schema library:
 * every command that reads or writes a snapshot loads this module, and a schema library costs
 * more to load (~0.1 s) than checking a snapshot takes. Like a schema parse, the result holds
 * only the known fields (an unknown top-level field or kind is dropped, so a kind this version
 * does not know makes the digest check fail rather than pass unseen).
 */
export class ShapeError extends Error {}

type Path = readonly (string | number)[];

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

function fail(path: Path, expected: string, value: unknown): never {
  const where = path.length > 0 ? path.join(".") : "(top level)";
  throw new ShapeError(`${where}: expected ${expected}, found ${describe(value)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function record(value: unknown, path: Path): Record<string, unknown> {
  if (!isRecord(value)) fail(path, "an object", value);
  return value;
}

function string(value: unknown, path: Path): string {
  if (typeof value !== "string") fail(path, "a string", value);
  return value;
}

function integer(value: unknown, path: Path): number {
  if (typeof value !== "number" || !Number.isInteger(value)) fail(path, "an integer", value);
  return value;
}

/** What the migration tool knows of a migration (optional: earlier snapshots lack it). */
function migrationDetails(m: Record<string, unknown>, path: Path): Partial<MigrationRecord> {
  const out: { -readonly [K in keyof MigrationRecord]?: MigrationRecord[K] } = {};
  if (m.kind !== undefined) {
    if (m.kind !== "versioned" && m.kind !== "repeatable")
      fail([...path, "kind"], '"versioned" or "repeatable"', m.kind);
    out.kind = m.kind;
  }
  if (m.description !== undefined)
    out.description = string(m.description, [...path, "description"]);
  if (m.toolChecksum !== undefined) {
    const c = m.toolChecksum;
    if (c !== null && typeof c !== "string" && !(typeof c === "number" && Number.isInteger(c)))
      fail([...path, "toolChecksum"], "an integer, a string or null", c);
    out.toolChecksum = c;
  }
  if (m.timestamp !== undefined) {
    if (m.timestamp !== null && typeof m.timestamp !== "string")
      fail([...path, "timestamp"], "a string or null", m.timestamp);
    out.timestamp = m.timestamp;
  }
  if (m.committedAt !== undefined) {
    if (m.committedAt !== null && typeof m.committedAt !== "string")
      fail([...path, "committedAt"], "a string or null", m.committedAt);
    out.committedAt = m.committedAt;
  }
  return out;
}

function source(value: unknown): Snapshot["source"] {
  const s = record(value, ["source"]);
  const common = {
    serverVersion: string(s.serverVersion, ["source", "serverVersion"]),
    serverVersionNum: integer(s.serverVersionNum, ["source", "serverVersionNum"]),
  };
  if (s.kind === "migrations") {
    const list = s.migrations;
    if (!Array.isArray(list)) fail(["source", "migrations"], "an array", list);
    return {
      kind: "migrations",
      ...common,
      format: string(s.format, ["source", "format"]),
      migrations: list.map((item, i) => {
        const path = ["source", "migrations", i];
        const m = record(item, path);
        return {
          file: string(m.file, [...path, "file"]),
          version: string(m.version, [...path, "version"]),
          checksum: string(m.checksum, [...path, "checksum"]),
          ...migrationDetails(m, path),
        };
      }),
    };
  }
  if (s.kind === "database") {
    const host = s.host;
    if (host !== null && typeof host !== "string")
      fail(["source", "host"], "a string or null", host);
    return {
      kind: "database",
      ...common,
      database: string(s.database, ["source", "database"]),
      host,
    };
  }
  return fail(["source", "kind"], '"migrations" or "database"', s.kind);
}

function objects(value: unknown, path: Path = ["objects"]): Snapshot["objects"] {
  const all = record(value, path);
  const out: Record<string, Record<string, unknown>> = {};
  for (const kind of OBJECT_KINDS) {
    const ofKind = record(all[kind], [...path, kind]);
    for (const identity in ofKind) {
      if (!isRecord(ofKind[identity]))
        fail([...path, kind, identity], "an object", ofKind[identity]);
    }
    out[kind] = ofKind;
  }
  return out as unknown as Snapshot["objects"];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function checkpoints(value: unknown): NonNullable<Snapshot["checkpoints"]> {
  if (!Array.isArray(value)) fail(["checkpoints"], "an array", value);
  return value.map((item, i) => {
    const path = ["checkpoints", i];
    const c = record(item, path);
    const digest = string(c.digest, [...path, "digest"]);
    if (!DIGEST.test(digest)) fail([...path, "digest"], "sha256: and 64 hex digits", digest);
    return {
      version: string(c.version, [...path, "version"]),
      digest,
      objects: objects(c.objects, [...path, "objects"]),
    };
  });
}

/** The snapshot in `data`, known fields only; throws ShapeError naming the first bad field. */
export function checkSnapshotShape(data: unknown): Snapshot {
  const top = record(data, []);
  if (top.format !== SNAPSHOT_FORMAT) fail(["format"], `"${SNAPSHOT_FORMAT}"`, top.format);
  const createdAt = string(top.createdAt, ["createdAt"]);
  const checkedSource = source(top.source);
  const scope = record(top.scope, ["scope"]);
  const schemas = scope.schemas;
  if (schemas !== null) {
    if (!Array.isArray(schemas)) fail(["scope", "schemas"], "an array or null", schemas);
    for (const [i, schema] of schemas.entries()) string(schema, ["scope", "schemas", i]);
  }
  const checkedObjects = objects(top.objects);
  const digest = string(top.digest, ["digest"]);
  if (!DIGEST.test(digest)) fail(["digest"], "sha256: and 64 hex digits", digest);
  return {
    ...(top.checkpoints === undefined ? {} : { checkpoints: checkpoints(top.checkpoints) }),
    format: SNAPSHOT_FORMAT,
    createdAt,
    source: checkedSource,
    scope: { schemas: schemas as string[] | null },
    objects: checkedObjects,
    digest,
  };
}

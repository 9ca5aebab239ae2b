import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalize } from "./canonical.ts";
import {
  OBJECT_KINDS,
  SNAPSHOT_FORMAT,
  type Snapshot,
  type SnapshotObjects,
  type SnapshotScope,
  type SnapshotSource,
} from "./model.ts";

/** A file that is not a valid `pgdrift.snapshot/v1`; the message names the file. */
export class SnapshotFormatError extends Error {
  readonly origin: string;
  constructor(origin: string, message: string, options?: { cause?: unknown }) {
    super(
      `${origin}: ${message}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "SnapshotFormatError";
    this.origin = origin;
  }
}

/**
 * Objects known to be in canonical form (keys sorted at every depth): made by canonicalize
 * here, so a snapshot's objects are sorted once, however often they are hashed or written.
 */
const canonicalForms = new WeakSet<object>();

function canonicalObjects(objects: SnapshotObjects): SnapshotObjects {
  if (canonicalForms.has(objects)) return objects;
  const sorted = canonicalize(objects) as SnapshotObjects;
  canonicalForms.add(sorted);
  return sorted;
}

/**
 * The canonical objects encoded once, as `"identity":{…}` JSON entries per kind: the digest
 * hashes them and the file writes them, so a large snapshot is stringified only once.
 */
type EncodedObjects = ReadonlyArray<readonly [kind: string, entries: readonly string[]]>;
const encodedForms = new WeakMap<object, EncodedObjects>();

function encodeObjects(objects: SnapshotObjects): EncodedObjects {
  const canonical = canonicalObjects(objects);
  let encoded = encodedForms.get(canonical);
  if (encoded === undefined) {
    encoded = Object.entries(canonical).map(([kind, record]) => {
      const entries = Object.entries(record as Record<string, unknown>).map(
        ([identity, object]) => `${JSON.stringify(identity)}:${JSON.stringify(object)}`,
      );
      return [kind, entries] as const;
    });
    encodedForms.set(canonical, encoded);
  }
  return encoded;
}

/** `sha256:` + the SHA-256 of the compact canonical JSON of the objects. */
export function digestObjects(objects: SnapshotObjects): string {
  const hash = createHash("sha256");
  hash.update("{");
  encodeObjects(objects).forEach(([kind, entries], i) => {
    hash.update(`${i > 0 ? "," : ""}${JSON.stringify(kind)}:{`);
    hash.update(entries.join(","));
    hash.update("}");
  });
  hash.update("}");
  return `sha256:${hash.digest("hex")}`;
}

export function createSnapshot(input: {
  createdAt: string;
  source: SnapshotSource;
  scope: SnapshotScope;
  objects: SnapshotObjects;
}): Snapshot {
  const objects = canonicalObjects(input.objects);
  return {
    format: SNAPSHOT_FORMAT,
    createdAt: input.createdAt,
    source: input.source,
    scope: input.scope,
    objects,
    digest: digestObjects(objects),
  };
}

function indented(value: unknown, depth: number): string {
  return JSON.stringify(canonicalize(value), null, 2).replaceAll("\n", `\n${"  ".repeat(depth)}`);
}

/**
 * The file form: canonical JSON (sorted keys), indented, with one object per line — compact
 * to write and read, and a change to an object is a change to its line.
 */
export function serializeSnapshot(snapshot: Snapshot): string {
  const kinds = encodeObjects(snapshot.objects).map(([kind, entries]) =>
    entries.length === 0
      ? `    ${JSON.stringify(kind)}: {}`
      : `    ${JSON.stringify(kind)}: {\n      ${entries.join(",\n      ")}\n    }`,
  );
  return [
    "{",
    `  "createdAt": ${JSON.stringify(snapshot.createdAt)},`,
    `  "digest": ${JSON.stringify(snapshot.digest)},`,
    `  "format": ${JSON.stringify(snapshot.format)},`,
    `  "objects": {\n${kinds.join(",\n")}\n  },`,
    `  "scope": ${indented(snapshot.scope, 1)},`,
    `  "source": ${indented(snapshot.source, 1)}`,
    "}",
    "",
  ].join("\n");
}

const migrationRecord = z.object({ file: z.string(), version: z.string(), checksum: z.string() });

const sourceSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("migrations"),
    serverVersion: z.string(),
    serverVersionNum: z.number().int(),
    format: z.string(),
    migrations: z.array(migrationRecord),
  }),
  z.object({
    kind: z.literal("database"),
    serverVersion: z.string(),
    serverVersionNum: z.number().int(),
    database: z.string(),
    host: z.string().nullable(),
  }),
]);

const objectMap = z.record(z.string(), z.record(z.string(), z.unknown()));

const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  createdAt: z.string(),
  source: sourceSchema,
  scope: z.object({ schemas: z.array(z.string()).nullable() }),
  objects: z.object(Object.fromEntries(OBJECT_KINDS.map((kind) => [kind, objectMap]))),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `${path}: ${issue.message}`;
}

/**
 * Parses and checks a snapshot file: JSON, the `pgdrift.snapshot/v1` shape, and a digest that
 * matches its objects (a hand-edited or truncated file is refused rather than trusted).
 */
export function parseSnapshot(text: string, origin: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new SnapshotFormatError(
      origin,
      `not valid JSON (${(cause as Error).message}); expected a pgdrift snapshot file`,
      {
        cause,
      },
    );
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new SnapshotFormatError(
      origin,
      'expected a JSON object with format "pgdrift.snapshot/v1"',
    );
  }
  const format = (data as { format?: unknown }).format;
  if (format !== SNAPSHOT_FORMAT) {
    const found = typeof format === "string" ? `"${format}"` : "no format field";
    throw new SnapshotFormatError(
      origin,
      `not a pgdrift snapshot: expected format "${SNAPSHOT_FORMAT}", found ${found}`,
    );
  }
  const objects = (data as { objects?: unknown }).objects;
  if (objects !== null && typeof objects === "object" && !Array.isArray(objects)) {
    const absent = OBJECT_KINDS.filter((kind) => !Object.hasOwn(objects, kind));
    if (absent.length > 0 && absent.length < OBJECT_KINDS.length) {
      // Comparing it would report every object of those kinds as unexpected (or miss them).
      throw new SnapshotFormatError(
        origin,
        `made by an earlier pgdrift that did not read ${absent.join(", ")}; rebuild it (pgdrift baseline build, or pgdrift snapshot) with this version`,
      );
    }
  }
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new SnapshotFormatError(
      origin,
      `invalid snapshot: ${first ? describeIssue(first) : "unknown problem"}`,
    );
  }
  const parsedSnapshot = parsed.data as unknown as Snapshot;
  const snapshot = { ...parsedSnapshot, objects: canonicalObjects(parsedSnapshot.objects) };
  const digest = digestObjects(snapshot.objects);
  if (digest !== snapshot.digest) {
    throw new SnapshotFormatError(
      origin,
      `digest mismatch: the file says ${snapshot.digest.slice(0, 19)}…, its objects hash to ${digest.slice(0, 19)}… (edited or damaged); rebuild it`,
    );
  }
  return snapshot;
}

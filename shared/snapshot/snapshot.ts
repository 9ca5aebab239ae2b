import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { canonicalize } from "./canonical.ts";
import {
  OBJECT_KINDS,
  SNAPSHOT_FORMAT,
  type Snapshot,
  type SnapshotCheckpoint,
  type SnapshotObjects,
  type SnapshotScope,
  type SnapshotSource,
} from "./model.ts";
import { checkSnapshotShape, ShapeError } from "./shape.ts";

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

/** Entries per batch while encoding: big enough to amortize each write and hash update. */
const BATCH = 2000;

/**
 * Receives the canonical objects encoded batch by batch, so that a large snapshot is never held
 * as one string: `compact` is the digest's text, `pretty` the file's, for the same entries.
 */
interface EncodingSink {
  compact(text: string): void;
  pretty(text: string): void;
}

/**
 * Encodes canonical objects once, `"identity":{…}` per object, in identity order, into the
 * digest's compact form (`{"kind":{"id":{…},…},…}`) and the file's form (one object per
 * line, indented) at the same time.
 */
function encodeObjects(objects: SnapshotObjects, sink: EncodingSink, depth = 2): void {
  const kindPad = "  ".repeat(depth);
  const entryPad = `\n${"  ".repeat(depth + 1)}`;
  const entrySeparator = `,${entryPad}`;
  sink.compact("{");
  let kindIndex = 0;
  for (const kind in objects) {
    const record = (objects as unknown as Record<string, Record<string, unknown>>)[kind] ?? {};
    const name = JSON.stringify(kind);
    sink.compact(`${kindIndex > 0 ? "," : ""}${name}:{`);
    sink.pretty(`${kindIndex > 0 ? ",\n" : ""}${kindPad}${name}: {`);
    let batch: string[] = [];
    let written = 0;
    const flush = () => {
      sink.compact(`${written > 0 ? "," : ""}${batch.join(",")}`);
      sink.pretty(`${written > 0 ? entrySeparator : entryPad}${batch.join(entrySeparator)}`);
      written += batch.length;
      batch = [];
    };
    for (const identity in record) {
      batch.push(`${JSON.stringify(identity)}:${JSON.stringify(record[identity])}`);
      if (batch.length === BATCH) flush();
    }
    if (batch.length > 0) flush();
    sink.compact("}");
    sink.pretty(written > 0 ? `\n${kindPad}}` : "}");
    kindIndex++;
  }
  sink.compact("}");
}

/** Digests already computed, by canonical objects (audits ask for them more than once). */
const digests = new WeakMap<object, string>();

/** `sha256:` + the SHA-256 of the compact canonical JSON of the objects. */
export function digestObjects(objects: SnapshotObjects): string {
  const canonical = canonicalObjects(objects);
  const known = digests.get(canonical);
  if (known !== undefined) return known;
  const hash = createHash("sha256");
  encodeObjects(canonical, { compact: (text) => hash.update(text), pretty: () => undefined });
  const digest = `sha256:${hash.digest("hex")}`;
  digests.set(canonical, digest);
  return digest;
}

export interface SnapshotInput {
  createdAt: string;
  source: SnapshotSource;
  scope: SnapshotScope;
  objects: SnapshotObjects;
  /** Earlier versions' objects, oldest first (their digests are computed here). */
  checkpoints?: readonly { version: string; objects: SnapshotObjects }[];
}

/** Checkpoints in canonical form with their digests; absent when there are none. */
function checkpointsOf(input: SnapshotInput): { checkpoints?: SnapshotCheckpoint[] } {
  if (!input.checkpoints || input.checkpoints.length === 0) return {};
  return {
    checkpoints: input.checkpoints.map(({ version, objects }) => {
      const canonical = canonicalObjects(objects);
      return { version, digest: digestObjects(canonical), objects: canonical };
    }),
  };
}

export function createSnapshot(input: SnapshotInput): Snapshot {
  const objects = canonicalObjects(input.objects);
  return {
    ...checkpointsOf(input),
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

/** The checkpoints as the file holds them: each one's objects one per line, like the head's. */
function checkpointsText(checkpoints: readonly SnapshotCheckpoint[]): string {
  const entries = checkpoints.map((checkpoint) => {
    const parts = [
      "    {",
      `      "digest": ${JSON.stringify(checkpoint.digest)},`,
      '      "objects": {\n',
    ].join("\n");
    const objects: string[] = [parts];
    encodeObjects(
      canonicalObjects(checkpoint.objects),
      { compact: () => undefined, pretty: (text) => objects.push(text) },
      4,
    );
    objects.push(`\n      },\n      "version": ${JSON.stringify(checkpoint.version)}\n    }`);
    return objects.join("");
  });
  return `[\n${entries.join(",\n")}\n  ]`;
}

/** The file's lines before `objects`, the digest given, and those after. */
function frame(snapshot: Omit<Snapshot, "objects">): { head: string; tail: string } {
  return {
    head: [
      "{",
      ...(snapshot.checkpoints && snapshot.checkpoints.length > 0
        ? [`  "checkpoints": ${checkpointsText(snapshot.checkpoints)},`]
        : []),
      `  "createdAt": ${JSON.stringify(snapshot.createdAt)},`,
      `  "digest": ${JSON.stringify(snapshot.digest)},`,
      `  "format": ${JSON.stringify(snapshot.format)},`,
      '  "objects": {\n',
    ].join("\n"),
    tail: [
      "\n  },",
      `  "scope": ${indented(snapshot.scope, 1)},`,
      `  "source": ${indented(snapshot.source, 1)}`,
      "}",
      "",
    ].join("\n"),
  };
}

/**
 * The file form: canonical JSON (sorted keys), indented, with one object per line — compact
 * to write and read, and a change to an object is a change to its line.
 */
export function serializeSnapshot(snapshot: Snapshot): string {
  const { head, tail } = frame(snapshot);
  const parts = [head];
  encodeObjects(canonicalObjects(snapshot.objects), {
    compact: () => undefined,
    pretty: (text) => parts.push(text),
  });
  parts.push(tail);
  return parts.join("");
}

/** Bytes gathered before each write of `writeSnapshotFile`. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes the snapshot of `input` to `path` in one pass: the objects are encoded once, batch by
 * batch, hashed and written as they are encoded (synchronously: nothing else runs meanwhile),
 * and the digest (whose place in the file is known: it has a fixed length) is written last. Memory stays that of the objects themselves,
 * whatever their number. Until the digest is written the file holds an all-zero one, so a
 * file left incomplete is refused when read. Returns the snapshot, digest included.
 */
export function writeSnapshotFile(path: string, input: SnapshotInput): Snapshot {
  const objects = canonicalObjects(input.objects);
  const placeholder = `sha256:${"0".repeat(64)}`;
  const { checkpoints: _given, ...rest } = input;
  const framed = { ...rest, ...checkpointsOf(input), format: SNAPSHOT_FORMAT } as const;
  const { head, tail } = frame({ ...framed, digest: placeholder });
  const digestAt = Buffer.byteLength(head.slice(0, head.indexOf(placeholder)));
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  try {
    let pending: string[] = [head];
    let pendingLength = head.length;
    const flush = () => {
      writeAll(fd, Buffer.from(pending.join("")));
      pending = [];
      pendingLength = 0;
    };
    encodeObjects(objects, {
      compact: (text) => hash.update(text),
      pretty: (text) => {
        pending.push(text);
        pendingLength += text.length;
        if (pendingLength >= WRITE_CHUNK) flush();
      },
    });
    pending.push(tail);
    flush();
    const digest = `sha256:${hash.digest("hex")}`;
    writeSync(fd, digest, digestAt);
    digests.set(objects, digest);
    return { ...framed, objects, digest };
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let offset = 0; offset < chunk.length; ) {
    offset += writeSync(fd, chunk, offset);
  }
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
  let parsedSnapshot: Snapshot;
  try {
    parsedSnapshot = checkSnapshotShape(data);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new SnapshotFormatError(origin, `invalid snapshot: ${error.message}`);
  }
  const snapshot = { ...parsedSnapshot, objects: canonicalObjects(parsedSnapshot.objects) };
  const digest = digestObjects(snapshot.objects);
  if (digest !== snapshot.digest) {
    throw new SnapshotFormatError(
      origin,
      `digest mismatch: the file says ${snapshot.digest.slice(0, 19)}…, its objects hash to ${digest.slice(0, 19)}… (edited or damaged); rebuild it`,
    );
  }
  if (!snapshot.checkpoints) return snapshot;
  const checkpoints = snapshot.checkpoints.map((checkpoint) => {
    const objects = canonicalObjects(checkpoint.objects);
    const actual = digestObjects(objects);
    if (actual !== checkpoint.digest) {
      throw new SnapshotFormatError(
        origin,
        `digest mismatch in the checkpoint at version ${checkpoint.version}: the file says ${checkpoint.digest.slice(0, 19)}…, its objects hash to ${actual.slice(0, 19)}… (edited or damaged); rebuild it`,
      );
    }
    return { ...checkpoint, objects };
  });
  return { ...snapshot, checkpoints };
}

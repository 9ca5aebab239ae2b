import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emptyObjects, type SnapshotObjects } from "../../shared/snapshot/model.ts";
import {
  createSnapshot,
  parseSnapshot,
  type SnapshotInput,
  serializeSnapshot,
  writeSnapshotFile,
} from "../../shared/snapshot/snapshot.ts";

const dir = mkdtempSync(join(tmpdir(), "pgdrift-snapshot-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Enough schemas to span several encoding batches and several 1 MiB writes. */
function manyObjects(count: number): SnapshotObjects {
  const o = emptyObjects();
  for (let i = 0; i < count; i++) {
    const name = `s_${String(i).padStart(5, "0")}`;
    // Keys out of order on purpose: the writer must canonicalize as serializeSnapshot does.
    o.schema[name] = {
      privileges: ["OWNER:USAGE", "PUBLIC:USAGE"],
      owner: "app",
      name,
      comment: `tenant ${i} ${"é".repeat(i % 7)} ${"x".repeat(300)}`,
    };
  }
  o.extension.citext = { version: "1.6", schema: "public", name: "citext" };
  return o;
}

function input(objects: SnapshotObjects): SnapshotInput {
  return {
    createdAt: "2026-11-25T00:00:00.000Z",
    source: {
      kind: "database",
      serverVersion: "17.10",
      serverVersionNum: 170010,
      database: "shop",
      host: null,
    },
    scope: { schemas: ["public", 'tenant "1"'] },
    objects,
  };
}

describe("writeSnapshotFile", () => {
  it("writes the bytes serializeSnapshot gives, across batches and writes, with the same digest", () => {
    for (const count of [0, 1, 1999, 2000, 2001, 7001]) {
      const path = join(dir, `s-${count}.json`);
      const written = writeSnapshotFile(path, input(manyObjects(count)));
      const expected = createSnapshot(input(manyObjects(count)));
      expect(written.digest).toBe(expected.digest);
      expect(readFileSync(path, "utf8")).toBe(serializeSnapshot(expected));
      expect(parseSnapshot(readFileSync(path, "utf8"), path).digest).toBe(expected.digest);
    }
  });

  it("leaves a file that is refused when read if it stopped before the digest was written", () => {
    const path = join(dir, "partial.json");
    const written = writeSnapshotFile(path, input(manyObjects(3)));
    // What the file holds until its last write: an all-zero digest.
    const partial = readFileSync(path, "utf8").replace(written.digest, `sha256:${"0".repeat(64)}`);
    writeFileSync(path, partial);
    expect(() => parseSnapshot(partial, "partial.json")).toThrow(/digest mismatch/);
  });
});

describe("parseSnapshot's shape check", () => {
  const text = () => serializeSnapshot(createSnapshot(input(manyObjects(2))));

  it("names the first field that is wrong", () => {
    const data = JSON.parse(text());
    data.source.serverVersionNum = "170010";
    expect(() => parseSnapshot(JSON.stringify(data), "s.json")).toThrow(
      /^s\.json: invalid snapshot: source\.serverVersionNum: expected an integer, found string$/,
    );
    const kind = JSON.parse(text());
    kind.source.kind = "tarball";
    expect(() => parseSnapshot(JSON.stringify(kind), "s.json")).toThrow(
      /invalid snapshot: source\.kind: expected "migrations" or "database"/,
    );
    const object = JSON.parse(text());
    object.objects.schema.s_00000 = ["not", "an", "object"];
    expect(() => parseSnapshot(JSON.stringify(object), "s.json")).toThrow(
      /invalid snapshot: objects\.schema\.s_00000: expected an object, found an array/,
    );
  });

  it("keeps only the known fields: an unknown kind makes the digest check fail", () => {
    const extra = JSON.parse(text());
    extra.comment = "added by hand";
    expect(parseSnapshot(JSON.stringify(extra), "s.json")).not.toHaveProperty("comment");
    const future = JSON.parse(text());
    future.objects.publication = {};
    // The digest covers the kinds this version reads; a file from a later version that added
    // a kind (and hashed it) does not pass as if the kind were not there.
    const digestOfFuture = createSnapshot({
      ...input(manyObjects(2)),
      objects: future.objects,
    }).digest;
    future.digest = digestOfFuture;
    expect(() => parseSnapshot(JSON.stringify(future), "s.json")).toThrow(/digest mismatch/);
  });
});

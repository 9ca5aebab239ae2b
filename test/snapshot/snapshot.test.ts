import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../shared/snapshot/canonical.ts";
import { emptyObjects, type SnapshotObjects } from "../../shared/snapshot/model.ts";
import {
  createSnapshot,
  parseSnapshot,
  SnapshotFormatError,
  serializeSnapshot,
} from "../../shared/snapshot/snapshot.ts";

function objects(): SnapshotObjects {
  const o = emptyObjects();
  o.schema.public = { privileges: ["OWNER:USAGE"], owner: "app", name: "public", comment: null };
  o.extension.citext = { version: "1.6", schema: "public", name: "citext" };
  return o;
}

const snapshot = () =>
  createSnapshot({
    createdAt: "2026-11-25T00:00:00.000Z",
    source: {
      kind: "database",
      serverVersion: "17.10",
      serverVersionNum: 170010,
      database: "shop",
      host: null,
    },
    scope: { schemas: null },
    objects: objects(),
  });

describe("snapshot files", () => {
  it("digests the compact canonical JSON of the objects", () => {
    const expected = createHash("sha256")
      .update(JSON.stringify(canonicalize(objects())))
      .digest("hex");
    expect(snapshot().digest).toBe(`sha256:${expected}`);
  });

  it("writes one object per line, keys sorted, and reads back the same snapshot", () => {
    const text = serializeSnapshot(snapshot());
    expect(text).toContain(
      '\n      "citext":{"name":"citext","schema":"public","version":"1.6"}\n',
    );
    expect(text.endsWith("}\n")).toBe(true);
    const back = parseSnapshot(text, "s.json");
    expect(back.digest).toBe(snapshot().digest);
    expect(serializeSnapshot(back)).toBe(text);
  });

  it("accepts the same JSON laid out differently", () => {
    const reformatted = JSON.stringify(JSON.parse(serializeSnapshot(snapshot())), null, 4);
    expect(parseSnapshot(reformatted, "s.json").digest).toBe(snapshot().digest);
  });

  it("refuses a file whose objects were edited after the digest was taken", () => {
    const edited = serializeSnapshot(snapshot()).replace('"version":"1.6"', '"version":"1.7"');
    expect(() => parseSnapshot(edited, "s.json")).toThrow(SnapshotFormatError);
    expect(() => parseSnapshot(edited, "s.json")).toThrow(/^s\.json: digest mismatch/);
  });
});

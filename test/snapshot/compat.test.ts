import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../shared/snapshot/canonical.ts";
import { emptyObjects, OBJECT_KINDS } from "../../shared/snapshot/model.ts";
import {
  createSnapshot,
  parseSnapshot,
  SnapshotFormatError,
  serializeSnapshot,
} from "../../shared/snapshot/snapshot.ts";

/** A snapshot file as pgdrift wrote it before it read views, functions and the other later kinds. */
function earlierSnapshotText(): string {
  const objects = {
    schema: { public: { comment: null, name: "public", owner: "app", privileges: [] } },
    extension: {},
    table: {},
    column: {},
    constraint: {},
    index: {},
  };
  const digest = `sha256:${createHash("sha256").update(canonicalJson(objects)).digest("hex")}`;
  return JSON.stringify({
    format: "pgdrift.snapshot/v1",
    createdAt: "2026-11-20T00:00:00.000Z",
    source: {
      kind: "database",
      serverVersion: "17.6",
      serverVersionNum: 170006,
      database: "shop",
      host: null,
    },
    scope: { schemas: null },
    objects,
    digest,
  });
}

describe("snapshots from an earlier pgdrift", () => {
  it("are refused with the kinds they lack and how to rebuild them, not compared as if empty", () => {
    const read = () => parseSnapshot(earlierSnapshotText(), "baseline.json");
    expect(read).toThrow(SnapshotFormatError);
    expect(read).toThrow(
      /^baseline\.json: made by an earlier pgdrift that did not read view, materialized_view, sequence, function, procedure, trigger, type, domain, policy; rebuild it/,
    );
  });

  it("still get the plain shape error when objects is missing altogether", () => {
    const data = JSON.parse(earlierSnapshotText()) as Record<string, unknown>;
    delete data.objects;
    expect(() => parseSnapshot(JSON.stringify(data), "s.json")).toThrow(
      /invalid snapshot: objects/,
    );
  });

  it("lists every kind the snapshot model holds", () => {
    expect(OBJECT_KINDS).toContain("policy");
    expect(OBJECT_KINDS).not.toContain("migration");
  });
});

describe("migration records", () => {
  const withMigrations = (migrations: unknown[]) =>
    serializeSnapshot(
      createSnapshot({
        createdAt: "2026-11-25T00:00:00.000Z",
        source: {
          kind: "migrations",
          serverVersion: "17.6",
          serverVersionNum: 170006,
          format: "flyway",
          migrations: migrations as never,
        },
        scope: { schemas: null },
        objects: emptyObjects(),
      }),
    );

  it("keep what the migration tool knows of each migration through a file round trip", () => {
    const records = [
      {
        file: "V1__init.sql",
        version: "1",
        checksum: `sha256:${"a".repeat(64)}`,
        kind: "versioned",
        description: "init",
        toolChecksum: -1038782835,
        timestamp: null,
      },
      { file: "001.sql", version: "001", checksum: `sha256:${"b".repeat(64)}` },
    ];
    const parsed = parseSnapshot(withMigrations(records), "baseline.json");
    expect(parsed.source.kind === "migrations" && parsed.source.migrations).toEqual(records);
  });

  it("refuse a record whose kind is neither versioned nor repeatable, naming the field", () => {
    const text = withMigrations([
      { file: "x.sql", version: "x", checksum: `sha256:${"c".repeat(64)}`, kind: "undo" },
    ]);
    expect(() => parseSnapshot(text, "b.json")).toThrow(/source\.migrations\.0\.kind/);
  });
});

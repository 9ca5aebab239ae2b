import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { liveScratchCount } from "../../shared/baseline/scratch.ts";

const BASIC = join(import.meta.dirname, "../fixtures/migrations/basic");

async function checksum(file: string): Promise<string> {
  return `sha256:${createHash("sha256")
    .update(await readFile(join(BASIC, file)))
    .digest("hex")}`;
}

describe("buildBaseline on embedded PostgreSQL", () => {
  it("applies the folder, returns its snapshot and removes the cluster's data directory", async () => {
    const messages: string[] = [];
    const snapshot = await buildBaseline({
      migrationsDir: BASIC,
      scratch: { kind: "embedded", major: 17 },
      createdAt: "2025-01-01T00:00:00.000Z",
      log: (message) => messages.push(message),
    });

    const files = ["001_schema.sql", "002_orders.sql", "003_orders_index.sql", "004_grants.sql"];
    expect(snapshot.source).toEqual({
      kind: "migrations",
      serverVersion: expect.stringMatching(/^17\.\d+$/),
      serverVersionNum: expect.any(Number),
      format: "sql",
      migrations: await Promise.all(
        files.map(async (file) => ({
          file,
          version: file.replace(/\.sql$/, ""),
          checksum: await checksum(file),
          kind: "versioned",
          description: file.replace(/\.sql$/, ""),
          toolChecksum: null,
          timestamp: null,
        })),
      ),
    });
    expect(Math.floor((snapshot.source.serverVersionNum as number) / 10_000)).toBe(17);
    expect(snapshot.createdAt).toBe("2025-01-01T00:00:00.000Z");
    expect(snapshot.scope).toEqual({ schemas: null });
    expect(snapshot.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(snapshot.objects.table).sort()).toEqual(["app.orders", "app.users"]);
    expect(snapshot.objects.index["app.idx_user_orders"]).toMatchObject({
      columns: ["user_id", "status"],
      valid: true,
    });
    expect(snapshot.objects.table["app.users"]?.privileges).toContain(
      "pgdrift_fixture_basic_reader:SELECT",
    );

    const started = messages
      .map(
        (message) => /^started embedded PostgreSQL .* \(data directory (.+)\)$/.exec(message)?.[1],
      )
      .find((path) => path !== undefined);
    expect(started).toBeDefined();
    const root = dirname(started as string);
    expect(dirname(root)).toBe(tmpdir());
    expect(root.slice(tmpdir().length + 1)).toMatch(/^pgdrift-pg-/);
    expect(existsSync(root)).toBe(false);
    expect(liveScratchCount()).toBe(0);
  });
});

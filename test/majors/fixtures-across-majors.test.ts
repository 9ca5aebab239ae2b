import { randomBytes } from "node:crypto";
import { arch, platform } from "node:os";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_PG_MAJOR,
  type EmbeddedPostgres,
  resolvePostgresBinaries,
  startEmbeddedPostgres,
} from "../../shared/baseline/embedded.ts";
import { type CaseDatabase, FIXTURE_CASES, runFixtureCase } from "../diff/fixture-cases.ts";

/**
 * The diff fixtures (never-drift cases included) on the other PostgreSQL majors we support;
 * the default major runs them in test/diff. Binaries of other majors are npm aliases of the
 * platform package (optionalDependencies), installed on linux-x64.
 */
const OTHER_MAJORS = [14, 15, 16, 18];
const available = await Promise.all(
  OTHER_MAJORS.map((major) =>
    resolvePostgresBinaries(major).then(
      () => major,
      () => undefined,
    ),
  ),
);
const MAJORS = available.filter((major): major is number => major !== undefined);

describe("PostgreSQL majors", () => {
  it("has every supported major installed on linux-x64 (where CI runs)", () => {
    if (platform() === "linux" && arch() === "x64") expect(MAJORS).toEqual(OTHER_MAJORS);
    expect(MAJORS).not.toContain(DEFAULT_PG_MAJOR);
  });
});

describe.each(MAJORS)("diff fixtures on PostgreSQL %i", (major) => {
  let server: EmbeddedPostgres;
  let admin: pg.Client;

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ major });
    admin = new pg.Client(server.connection());
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  async function createDatabase(prefix: string, sql: string): Promise<CaseDatabase> {
    const name = `${prefix}_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const client = new pg.Client(server.connection(name));
    await client.connect();
    await client.query(sql);
    return {
      client,
      drop: async () => {
        await client.end();
        await admin.query(`DROP DATABASE "${name}"`);
      },
    };
  }

  it.each(FIXTURE_CASES)("%s", async (name) => {
    const { expected, found, unsorted } = await runFixtureCase(name, createDatabase);
    expect(found).toEqual(expected);
    expect(unsorted, "objects built with their keys out of order").toEqual([]);
  });
});

import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export interface TestDatabase {
  readonly name: string;
  /** URL of the database (password included: tests only). */
  readonly url: string;
  readonly client: pg.Client;
  /** Runs SQL text (several statements allowed) on the database. */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject("pgAdminUrl");
}

export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** A fresh, empty database on the test cluster, optionally seeded with SQL. */
export async function createTestDatabase(prefix = "t", sql?: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = urlFor(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  if (sql) await client.query(sql);
  return {
    name,
    url,
    client,
    exec: async (text) => {
      await client.query(text);
    },
    drop: async () => {
      await client.end();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

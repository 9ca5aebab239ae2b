import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../shared/baseline/embedded.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the embedded PostgreSQL started for this test run (password included). */
    pgAdminUrl: string;
    pgMajor: number;
  }
}

let server: EmbeddedPostgres | undefined;

/** One embedded PostgreSQL for the whole run; each test file makes its own databases on it. */
export async function setup(project: TestProject): Promise<void> {
  // The CLI tests run the real binary: bundle the current sources first.
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  server = await startEmbeddedPostgres();
  project.provide("pgAdminUrl", server.url());
  project.provide("pgMajor", server.major);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

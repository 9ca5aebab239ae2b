/**
 * Keeps a bench database up for profiling: starts an embedded PostgreSQL, builds the bench
 * schema (the same generator and options as `npm run bench`), writes its URL to a file only the
 * owner can read, and waits for Ctrl-C (or SIGTERM), then stops the server and removes it all.
 *
 *   node --import tsx bench/serve.ts --url-file FILE [--tables N] [--schemas N] [--tenants N] [--pg-version MAJOR]
 *
 * Then, for example: `node --import tsx bench/profile-introspect.ts --url "$(cat FILE)"`, or
 * `node bin/pgdrift.mjs snapshot --url "$(cat FILE)" --out /tmp/s.json`.
 */
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { Cleanup, openBenchDatabase, progress } from "./database.ts";

const { values } = parseArgs({
  options: {
    "url-file": { type: "string" },
    tables: { type: "string" },
    schemas: { type: "string" },
    "pg-version": { type: "string" },
  },
});
const urlFile = values["url-file"];
if (!urlFile) {
  process.stderr.write("serve: --url-file FILE is required\n");
  process.exit(2);
}
const cleanup = new Cleanup();
const stop = () => void cleanup.run().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
try {
  const db = await openBenchDatabase(
    {
      tables: Number(values.tables ?? 5000),
      schemas: Number(values.schemas ?? 10),
      major: Number(values["pg-version"] ?? 15),
      connections: cpus().length,
    },
    cleanup,
  );
  await writeFile(urlFile, db.url, { mode: 0o600 });
  progress(
    `PostgreSQL ${db.serverVersion}: schema built in ${(db.buildMs / 1000).toFixed(2)} s; URL in ${urlFile}; Ctrl-C stops it`,
  );
  setInterval(() => undefined, 1 << 30);
} catch (error) {
  process.stderr.write(`serve: ${(error as Error).message}\n`);
  await cleanup.run();
  process.exit(2);
}

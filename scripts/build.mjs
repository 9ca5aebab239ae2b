// Bundles the CLI into dist/ (dependencies stay external, loaded from node_modules): the entry
// dist/pgdrift.mjs plus one chunk per command, loaded only when that command runs.
// Runs on `npm ci` / `npm install` (the `prepare` script) and before the tests.
//
//   node scripts/build.mjs [--outdir DIR]
//
// The bundle is built beside its destination and moved into place, so that a pgdrift started
// while another build runs (the test suite rebuilds on start) finds a whole dist/, never a
// half-written or missing one. --outdir builds elsewhere (the bench builds a private copy).
import { renameSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ?? "dist";
const staging = `${outdir}.building-${process.pid}`;
const retired = `${outdir}.old-${process.pid}`;

rmSync(staging, { recursive: true, force: true });
try {
  await build({
    entryPoints: { pgdrift: "./cli/main.ts" },
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
  });
  try {
    renameSync(outdir, retired);
  } catch {
    // no earlier build
  }
  renameSync(staging, outdir);
} finally {
  rmSync(staging, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
}

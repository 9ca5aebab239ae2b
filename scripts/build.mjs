// Bundles the CLI into dist/ (dependencies stay external, loaded from node_modules): the entry
// dist/pgdrift.mjs plus one chunk per command, loaded only when that command runs.
// Runs on `npm ci` / `npm install` (the `prepare` script) and before the tests.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { pgdrift: "./cli/main.ts" },
  outdir: "dist",
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

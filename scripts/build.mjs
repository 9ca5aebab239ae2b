// Bundles the CLI into dist/pgdrift.mjs (dependencies stay external, loaded from node_modules).
// Runs on `npm ci` / `npm install` (the `prepare` script) and before the tests.
import { build } from "esbuild";

await build({
  entryPoints: ["./cli/main.ts"],
  outfile: "dist/pgdrift.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});

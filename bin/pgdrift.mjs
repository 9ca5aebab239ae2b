#!/usr/bin/env node
// The `pgdrift` command. The CLI is bundled into dist/ by `npm ci` (the `prepare` script);
// after editing the sources, `npm run build` refreshes it.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/pgdrift.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    "pgdrift: dist/pgdrift.mjs is missing: run `npm run build` (npm ci does it) in the pgdrift folder\n",
  );
  process.exit(2);
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));

/**
 * The CLI as `npm run build` bundles it, built into a private folder for the bench's runs: the
 * test suite rebuilds dist/ whenever it starts, and a run must not find it half replaced.
 * The folder sits under the package's node_modules, so the bundle's dependencies resolve as
 * they do from dist/.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Cleanup } from "./database.ts";
import { runCommand } from "./measure.ts";

export interface BenchCli {
  /** `node <entry> snapshot …` runs the bundled CLI, as `bin/pgdrift.mjs` does. */
  readonly entry?: string;
  readonly error?: string;
}

export async function buildBenchCli(root: string, cleanup: Cleanup): Promise<BenchCli> {
  const dir = join(root, "node_modules", ".cache", `pgdrift-bench-${process.pid}`);
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  await mkdir(dir, { recursive: true });
  const outdir = join(dir, "dist");
  const build = await runCommand(process.execPath, ["scripts/build.mjs", "--outdir", outdir], {
    cwd: root,
  });
  if (build.code !== 0) {
    const why = (build.stderr || build.stdout).trim().split("\n").slice(0, 3).join(" ");
    return { error: `npm run build failed: ${why}` };
  }
  // What bin/pgdrift.mjs does once it has found the bundle.
  const entry = join(dir, "pgdrift.mjs");
  await writeFile(
    entry,
    'const { main } = await import("./dist/pgdrift.mjs");\nprocess.exitCode = await main(process.argv.slice(2));\n',
  );
  return { entry };
}

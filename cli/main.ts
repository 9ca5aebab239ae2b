import { readFileSync } from "node:fs";
import { disposeAllScratch } from "../shared/baseline/scratch.ts";
import { scrubSecrets } from "../shared/introspect/connection-errors.ts";
import { auditCommand } from "./commands/audit.ts";
import { baselineCommand } from "./commands/baseline.ts";
import { diffCommand } from "./commands/diff.ts";
import { invokeCommand } from "./commands/invoke.ts";
import { snapshotCommand } from "./commands/snapshot.ts";
import { demoCommand } from "./demo.ts";
import { CliError, errorLine } from "./errors.ts";
import { MAIN_HELP } from "./help.ts";
import { installInterruptHandlers, isInterrupted } from "./interrupt.ts";
import { type Log, stderrLog } from "./io.ts";

type Command = (argv: readonly string[], log: Log) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  baseline: baselineCommand,
  snapshot: snapshotCommand,
  diff: diffCommand,
  audit: auditCommand,
  invoke: invokeCommand,
  demo: demoCommand,
};

function version(): string {
  // dist/pgdrift.mjs and cli/main.ts both sit one level below the package root.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "unknown";
}

/** The `pgdrift` command. Returns the exit code; never calls process.exit. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(MAIN_HELP);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`pgdrift ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  const removeHandlers = installInterruptHandlers([() => disposeAllScratch(stderrLog)]);
  try {
    if (command === undefined) {
      const what = name.startsWith("-") ? `unknown option ${name}` : `unknown command ${name}`;
      throw new CliError(`${what}: use ${Object.keys(COMMANDS).join(", ")} (see pgdrift --help)`);
    }
    return await command(rest, stderrLog);
  } catch (error) {
    if (isInterrupted()) return 130;
    const debug = Boolean(process.env.PGDRIFT_DEBUG);
    process.stderr.write(`${scrubSecrets(errorLine(error, debug))}\n`);
    return error instanceof CliError ? error.exitCode : 2;
  } finally {
    removeHandlers();
  }
}

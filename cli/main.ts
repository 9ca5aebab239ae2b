import { readFileSync } from "node:fs";
import { disposeAllScratch } from "../shared/baseline/scratch.ts";
import { scrubSecrets } from "../shared/introspect/connection-errors.ts";
import { CliError, errorLine } from "./errors.ts";
import { MAIN_HELP } from "./help.ts";
import { installInterruptHandlers, isInterrupted } from "./interrupt.ts";
import { type Log, stderrLog } from "./io.ts";

type Command = (argv: readonly string[], log: Log) => Promise<number>;

/** Each command's module is loaded only when it runs, so every command starts fast. */
const COMMANDS: Readonly<Record<string, Command>> = {
  baseline: async (argv, log) =>
    (await import("./commands/baseline.ts")).baselineCommand(argv, log),
  snapshot: async (argv, log) =>
    (await import("./commands/snapshot.ts")).snapshotCommand(argv, log),
  diff: async (argv, log) => (await import("./commands/diff.ts")).diffCommand(argv, log),
  audit: async (argv, log) => (await import("./commands/audit.ts")).auditCommand(argv, log),
  invoke: async (argv, log) => (await import("./commands/invoke.ts")).invokeCommand(argv, log),
  demo: async (argv, log) => (await import("./demo.ts")).demoCommand(argv, log),
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
